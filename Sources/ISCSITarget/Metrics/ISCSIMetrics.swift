import BlockDevice
import NIOCore
import Synchronization

/// The Prometheus metrics of the data plane (`--metrics`): per target, initiator and LUN command counters, and
/// the block devices' I/O statistics (the per-loop counters `bdev_get_iostat` sums).
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
    private let blockDevices: BlockDeviceRegistry?

    /// - Parameter blockDevices: the devices whose I/O statistics scrapes report; none when nil.
    public init(blockDevices: BlockDeviceRegistry? = nil) {
        self.blockDevices = blockDevices
    }

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

    /// The I/O statistics of each block device that keeps them, by device name.
    public func deviceStatistics() -> [(name: String, statistics: BlockIOAccounting.Statistics)] {
        (self.blockDevices?.devices ?? []).compactMap { device in
            device.ioAccounting.map { (device.name, $0.statistics) }
        }
    }

    /// The Prometheus text exposition of ``snapshot(on:)`` and ``deviceStatistics()``.
    public func exposition(on eventLoop: any EventLoop) -> EventLoopFuture<String> {
        self.snapshot(on: eventLoop).map { series in
            PrometheusExposition.render(series) + PrometheusExposition.render(devices: self.deviceStatistics())
        }
    }
}
