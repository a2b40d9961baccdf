import NIOCore
import Synchronization

/// The Prometheus metrics of the data plane (`--metrics`): per target, initiator and LUN command counters.
///
/// Connections count into ``ConnectionMetrics`` objects of their own, on their own event loop, with plain
/// integer adds. Each event loop has one ``LoopMetrics`` shard listing its connections; a scrape runs on every
/// shard's loop in turn and sums what they report. The lock here is taken when a session starts and when a
/// scrape begins, never per command.
public final class ISCSIMetrics: Sendable {
    private struct Shard: Sendable {
        let loop: any EventLoop
        let state: NIOLoopBound<LoopMetrics>
    }

    private let shards = Mutex<[ObjectIdentifier: Shard]>([:])

    public init() {}

    /// The shard of `loop`, created on first use. Must run on `loop`.
    func shard(of loop: any EventLoop) -> LoopMetrics {
        self.shards.withLock { shards in
            if let shard = shards[ObjectIdentifier(loop)] {
                return shard.state.value
            }
            let state = LoopMetrics()
            shards[ObjectIdentifier(loop)] = Shard(loop: loop, state: NIOLoopBound(state, eventLoop: loop))
            return state
        }
    }

    /// Every series' counters, summed over the event loops; completes on `eventLoop`.
    public func snapshot(on eventLoop: any EventLoop) -> EventLoopFuture<[MetricSeriesKey: CommandCounters]> {
        let shards = self.shards.withLock { Array($0.values) }
        let parts = shards.map { shard in shard.loop.submit { shard.state.value.snapshot() } }
        return EventLoopFuture.reduce(into: [:], parts, on: eventLoop) { result, part in
            for (key, counters) in part {
                result[key, default: CommandCounters()] += counters
            }
        }
    }

    /// The Prometheus text exposition of ``snapshot(on:)``.
    public func exposition(on eventLoop: any EventLoop) -> EventLoopFuture<String> {
        self.snapshot(on: eventLoop).map { PrometheusExposition.render($0) }
    }
}
