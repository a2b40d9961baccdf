import BlockDevice
import FoundationEssentials
import JSONRPC

/// bdev_set_options, bdev_wait_for_examine, bdev_malloc_*, bdev_null_*, bdev_aio_*, bdev_get_bdevs.
enum BlockDeviceMethods {
    /// How often bdev_get_bdevs looks again for a named device while its timeout runs.
    static let lookupInterval: Duration = .milliseconds(10)

    static func methods(_ configuration: TargetConfiguration, devices: BlockDeviceRegistry) -> [RPCMethod] {
        [
            RPCMethod("bdev_set_options", allowedIn: .startup) { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                var options = await configuration.bdevOptions
                options.ioPoolSize = try decoder.optional("bdev_io_pool_size") ?? options.ioPoolSize
                options.ioCacheSize = try decoder.optional("bdev_io_cache_size") ?? options.ioCacheSize
                options.autoExamine = try decoder.optional("bdev_auto_examine") ?? options.autoExamine
                options.iobufSmallCacheSize =
                    try decoder.optional("iobuf_small_cache_size") ?? options.iobufSmallCacheSize
                options.iobufLargeCacheSize =
                    try decoder.optional("iobuf_large_cache_size") ?? options.iobufLargeCacheSize
                try decoder.finish()
                do {
                    try await configuration.setBlockDeviceOptions(options)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            .getter("bdev_wait_for_examine") { true },
            RPCMethod("bdev_malloc_create") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                var request = TargetConfiguration.MallocRequest(
                    name: try decoder.optional("name"),
                    blockCount: try decoder.required("num_blocks"),
                    blockSize: try decoder.required("block_size"),
                    uuid: try Self.decodeUUID(&decoder)
                )
                request.physicalBlockSize = try decoder.optional("physical_block_size") ?? 0
                request.optimalIOBoundary = try decoder.optional("optimal_io_boundary") ?? 0
                request.metadataSize = try decoder.optional("md_size") ?? 0
                _ = try decoder.optional("md_interleave", as: Bool.self)
                request.difType = try decoder.optional("dif_type") ?? 0
                _ = try decoder.optional("dif_is_head_of_md", as: Bool.self)
                request.difPIFormat = try decoder.optional("dif_pi_format") ?? 0
                _ = try decoder.optional("numa_id", as: Int32.self)
                try decoder.finish()
                do throws(BlockDeviceError) {
                    return .string(try await configuration.createMalloc(request))
                } catch {
                    throw error.rpcError
                }
            },
            RPCMethod("bdev_malloc_delete") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.deleteBlockDevice(named: name, of: MallocBlockDevice.self)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_null_create") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                var request = TargetConfiguration.NullRequest(
                    name: try decoder.required("name"),
                    blockCount: try decoder.required("num_blocks"),
                    blockSize: try decoder.required("block_size"),
                    uuid: try Self.decodeUUID(&decoder)
                )
                request.physicalBlockSize = try decoder.optional("physical_block_size") ?? 0
                request.metadataSize = try decoder.optional("md_size") ?? 0
                request.difType = try decoder.optional("dif_type") ?? 0
                _ = try decoder.optional("dif_is_head_of_md", as: Bool.self)
                request.difPIFormat = try decoder.optional("dif_pi_format") ?? 0
                for key in Self.nullAlignmentKeys {
                    _ = try decoder.optional(key, as: UInt32.self)
                }
                try decoder.finish()
                do throws(BlockDeviceError) {
                    return .string(try await configuration.createNull(request))
                } catch {
                    throw error.rpcError
                }
            },
            RPCMethod("bdev_null_delete") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.deleteBlockDevice(named: name, of: NullBlockDevice.self)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_null_resize") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                let newSize: UInt64 = try decoder.required("new_size")
                try decoder.finish()
                do throws(BlockDeviceError) {
                    try await configuration.resizeNull(named: name, newSizeMiB: newSize)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_aio_create") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                var request = FileBlockDevice.Configuration(
                    name: try decoder.required("name"),
                    filename: try decoder.required("filename")
                )
                request.blockSize = try decoder.optional("block_size") ?? 0
                request.isReadOnly = try decoder.optional("readonly") ?? false
                request.usesFallocate = try decoder.optional("fallocate") ?? false
                // RWF_NOWAIT only matters to asynchronous submission; inline I/O has nothing to skip.
                _ = try decoder.optional("nowait", as: Bool.self)
                request.uuid = try Self.decodeUUID(&decoder) ?? request.uuid
                try decoder.finish()
                do throws(BlockDeviceError) {
                    return .string(try await configuration.createFileBlockDevice(request))
                } catch {
                    throw error.rpcError
                }
            },
            RPCMethod("bdev_aio_rescan") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.rescanFileBlockDevice(named: name)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_aio_delete") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.deleteBlockDevice(named: name, of: FileBlockDevice.self)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_get_bdevs") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String? = try decoder.optional("name")
                let timeout = try decoder.optional("timeout", as: UInt64.self) ?? 0
                try decoder.finish()
                guard let name else {
                    return .array(devices.devices.map(blockDeviceJSON))
                }
                guard let device = await Self.waitForDevice(named: name, timeoutMilliseconds: timeout, in: devices)
                else { throw RPCError.errno(19) }
                return [blockDeviceJSON(device)]
            },
        ] + RBDMethods.methods(configuration) + TestBlockDeviceMethods.methods(configuration, devices: devices)
            + IOStatisticsMethods.methods(devices: devices)
    }

    /// bdev_get_bdevs' `driver_specific` object: the file of an aio or uring bdev or the image of an RBD bdev, as SPDK
    /// prints them.
    static func driverSpecificJSON(of device: any BlockDevice) -> JSONValue {
        if let rbd = device as? RBDBlockDevice {
            return RBDMethods.driverSpecificJSON(rbd)
        }
        if let uring = device as? UringBlockDevice {
            return UringMethods.driverSpecificJSON(uring)
        }
        guard let file = device as? FileBlockDevice else { return .object(JSONObject()) }
        let aio: JSONValue = .object(
            JSONObject([
                ("filename", .string(file.configuration.filename)),
                ("block_size_override", .bool(file.configuration.blockSize != 0)),
                ("readonly", .bool(file.isReadOnly)),
                ("fallocate", .bool(file.configuration.usesFallocate)),
            ])
        )
        return .object(JSONObject([("aio", aio)]))
    }

    /// Optional members of bdev_null_create this implementation accepts and does not use.
    static let nullAlignmentKeys = [
        "preferred_write_alignment", "preferred_write_granularity", "optimal_write_size",
        "preferred_unmap_alignment", "preferred_unmap_granularity",
    ]

    private static func decodeName(_ params: JSONValue?) throws -> String {
        var decoder = try RPCParams(params, failure: .decodeFailed)
        let name: String = try decoder.required("name")
        try decoder.finish()
        return name
    }

    /// `uuid`, when present, must be a canonical UUID string (else the decode fails).
    private static func decodeUUID(_ decoder: inout RPCParams) throws -> UUID? {
        guard let text = try decoder.optional("uuid", as: String.self) else { return nil }
        guard let uuid = UUID(uuidString: text) else { throw RPCError.decodeFailed }
        return uuid
    }

    private static func waitForDevice(
        named name: String,
        timeoutMilliseconds: UInt64,
        in devices: BlockDeviceRegistry
    ) async -> (any BlockDevice)? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(clamping: timeoutMilliseconds))
        while true {
            if let device = devices.device(named: name) { return device }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: Self.lookupInterval)
        }
    }
}

extension BlockDeviceError {
    /// The errno-style error SPDK answers for this failure.
    var rpcError: RPCError {
        switch self {
        case .invalidArgument: .errno(22)
        case .outOfMemory: .errno(12)
        case .exists: .errno(17)
        case .notFound: .errno(19)
        case .system(let errno): .errno(errno)
        case .libraryUnavailable(let reason): RPCError(code: -95, message: reason)
        }
    }
}
