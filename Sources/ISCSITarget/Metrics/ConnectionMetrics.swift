import SCSI

/// The counters of one logged-in Normal session's connection, per LUN.
///
/// Owned by the connection's handler and its event loop's ``LoopMetrics``; touched only on that loop, so the
/// counters are plain integers: no lock and no atomic per command.
final class ConnectionMetrics {
    let target: String
    let initiator: String
    /// The counters of each LUN the connection addressed, by raw LUN field; a handful, searched linearly.
    /// Only its event loop touches them, so the dynamic exclusivity check of every command is left out.
    @exclusivity(unchecked) private(set) var logicalUnits: [(field: UInt64, counters: CommandCounters)] = []

    init(target: String, initiator: String) {
        self.target = target
        self.initiator = initiator
    }

    /// Counts one answered command of the LUN whose LUN field is `logicalUnitField`.
    func record(
        logicalUnitField: UInt64,
        readBytes: Int,
        writtenBytes: Int,
        isError: Bool,
        latencyNanoseconds: UInt64
    ) {
        var index = 0
        while index < self.logicalUnits.count, self.logicalUnits[index].field != logicalUnitField {
            index += 1
        }
        if index == self.logicalUnits.count {
            self.logicalUnits.append((logicalUnitField, CommandCounters()))
        }
        self.logicalUnits[index].counters.record(
            readBytes: readBytes,
            writtenBytes: writtenBytes,
            isError: isError,
            latencyNanoseconds: latencyNanoseconds
        )
    }

    /// The counters by series.
    var series: [(key: MetricSeriesKey, counters: CommandCounters)] {
        self.logicalUnits.map { unit in
            let id = LogicalUnitAddress.decode(unit.field).map(UInt64.init) ?? unit.field
            return (MetricSeriesKey(target: self.target, initiator: self.initiator, logicalUnit: id), unit.counters)
        }
    }
}
