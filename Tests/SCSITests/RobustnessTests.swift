import BlockDevice
import NIOCore
import SCSI
import Testing

/// Random CDBs for every operation code: each gets a protocol answer, never a crash, and never more data-in
/// than the expected data transfer length.
@Suite struct RobustnessTests {
    @Test func randomCommandsAreAnswered() throws {
        let fixture = try SCSITestFixture()
        var generator = SplitMix64(seed: 0x5C51)
        for operationCode in 0...255 {
            for _ in 0..<64 {
                var cdb = (0..<16).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                cdb[0] = UInt8(operationCode)
                if generator.next() % 2 == 0 {
                    // Small LBAs and lengths reach the execution paths, not only the range checks.
                    for index in 2..<9 { cdb[index] = 0 }
                }
                let expectedLength = UInt32(generator.next() % 9000)
                let isWrite = generator.next() % 2 == 0
                let dataOut = [ByteBuffer(repeating: 0, count: Int(generator.next() % 9000))]
                let lun = UInt16(generator.next() % 4 == 0 ? 1 : 0)
                let result = fixture.run(
                    cdb,
                    lun: lun,
                    expectedLength: expectedLength,
                    isWrite: isWrite,
                    dataOut: dataOut
                )
                #expect(result.completion.dataInLength == result.data.count)
                #expect(result.data.count <= Int(expectedLength))
                #expect((result.completion.status == .checkCondition) == (result.completion.sense != nil))
            }
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
