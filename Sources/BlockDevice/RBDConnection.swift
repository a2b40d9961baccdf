import CLibRBD

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One connection to a Ceph cluster (a RADOS handle), shared by the RBD devices opened through it.
///
/// librados and librbd are not linked into the executable: ``RBDConnection/loadLibrary()`` opens
/// `librados.so.2` and `librbd.so.1` with `dlopen` on first use. A target built and started on a machine without
/// Ceph then serves every other kind of device, and only creating an RBD device fails, with a clear error; no
/// Ceph headers are needed to build either (the shim declares the few C prototypes it calls).
///
/// librbd's cache is off on our connections (``RBDConnectionSettings/gatewayDefaults``): a gateway that
/// acknowledged writes from its memory would lose them when it dies, while its initiator, and the gateway that takes
/// over, believe them written. An administrator who wants the cache sets `rbd_cache` in the connection's options
/// (`config_param` / `config`), or per pool or image (`rbd config pool|image set ... rbd_cache true`); the device
/// then reports a volatile write cache (``RBDBlockDevice/writeCacheEnabled``).
///
/// The handle is shut down when the last device using it and its owner (a registered cluster) let it go. librados
/// handles may be used from any thread, hence `@unchecked Sendable`.
public final class RBDConnection: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Loads librados and librbd once per process.
    ///
    /// - Throws: ``BlockDeviceError/libraryUnavailable(_:)`` with the loader's reason when they are missing.
    public static func loadLibrary() throws(BlockDeviceError) {
        guard crbd_load() == 0 else {
            let reason = crbd_load_error().map { String(cString: $0) } ?? "unknown error"
            throw .libraryUnavailable("librbd is not available (\(reason))")
        }
    }

    /// Connects with `settings`.
    ///
    /// - Throws: ``BlockDeviceError/libraryUnavailable(_:)`` without librbd; ``BlockDeviceError/system(errno:)``
    ///   with librados' errno when the configuration cannot be read or applied or the cluster is unreachable.
    public init(_ settings: RBDConnectionSettings) throws(BlockDeviceError) {
        try Self.loadLibrary()
        var handle: UnsafeMutableRawPointer?
        // After the configuration file, before the administrator's options, which may override them.
        let options = RBDConnectionSettings.gatewayDefaults + settings.options
        let keys = options.map { strdup($0.key) }
        let values = options.map { strdup($0.value) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keyPointers = keys.map { UnsafePointer($0) }
        let valuePointers = values.map { UnsafePointer($0) }
        let result = keyPointers.withUnsafeBufferPointer { keyBuffer in
            valuePointers.withUnsafeBufferPointer { valueBuffer in
                crbd_connect(
                    &handle,
                    settings.userID,
                    settings.configFile,
                    settings.readsDefaultConfigFile ? 1 : 0,
                    keyBuffer.baseAddress,
                    valueBuffer.baseAddress,
                    CInt(options.count),
                    settings.keyFile
                )
            }
        }
        guard result == 0, let handle else {
            throw .system(errno: -result)
        }
        self.handle = handle
    }

    deinit {
        crbd_shutdown(self.handle)
    }
}

/// How to reach a Ceph cluster: the RADOS user and configuration of `bdev_rbd_register_cluster` or of a
/// `bdev_rbd_create` that names no cluster.
public struct RBDConnectionSettings: Sendable, Hashable {
    /// The Ceph user without `client.` (nil: `admin`).
    public var userID: String?
    /// Ceph options, set in this order after the configuration file was read.
    public var options: [RBDConfigOption]
    /// A `ceph.conf` to read; nil reads the default one (`CEPH_CONF`, `/etc/ceph/ceph.conf`) unless
    /// ``options`` configure the connection on their own.
    public var configFile: String?
    /// A keyring path (the `keyring` option).
    public var keyFile: String?

    /// Creates settings.
    public init(
        userID: String? = nil,
        options: [RBDConfigOption] = [],
        configFile: String? = nil,
        keyFile: String? = nil
    ) {
        self.userID = userID
        self.options = options
        self.configFile = configFile
        self.keyFile = keyFile
    }

    /// The options every connection sets after reading its configuration file and before ``options``: librbd's
    /// cache off (`rbd_cache` = `false`), so that a write is on the OSDs when it completes. They override the
    /// configuration file; ``options`` and pool or image settings override them.
    public static let gatewayDefaults = [RBDConfigOption(key: "rbd_cache", value: "false")]

    /// SPDK's rule: options given explicitly replace the default configuration file.
    var readsDefaultConfigFile: Bool {
        self.configFile == nil && self.options.isEmpty
    }
}

/// One Ceph option (`mon_host` = `127.0.0.1`).
public struct RBDConfigOption: Sendable, Hashable {
    /// The option name.
    public var key: String
    /// Its value.
    public var value: String

    /// Creates an option.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
