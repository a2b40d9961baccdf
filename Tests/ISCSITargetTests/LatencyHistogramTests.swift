import FoundationEssentials
import JSONRPC
import Testing

@testable import ISCSITarget

@Suite struct LatencyHistogramTests {
    @Test(arguments: [
        (0, 0), (1, 1), (127, 127), (128, 128), (255, 255), (256, 256), (257, 256), (511, 383), (512, 384),
    ])
    func bucketIndex(value: UInt64, bucket: Int) {
        #expect(LatencyHistogram.bucketIndex(of: value) == bucket)
    }

    @Test func largestValueFitsTheLastRange() {
        #expect(LatencyHistogram.bucketIndex(of: .max) < LatencyHistogram.bucketCount)
    }

    @Test func enableRecordGetDisable() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        let name: JSONValue = .string(TargetNodeMethodTests.name)
        #expect(
            await harness.error("iscsi_get_histogram", ["name": name])
                == .invalidParameters("target's histogram function is not enabled")
        )
        #expect(await harness.error("iscsi_get_histogram", ["name": "nope"]) == .invalidParameters("target not found"))
        try await harness.call("iscsi_enable_histogram", ["name": name, "enable": true])
        let histogram = try #require(harness.service.configuration.snapshot.targets.first?.histogram)
        histogram.record(nanoseconds: 3)
        histogram.record(nanoseconds: 3)
        histogram.record(nanoseconds: 300)
        let result = try #require(try await harness.call("iscsi_get_histogram", ["name": name]).objectValue)
        #expect(result.keys == ["histogram", "granularity", "min_range", "max_range", "tsc_rate"])
        #expect(result["granularity"] == 7)
        #expect(result["max_range"] == 64)
        let encoded = try #require(result["histogram"]?.stringValue)
        let bytes = try #require(Data(base64Encoded: encoded))
        #expect(bytes.count == 8192 * 8)
        let words = stride(from: 0, to: bytes.count, by: 8).map { offset in
            bytes[offset..<offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        #expect(words[3] == 2)
        #expect(words[LatencyHistogram.bucketIndex(of: 300)] == 1)
        #expect(words.reduce(0, +) == 3)
        try await harness.call("iscsi_enable_histogram", ["name": name, "enable": false])
        #expect(harness.service.configuration.snapshot.targets.first?.histogram == nil)
        await harness.shutdown()
    }
}
