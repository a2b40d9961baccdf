/// The metrics of the connections of one event loop: the live ones, and what closed ones counted.
///
/// Used only on its event loop (through `NIOLoopBound`); scrapes run ``snapshot()`` there.
final class LoopMetrics {
    private var live: [ObjectIdentifier: ConnectionMetrics] = [:]
    private var retired: [MetricSeriesKey: CommandCounters] = [:]

    /// Starts counting a connection's commands in scrapes.
    func attach(_ connection: ConnectionMetrics) {
        self.live[ObjectIdentifier(connection)] = connection
    }

    /// Keeps what a closing connection counted, so that counters never go back.
    func detach(_ connection: ConnectionMetrics) {
        guard self.live.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        for (key, counters) in connection.series {
            self.retired[key, default: CommandCounters()] += counters
        }
    }

    /// Every series' counters: the retired ones plus the live connections'.
    func snapshot() -> [MetricSeriesKey: CommandCounters] {
        var result = self.retired
        for connection in self.live.values {
            for (key, counters) in connection.series {
                result[key, default: CommandCounters()] += counters
            }
        }
        return result
    }
}
