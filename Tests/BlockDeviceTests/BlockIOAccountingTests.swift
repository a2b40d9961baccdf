import NIOCore
import Testing

@testable import BlockDevice

@Suite struct BlockIOAccountingTests {
    @Test func countsOperationsBytesAndLatencies() {
        let accounting = BlockIOAccounting()
        #expect(accounting.record(.read, bytes: 4096, latencyNanoseconds: 300) == .zero)
        _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 100)
        _ = accounting.record(.write, bytes: 8192, latencyNanoseconds: 700)
        _ = accounting.record(.writeZeroes, bytes: 0, latencyNanoseconds: 50)
        _ = accounting.record(.unmap, bytes: 0, latencyNanoseconds: 10)
        _ = accounting.record(.flush, bytes: 0, latencyNanoseconds: 10)
        let (read, write, unmap) = (
            accounting.statistics.read, accounting.statistics.write, accounting.statistics.unmap
        )
        #expect(
            read
                == .init(
                    operations: 2,
                    bytes: 4608,
                    latencyTicks: 400,
                    maximumLatencyTicks: 300,
                    minimumLatencyTicks: 100
                )
        )
        #expect(write.operations == 2 && write.bytes == 8192 && write.minimumLatencyTicks == 50)
        #expect(unmap.operations == 1)

        accounting.resetStatistics(onlyExtremes: true)
        #expect(
            accounting.statistics.read
                == .init(operations: 2, bytes: 4608, latencyTicks: 400, maximumLatencyTicks: 0, minimumLatencyTicks: 0)
        )
        accounting.resetStatistics(onlyExtremes: false)
        #expect(accounting.statistics.read == .zero)
    }

    @Test func ioLimitSpacesResponsesAfterAOneMillisecondBurst() {
        let accounting = BlockIOAccounting()
        var limits = BlockIOAccounting.RateLimits()
        limits.readWriteIOsPerSecond = 1000
        accounting.setRateLimits(limits)
        let now: UInt64 = 1_000_000_000
        let delays = (0..<10).map { _ in accounting.throttle(.read, bytes: 4096, now: now) }
        #expect(delays == (0..<10).map { .milliseconds(Int64($0)) })
        // Later I/O that finds the clock paid answers at once again.
        #expect(accounting.throttle(.write, bytes: 4096, now: now + 1_000_000_000) == .zero)
    }

    @Test func byteLimitsApplyPerDirection() {
        let accounting = BlockIOAccounting()
        var limits = BlockIOAccounting.RateLimits()
        limits.readBytesPerSecond = 1 << 20
        accounting.setRateLimits(limits)
        let now: UInt64 = 5_000_000_000
        #expect(accounting.throttle(.read, bytes: 1 << 20, now: now) == .milliseconds(999))
        // Writes are not limited by the read limit.
        #expect(accounting.throttle(.write, bytes: 1 << 20, now: now) == .zero)
    }

    @Test func recordThrottlesOnTheUptimeClock() {
        let accounting = BlockIOAccounting()
        var limits = BlockIOAccounting.RateLimits()
        limits.writeBytesPerSecond = 1 << 20
        accounting.setRateLimits(limits)
        #expect(accounting.record(.write, bytes: 1 << 20, latencyNanoseconds: 1) > .milliseconds(900))
        #expect(accounting.record(.write, bytes: 1 << 20, latencyNanoseconds: 1) > .milliseconds(1900))
        #expect(accounting.record(.read, bytes: 1 << 20, latencyNanoseconds: 1) == .zero)
        accounting.setRateLimits(.init())
        #expect(accounting.record(.write, bytes: 4096, latencyNanoseconds: 1) == .zero)
    }
}
