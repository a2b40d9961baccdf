import BlockDevice
import JSONRPC
import NIOCore

/// bdev_get_iostat and bdev_set_qos_limit, over each device's ``BlockIOAccounting``.
enum IOStatisticsMethods {
    static func methods(devices: BlockDeviceRegistry) -> [RPCMethod] {
        [
            RPCMethod("bdev_get_iostat") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let names = try decoder.optional("names", as: [String].self)
                let perChannel: Bool = try decoder.optional("per_channel") ?? false
                let resetMode: String = try decoder.optional("reset_mode") ?? "none"
                try decoder.finish()
                guard ["all", "maxmin", "error", "none"].contains(resetMode) else { throw RPCError.decodeFailed }
                guard !perChannel || names?.count == 1 else { throw RPCError.errno(22) }
                var selected: [any BlockDevice] = []
                if let names {
                    for name in names {
                        guard let device = devices.device(named: name) else { throw RPCError.errno(19) }
                        selected.append(device)
                    }
                } else {
                    selected = devices.devices
                }
                let entries = selected.map(Self.statisticsJSON)
                for device in selected where resetMode == "all" || resetMode == "maxmin" {
                    device.ioAccounting?.resetStatistics(onlyExtremes: resetMode == "maxmin")
                }
                return .object(
                    JSONObject([
                        ("tick_rate", .unsigned(BlockIOAccounting.ticksPerSecond)),
                        ("ticks", .unsigned(NIODeadline.now().uptimeNanoseconds)),
                        ("bdevs", .array(entries)),
                    ])
                )
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

    private static func statisticsJSON(_ device: any BlockDevice) -> JSONValue {
        let empty = BlockIOAccounting.KindStatistics.zero
        let (read, write, unmap) = device.ioAccounting?.statistics ?? (empty, empty, empty)
        func latencies(_ prefix: String, _ statistics: BlockIOAccounting.KindStatistics) -> [(String, JSONValue)] {
            [
                ("\(prefix)_latency_ticks", .unsigned(statistics.latencyTicks)),
                ("max_\(prefix)_latency_ticks", .unsigned(statistics.maximumLatencyTicks)),
                ("min_\(prefix)_latency_ticks", .unsigned(statistics.minimumLatencyTicks)),
            ]
        }
        let counts: [(String, JSONValue)] = [
            ("name", .string(device.name)),
            ("bytes_read", .unsigned(read.bytes)), ("num_read_ops", .unsigned(read.operations)),
            ("bytes_written", .unsigned(write.bytes)), ("num_write_ops", .unsigned(write.operations)),
            ("bytes_unmapped", .unsigned(unmap.bytes)), ("num_unmap_ops", .unsigned(unmap.operations)),
            ("bytes_copied", 0), ("num_copy_ops", 0),
        ]
        return .object(
            JSONObject(
                counts + latencies("read", read) + latencies("write", write) + latencies("unmap", unmap)
                    + latencies("copy", empty)
            )
        )
    }
}
