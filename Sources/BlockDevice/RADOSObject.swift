import CLibRBD
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One small RADOS object, read and replaced whole, with compare-and-swap on its version and watch/notify: the
/// state that several clients of a Ceph cluster share (the persistent reservations of an RBD image that several
/// gateways serve).
///
/// Every call is synchronous, one OSD round trip. Reads and writes are serialised here, because librados reports
/// an operation's object version through its I/O context; notifications arrive on librados threads.
public final class RADOSObject: @unchecked Sendable {
    /// The object's contents and the version they were read at.
    public struct Snapshot: Sendable, Hashable {
        /// The bytes of the object.
        public var bytes: [UInt8]
        /// RADOS's version of the object, which every write increments.
        public var version: UInt64
    }

    /// The object name.
    public let name: String
    private let connection: RBDConnection
    private let context: UnsafeMutableRawPointer
    private let operations = Mutex(())
    private let watch = Mutex<Watch?>(nil)

    /// Opens pool `pool` through `connection` and creates the object empty when it does not exist yet.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' errno;
    ///   ``BlockDeviceError/libraryUnavailable(_:)`` without librados.
    public init(connection: RBDConnection, pool: String, name: String) throws(BlockDeviceError) {
        try RBDConnection.loadLibrary()
        var context: UnsafeMutableRawPointer?
        let result = crados_open_pool(connection.handle, pool, &context)
        guard result == 0, let context else {
            throw .system(errno: -result)
        }
        let created = crados_create(context, name)
        guard created == 0 else {
            crados_close_pool(context)
            throw .system(errno: -created)
        }
        self.name = name
        self.connection = connection
        self.context = context
    }

    deinit {
        let teardown = Teardown(
            connection: self.connection,
            context: self.context,
            watch: self.watch.withLock { $0.take() }
        )
        guard teardown.watch != nil else {
            teardown.run()
            return
        }
        // The last reference may go away inside a watch callback, where rados_watch_flush would wait for that very
        // callback to return: end the watch on another thread.
        DispatchQueue.global().async { teardown.run() }
    }

    /// Reads the object (at most `maximumBytes`) and its version.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' errno.
    public func read(maximumBytes: Int = 256 << 10) throws(BlockDeviceError) -> Snapshot {
        var bytes = [UInt8](repeating: 0, count: maximumBytes)
        var version: UInt64 = 0
        let count = self.operations.withLock { _ in
            bytes.withUnsafeMutableBytes { crados_read(self.context, self.name, $0.baseAddress, $0.count, &version) }
        }
        guard count >= 0 else {
            throw .system(errno: Int32(-count))
        }
        bytes.removeLast(maximumBytes - count)
        return Snapshot(bytes: bytes, version: version)
    }

    /// Replaces the object by `bytes` if it is still at `version`.
    ///
    /// - Returns: the new version, or nil when another client wrote the object since `version`.
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' errno.
    public func replace(with bytes: [UInt8], ifVersion version: UInt64) throws(BlockDeviceError) -> UInt64? {
        var newVersion: UInt64 = 0
        let result = self.operations.withLock { _ in
            bytes.withUnsafeBytes {
                crados_write_if_version(self.context, self.name, $0.baseAddress, $0.count, version, &newVersion)
            }
        }
        switch -result {
        case 0: return newVersion
        case ERANGE, EOVERFLOW: return nil
        default: throw .system(errno: -result)
        }
    }

    /// Watches the object: `onNotification` gets the payload of every notification sent to it (this client's own
    /// too), on a librados thread, and the notifier learns that it was received when it returns; `onError` gets
    /// the errno when the watch was interrupted and notifications may have been missed (then call
    /// ``renewWatch()``). At most one watch per object; it ends when the object is released.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' errno; `EBUSY` when already watched.
    public func watch(
        onNotification: @escaping @Sendable ([UInt8]) -> Void,
        onError: @escaping @Sendable (Int32) -> Void
    ) throws(BlockDeviceError) {
        let handler = Unmanaged.passRetained(
            WatchHandler(object: self.name, context: self.context, onNotification: onNotification, onError: onError)
        )
        let result: CInt = self.watch.withLock { watch in
            guard watch == nil else {
                return -EBUSY
            }
            var cookie: UInt64 = 0
            let result = self.register(handler, cookie: &cookie)
            if result == 0 {
                watch = Watch(cookie: cookie, handler: handler)
            }
            return result
        }
        guard result == 0 else {
            handler.release()
            throw .system(errno: -result)
        }
    }

    /// Watches the object again, with the same handlers, after its watch was interrupted: ends the old watch,
    /// creates the object again if it was deleted, and registers anew. It waits until no callback of the old watch
    /// runs, so it must not be called from one (nor from any librados thread).
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' errno (the object is not watched then; a later
    ///   call tries again); `ENOTCONN` when ``watch(onNotification:onError:)`` never succeeded.
    public func renewWatch() throws(BlockDeviceError) {
        let result: CInt = self.watch.withLock { watch in
            guard var current = watch else {
                return -ENOTCONN
            }
            if let cookie = current.cookie.take() {
                _ = crados_unwatch(self.connection.handle, self.context, cookie)
            }
            let created = self.operations.withLock { _ in crados_create(self.context, self.name) }
            var cookie: UInt64 = 0
            let result = created == 0 ? self.register(current.handler, cookie: &cookie) : created
            if result == 0 {
                current.cookie = cookie
            }
            watch = current
            return result
        }
        guard result == 0 else {
            throw .system(errno: -result)
        }
    }

    /// `rados_watch2` with `handler`'s callbacks: 0 or -errno.
    private func register(_ handler: Unmanaged<WatchHandler>, cookie: inout UInt64) -> CInt {
        crados_watch(
            self.context,
            self.name,
            { argument, notifyID, cookie, _, data, length in
                guard let argument else { return }
                let handler = Unmanaged<WatchHandler>.fromOpaque(argument).takeUnretainedValue()
                handler.notified(
                    id: notifyID,
                    cookie: cookie,
                    payload: UnsafeRawBufferPointer(start: data, count: length)
                )
            },
            { argument, _, error in
                guard let argument else { return }
                Unmanaged<WatchHandler>.fromOpaque(argument).takeUnretainedValue().onError(-error)
            },
            handler.toOpaque(),
            &cookie
        )
    }

    /// Sends `payload` to every watcher of the object and waits until all of them received it, or `timeout`.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' errno (`ETIMEDOUT` when a watcher did not
    ///   answer in time).
    public func notify(_ payload: [UInt8], timeout: Duration) throws(BlockDeviceError) {
        let milliseconds =
            UInt64(timeout.components.seconds) * 1000
            + UInt64(timeout.components.attoseconds / 1_000_000_000_000_000)
        let result = payload.withUnsafeBytes {
            crados_notify(self.context, self.name, $0.baseAddress, $0.count, milliseconds)
        }
        guard result == 0 else {
            throw .system(errno: -result)
        }
    }

    /// A watch: its cookie while registered (nil after a failed renewal), and the retained handler its callbacks
    /// reach.
    private struct Watch {
        var cookie: UInt64?
        let handler: Unmanaged<WatchHandler>
    }

    /// Ends the watch (waiting until no callback runs), releases its handler and closes the I/O context.
    private struct Teardown: @unchecked Sendable {
        let connection: RBDConnection
        let context: UnsafeMutableRawPointer
        let watch: Watch?

        func run() {
            if let watch = self.watch {
                if let cookie = watch.cookie {
                    _ = crados_unwatch(self.connection.handle, self.context, cookie)
                }
                watch.handler.release()
            }
            crados_close_pool(self.context)
        }
    }
}

/// What a watch's C callbacks call: the user's handlers, and the acknowledgement of each notification.
private final class WatchHandler: @unchecked Sendable {
    let object: String
    let context: UnsafeMutableRawPointer
    let onNotification: @Sendable ([UInt8]) -> Void
    let onError: @Sendable (Int32) -> Void

    init(
        object: String,
        context: UnsafeMutableRawPointer,
        onNotification: @escaping @Sendable ([UInt8]) -> Void,
        onError: @escaping @Sendable (Int32) -> Void
    ) {
        self.object = object
        self.context = context
        self.onNotification = onNotification
        self.onError = onError
    }

    func notified(id: UInt64, cookie: UInt64, payload: UnsafeRawBufferPointer) {
        self.onNotification(Array(payload))
        _ = crados_notify_ack(self.context, self.object, id, cookie)
    }
}
