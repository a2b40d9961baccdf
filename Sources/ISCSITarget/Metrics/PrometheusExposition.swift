import BlockDevice

/// Prometheus' text exposition format (version 0.0.4) of the command counters and the block device statistics.
///
/// Written here rather than through swift-prometheus: its histograms take a lock per observation, and the
/// data plane must not; what a scrape prints is a few families of counters and one histogram.
public enum PrometheusExposition {
    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The families, in the order they are printed.
    static let counterFamilies: [(name: String, help: String, value: @Sendable (CommandCounters) -> UInt64)] = [
        ("iscsi_scsi_commands_total", "SCSI commands answered with a status.", { $0.commands }),
        ("iscsi_scsi_read_bytes_total", "Bytes of block reads sent to the initiator.", { $0.readBytes }),
        ("iscsi_scsi_written_bytes_total", "Bytes of block writes taken from the initiator.", { $0.writtenBytes }),
        ("iscsi_scsi_errors_total", "SCSI commands answered CHECK CONDITION.", { $0.errors }),
    ]
    static let histogramName = "iscsi_scsi_command_duration_seconds"

    /// The whole exposition of `series`, series sorted by target, initiator and LUN.
    public static func render(_ series: [MetricSeriesKey: CommandCounters]) -> String {
        let sorted = series.sorted { $0.key < $1.key }
        var text = ""
        for family in Self.counterFamilies {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) counter\n"
            for (key, counters) in sorted {
                text += "\(family.name){\(Self.labels(key))} \(family.value(counters))\n"
            }
        }
        let name = Self.histogramName
        text += "# HELP \(name) Time from a SCSI command's arrival to its response.\n# TYPE \(name) histogram\n"
        for (key, counters) in sorted {
            let labels = Self.labels(key)
            var cumulative: UInt64 = 0
            for (index, bound) in CommandCounters.bucketBoundsNanoseconds.enumerated() {
                cumulative &+= counters.latencyBuckets[index]
                text += "\(name)_bucket{\(labels),le=\"\(Self.seconds(nanoseconds: bound))\"} \(cumulative)\n"
            }
            text += "\(name)_bucket{\(labels),le=\"+Inf\"} \(counters.commands)\n"
            text += "\(name)_sum{\(labels)} \(Self.seconds(nanoseconds: counters.latencySumNanoseconds))\n"
            text += "\(name)_count{\(labels)} \(counters.commands)\n"
        }
        return text
    }

    /// The block device families, in the order they are printed; each has a series per device and kind of I/O.
    static let deviceFamilies:
        [(name: String, help: String, value: @Sendable (BlockIOAccounting.KindStatistics) -> UInt64)] = [
            ("iscsi_bdev_operations_total", "Block I/Os completed by the device.", { $0.operations }),
            ("iscsi_bdev_bytes_total", "Bytes the device's block I/Os moved (unmapped, for unmaps).", { $0.bytes }),
        ]
    static let deviceLatencyName = "iscsi_bdev_latency_seconds_total"

    /// The block device families of `devices` (bdev_get_iostat's counters: reads, writes with write zeroes,
    /// unmaps), devices sorted by name. bdev_reset_iostat resets them, as Prometheus allows counters to.
    public static func render(devices: [(name: String, statistics: BlockIOAccounting.Statistics)]) -> String {
        let rows = devices.sorted { $0.name < $1.name }.flatMap { device in
            let statistics = device.statistics
            let name = Self.escaped(device.name)
            return [("read", statistics.read), ("write", statistics.write), ("unmap", statistics.unmap)].map {
                (labels: "bdev=\"\(name)\",kind=\"\($0.0)\"", kind: $0.1)
            }
        }
        var text = ""
        for family in Self.deviceFamilies {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) counter\n"
            for row in rows {
                text += "\(family.name){\(row.labels)} \(family.value(row.kind))\n"
            }
        }
        let name = Self.deviceLatencyName
        text += "# HELP \(name) The summed latencies of the device's block I/Os.\n# TYPE \(name) counter\n"
        for row in rows {
            text += "\(name){\(row.labels)} \(Self.seconds(nanoseconds: row.kind.latencyTicks))\n"
        }
        return text
    }

    /// `target="…",initiator="…",lun="…"`.
    static func labels(_ key: MetricSeriesKey) -> String {
        "target=\"\(Self.escaped(key.target))\",initiator=\"\(Self.escaped(key.initiator))\",lun=\"\(key.logicalUnit)\""
    }

    /// A label value with `\`, `"` and line feeds escaped, as the format requires.
    static func escaped(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }

    /// Nanoseconds as exact decimal seconds: `0.00001`, `1`, `2.5`.
    static func seconds(nanoseconds: UInt64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        guard fraction > 0 else { return "\(whole)" }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
