import BlockDevice
import JSONRPC
import NIOCore

/// bdev_get_iostat, bdev_reset_iostat and bdev_set_qos_limit, over each device's ``BlockIOAccounting``.
enum IOStatisticsMethods {
    static func methods(devices: BlockDeviceRegistry) -> [RPCMethod] {
        [
            RPCMethod("bdev_get_iostat") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name = try decoder.optional("name", as: String.self)
                let listed = try decoder.optional("names", as: [String].self)
                let perChannel: Bool = try decoder.optional("per_channel") ?? false
                let reset = try decoder.optional("reset_mode").map(Self.resetMode) ?? .none
                try decoder.finish()
                // `name` is SPDK's deprecated spelling of a one-name `names`.
                guard name == nil || listed == nil else { throw RPCError.errno(22) }
                let names = name.map { [$0] } ?? listed
                guard !perChannel || names?.count == 1 else { throw RPCError.errno(22) }
                let selected =
                    try names.map { try $0.map { try Self.device(named: $0, in: devices) } }
                    ?? devices.devices
                var members: [(String, JSONValue)] = [
                    ("tick_rate", .unsigned(BlockIOAccounting.ticksPerSecond)),
                    ("ticks", .unsigned(NIODeadline.now().uptimeNanoseconds)),
                ]
                if perChannel, let device = selected.first {
                    let channels = device.ioAccounting?.channelStatistics ?? []
                    members.append(("name", .string(device.name)))
                    members.append(("channels", .array(channels.map(Self.channelJSON))))
                } else {
                    members.append(("bdevs", .array(selected.map(Self.deviceJSON))))
                }
                for device in selected {
                    reset.apply(to: device)
                }
                return .object(JSONObject(members))
            },
            RPCMethod("bdev_reset_iostat") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name = try decoder.optional("name", as: String.self)
                let reset = try decoder.optional("mode").map(Self.resetMode) ?? .all
                try decoder.finish()
                guard reset != .none else { return true }
                let selected = try name.map { [try Self.device(named: $0, in: devices)] } ?? devices.devices
                for device in selected {
                    reset.apply(to: device)
                }
                return true
            },
            RPCMethod("bdev_set_qos_limit") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                let ios: UInt64? = try decoder.optional("rw_ios_per_sec")
                let mebibytes: [UInt64?] = try Self.mebibyteKeys.map { try decoder.optional($0) }
                try decoder.finish()
                guard ios != nil || mebibytes.contains(where: { $0 != nil }) else {
                    throw RPCError(code: -22, message: "No rate limits specified")
                }
                guard let accounting = devices.device(named: name)?.ioAccounting else { throw RPCError.errno(19) }
                var limits = accounting.rateLimits
                if let ios {
                    // SPDK enforces I/O limits in whole thousands per second.
                    limits.readWriteIOsPerSecond = (ios + 999) / 1000 * 1000
                }
                let bytes = mebibytes.map { $0.map { $0.multipliedReportingOverflow(by: 1 << 20) } }
                guard !bytes.contains(where: { $0?.overflow == true }) else { throw RPCError.errno(22) }
                limits.readWriteBytesPerSecond = bytes[0]?.partialValue ?? limits.readWriteBytesPerSecond
                limits.readBytesPerSecond = bytes[1]?.partialValue ?? limits.readBytesPerSecond
                limits.writeBytesPerSecond = bytes[2]?.partialValue ?? limits.writeBytesPerSecond
                accounting.setRateLimits(limits)
                return true
            },
        ]
    }

    /// bdev_set_qos_limit's MiB/s keys, in the order of ``BlockIOAccounting/RateLimits``' byte limits.
    static let mebibyteKeys = ["rw_mbytes_per_sec", "r_mbytes_per_sec", "w_mbytes_per_sec"]

    /// `assigned_rate_limits` of bdev_get_bdevs, and the params of save_config's bdev_set_qos_limit.
    static func rateLimitMembers(_ limits: BlockIOAccounting.RateLimits) -> [(String, JSONValue)] {
        [
            ("rw_ios_per_sec", .unsigned(limits.readWriteIOsPerSecond)),
            ("rw_mbytes_per_sec", .unsigned(limits.readWriteBytesPerSecond >> 20)),
            ("r_mbytes_per_sec", .unsigned(limits.readBytesPerSecond >> 20)),
            ("w_mbytes_per_sec", .unsigned(limits.writeBytesPerSecond >> 20)),
        ]
    }

    /// What bdev_get_iostat's `reset_mode` and bdev_reset_iostat's `mode` reset.
    enum ResetMode {
        case all, maxmin, error, none

        /// Resets the counters of `device` this mode names. `error` resets the I/O error counters, which are not
        /// kept (bdev_get_iostat reports no `io_error`).
        func apply(to device: any BlockDevice) {
            switch self {
            case .all: device.ioAccounting?.resetStatistics(onlyExtremes: false)
            case .maxmin: device.ioAccounting?.resetStatistics(onlyExtremes: true)
            case .error, .none: break
            }
        }
    }

    private static func resetMode(_ name: String) throws -> ResetMode {
        switch name {
        case "all": .all
        case "maxmin": .maxmin
        case "error": .error
        case "none": .none
        default: throw RPCError.decodeFailed
        }
    }

    private static func device(named name: String, in devices: BlockDeviceRegistry) throws -> any BlockDevice {
        guard let device = devices.device(named: name) else { throw RPCError.errno(19) }
        return device
    }

    /// An entry of `bdevs`: the device's name, then its counters.
    private static func deviceJSON(_ device: any BlockDevice) -> JSONValue {
        let statistics = device.ioAccounting?.statistics ?? .zero
        return .object(JSONObject([("name", .string(device.name))] + Self.statisticsMembers(statistics)))
    }

    /// An entry of `channels`: the SPDK thread of the event loop (loop `i` is `iscsi_poll_group`'s thread `i + 2`
    /// of thread_get_stats), then the counters of the I/O it completed.
    private static func channelJSON(_ channel: BlockIOAccounting.ChannelStatistics) -> JSONValue {
        let thread: [(String, JSONValue)] = [("thread_id", .unsigned(UInt64(channel.threadIndex) + 2))]
        return .object(JSONObject(thread + Self.statisticsMembers(channel.statistics)))
    }

    /// SPDK's `spdk_bdev_dump_io_stat_json` members, in its order; copies are never counted.
    private static func statisticsMembers(_ statistics: BlockIOAccounting.Statistics) -> [(String, JSONValue)] {
        let (read, write, unmap) = (statistics.read, statistics.write, statistics.unmap)
        func latencies(_ prefix: String, _ kind: BlockIOAccounting.KindStatistics) -> [(String, JSONValue)] {
            [
                ("\(prefix)_latency_ticks", .unsigned(kind.latencyTicks)),
                ("max_\(prefix)_latency_ticks", .unsigned(kind.maximumLatencyTicks)),
                ("min_\(prefix)_latency_ticks", .unsigned(kind.minimumLatencyTicks)),
            ]
        }
        let counts: [(String, JSONValue)] = [
            ("bytes_read", .unsigned(read.bytes)), ("num_read_ops", .unsigned(read.operations)),
            ("bytes_written", .unsigned(write.bytes)), ("num_write_ops", .unsigned(write.operations)),
            ("bytes_unmapped", .unsigned(unmap.bytes)), ("num_unmap_ops", .unsigned(unmap.operations)),
            ("bytes_copied", 0), ("num_copy_ops", 0),
        ]
        return counts + latencies("read", read) + latencies("write", write) + latencies("unmap", unmap)
            + latencies("copy", .zero)
    }
}

extension ISCSITargetService {
    /// Has each event loop of `group` claim its block I/O statistics shard, one after the other, so that loop `i`
    /// counts in shard `i` and bdev_get_iostat's per-channel `thread_id` of its I/O is `i + 2`, the id
    /// thread_get_stats gives its `iscsi_poll_group` thread. Run at startup, before any I/O.
    public static func claimStatisticsShards(of group: any EventLoopGroup) async {
        for loop in group.makeIterator() {
            _ = try? await loop.submit { BlockIOAccounting.claimThreadShard() }.get()
        }
    }
}
