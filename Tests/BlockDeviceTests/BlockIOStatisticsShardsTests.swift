import Glibc
import Testing

@testable import BlockDevice

@Suite struct BlockIOStatisticsShardsTests {
    @Test func threadsCountInShardsOfTheirOwnThatSumUp() {
        let accounting = BlockIOAccounting()
        // This thread counts first: it then holds its index while the other thread takes another.
        _ = accounting.record(.read, bytes: 4096, latencyNanoseconds: 300)
        _ = accounting.record(.write, bytes: 512, latencyNanoseconds: 40)
        Self.onNewThread {
            _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 100)
            _ = accounting.record(.read, bytes: 1024, latencyNanoseconds: 900)
            _ = accounting.record(.unmap, bytes: 0, latencyNanoseconds: 7)
        }

        let channels = accounting.channelStatistics
        #expect(channels.count == 2)
        #expect(Set(channels.map(\.threadIndex)).count == 2)
        #expect(Set(channels.map(\.statistics.read.operations)) == [1, 2])
        let mine = channels.first { $0.statistics.read.operations == 1 }?.statistics
        #expect(
            mine?.read
                == .init(
                    operations: 1,
                    bytes: 4096,
                    latencyTicks: 300,
                    maximumLatencyTicks: 300,
                    minimumLatencyTicks: 300
                )
        )
        #expect(mine?.unmap == .zero)

        let total = accounting.statistics
        #expect(
            total.read
                == .init(
                    operations: 3,
                    bytes: 5632,
                    latencyTicks: 1300,
                    maximumLatencyTicks: 900,
                    minimumLatencyTicks: 100
                )
        )
        #expect(
            total.write
                == .init(operations: 1, bytes: 512, latencyTicks: 40, maximumLatencyTicks: 40, minimumLatencyTicks: 40)
        )
        #expect(total.unmap.operations == 1 && total.unmap.minimumLatencyTicks == 7)
    }

    @Test func resetsApplyToShardsOfOtherThreads() {
        let accounting = BlockIOAccounting()
        // This thread counts first: it then holds its index while the other thread takes another.
        _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 50)
        Self.onNewThread {
            _ = accounting.record(.read, bytes: 4096, latencyNanoseconds: 300)
        }

        accounting.resetStatistics(onlyExtremes: true)
        #expect(
            accounting.statistics.read
                == .init(operations: 2, bytes: 4608, latencyTicks: 350, maximumLatencyTicks: 0, minimumLatencyTicks: 0)
        )
        _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 70)
        #expect(
            accounting.statistics.read
                == .init(
                    operations: 3,
                    bytes: 5120,
                    latencyTicks: 420,
                    maximumLatencyTicks: 70,
                    minimumLatencyTicks: 70
                )
        )

        accounting.resetStatistics(onlyExtremes: false)
        #expect(accounting.statistics == .zero)
        #expect(accounting.channelStatistics.map(\.statistics) == [.zero, .zero])
        _ = accounting.record(.write, bytes: 512, latencyNanoseconds: 20)
        #expect(
            accounting.statistics.write
                == .init(operations: 1, bytes: 512, latencyTicks: 20, maximumLatencyTicks: 20, minimumLatencyTicks: 20)
        )
        #expect(accounting.statistics.read == .zero)
    }

    @Test func anExtremesResetAfterAFullResetStillClearsTheCounts() {
        let accounting = BlockIOAccounting()
        _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 50)
        accounting.resetStatistics(onlyExtremes: false)
        accounting.resetStatistics(onlyExtremes: true)
        #expect(accounting.statistics == .zero)
        _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 60)
        #expect(
            accounting.statistics.read
                == .init(operations: 1, bytes: 512, latencyTicks: 60, maximumLatencyTicks: 60, minimumLatencyTicks: 60)
        )
    }

    @Test func concurrentWritersAndAReaderLoseNoCount() {
        let accounting = BlockIOAccounting()
        let perThread: UInt64 = 200_000
        let writers = (0..<2).map { _ in
            Self.startThread {
                for _ in 0..<perThread {
                    _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 10)
                }
            }
        }
        var previous: UInt64 = 0
        for _ in 0..<1000 {
            let operations = accounting.statistics.read.operations
            #expect(operations >= previous)
            previous = operations
        }
        for writer in writers {
            pthread_join(writer, nil)
        }
        #expect(accounting.statistics.read.operations == 2 * perThread)
        #expect(accounting.statistics.read.bytes == 2 * perThread * 512)
    }

    /// Runs `body` on a thread of its own and waits until that thread has exited.
    private static func onNewThread(_ body: @escaping @Sendable () -> Void) {
        pthread_join(Self.startThread(body), nil)
    }

    private final class ThreadBody {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private static func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let result = pthread_create(
            &thread,
            nil,
            { context in
                if let context {
                    Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue().body()
                }
                return nil
            },
            context
        )
        precondition(result == 0, "pthread_create failed")
        return thread
    }
}
