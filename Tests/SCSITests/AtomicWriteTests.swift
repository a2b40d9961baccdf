import BlockDevice
import Dispatch
import NIOCore
import SCSI
import Synchronization
import Testing

@Suite struct OrWriteTests {
    private func orWrite(lba: UInt64, blocks: UInt32, flags: UInt8 = 0) -> [UInt8] {
        [0x8B, flags] + bigEndian(lba) + bigEndian(blocks) + [0, 0]
    }

    @Test func orsTheDataIntoTheBlocks() throws {
        let fixture = try SCSITestFixture()
        for (byte, flags) in [(UInt8(0xA5), UInt8(0)), (0x5A, 0x18)] {
            let data = ByteBuffer(repeating: byte, count: 3 * 512)
            let result = fixture.run(self.orWrite(lba: 61, blocks: 3, flags: flags), isWrite: true, dataOut: [data])
            #expect(result.completion == .good())
        }
        let read = fixture.run([0x28, 0, 0, 0, 0, 60, 0, 0, 4, 0], expectedLength: 2048).data
        #expect(read[..<512].allSatisfy { $0 == 0 })
        #expect(read[512...].allSatisfy { $0 == 0xFF })
    }

    @Test func fieldChecks() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.orWrite(lba: 0, blocks: 0), expectedLength: 0).completion == .good())
        #expect(
            fixture.run(self.orWrite(lba: 63, blocks: 2), isWrite: true).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        for protect in UInt8(1)...7 {
            #expect(
                fixture.run(self.orWrite(lba: 0, blocks: 1, flags: protect << 5), isWrite: true).completion
                    == .illegalRequest(.invalidFieldInCDB)
            )
        }
    }
}

@Suite struct WriteAtomicTests {
    private func writeAtomic(lba: UInt64, blocks: UInt16, flags: UInt8 = 0) -> [UInt8] {
        [0x9C, flags] + bigEndian(lba) + [0, 0] + bigEndian(blocks) + [0, 0]
    }

    @Test func writesTheBlocks() throws {
        let fixture = try SCSITestFixture()
        let data = ByteBuffer(repeating: 0x6E, count: 2 * 512)
        let result = fixture.run(self.writeAtomic(lba: 62, blocks: 2, flags: 0x18), isWrite: true, dataOut: [data])
        #expect(result.completion == .good())
        let read = fixture.run([0x28, 0, 0, 0, 0, 62, 0, 0, 2, 0], expectedLength: 1024).data
        #expect(read.allSatisfy { $0 == 0x6E })
    }

    @Test func fieldChecks() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.writeAtomic(lba: 0, blocks: 0), expectedLength: 0).completion == .good())
        #expect(
            fixture.run(self.writeAtomic(lba: 64, blocks: 1), isWrite: true).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        #expect(
            fixture.run(self.writeAtomic(lba: 0, blocks: 1, flags: 0x40), isWrite: true).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
        let big = try MallocBlockDevice(.init(name: "Malloc1", blockCount: 32768, blockSize: 512))
        let bigFixture = try SCSITestFixture(blockDevice: big)
        #expect(
            bigFixture.run(self.writeAtomic(lba: 0, blocks: 16385), expectedLength: 16385 * 512, isWrite: true)
                .completion == .illegalRequest(.invalidFieldInCDB)
        )
    }
}

/// Atomic commands against concurrent commands from other threads (other event loops in the target).
@Suite struct AtomicityTests {
    private static let blocks = 64

    /// Runs `body` on `count` threads at once, each with its own I_T nexus on the same logical unit (its pending unit
    /// attentions cleared first).
    private func concurrently(
        _ count: Int,
        on fixture: SCSITestFixture,
        _ body: @Sendable (Int, SCSIDevice, inout SCSINexus) -> Void
    ) {
        let device = fixture.device
        let nexus = fixture.nexus
        DispatchQueue.concurrentPerform(iterations: count) { index in
            var ownNexus = nexus
            var attempts = 0
            while attempts < 8,
                Self.run([0, 0, 0, 0, 0, 0], on: device, nexus: &ownNexus, expectedLength: 0).0 != .good()
            {
                attempts += 1
            }
            body(index, device, &ownNexus)
        }
    }

    private static func run(
        _ cdb: [UInt8],
        on device: SCSIDevice,
        nexus: inout SCSINexus,
        dataOut: [ByteBuffer] = [],
        expectedLength: Int
    ) -> (SCSICompletion, ByteBufferView) {
        let command = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(cdb),
            expectedDataTransferLength: UInt32(expectedLength),
            isRead: dataOut.isEmpty,
            isWrite: !dataOut.isEmpty
        )
        var dataIn = ByteBuffer()
        let completion = device.execute(command, dataOut: dataOut, dataIn: &dataIn, nexus: &nexus)
        return (completion, dataIn.readableBytesView)
    }

    @Test func readsNeverSeeHalfAnAtomicWrite() throws {
        let fixture = try SCSITestFixture()
        let torn = Atomic(0)
        let length = Self.blocks * 512
        self.concurrently(2, on: fixture) { index, device, nexus in
            for round in 0..<300 {
                if index == 0 {
                    let data = ByteBuffer(repeating: UInt8(round % 2 == 0 ? 0xAA : 0x55), count: length)
                    let cdb: [UInt8] =
                        [0x9C, 0] + bigEndian(UInt64(0)) + [0, 0] + bigEndian(UInt16(Self.blocks)) + [0, 0]
                    _ = Self.run(cdb, on: device, nexus: &nexus, dataOut: [data], expectedLength: length)
                } else {
                    let cdb: [UInt8] = [0x28, 0, 0, 0, 0, 0, 0, 0, UInt8(Self.blocks), 0]
                    let (_, data) = Self.run(cdb, on: device, nexus: &nexus, expectedLength: length)
                    if let first = data.first, !data.allSatisfy({ $0 == first }) {
                        torn.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(torn.load(ordering: .relaxed) == 0)
    }

    @Test func compareAndWriteIncrementsNeverGetLost() throws {
        let fixture = try SCSITestFixture()
        let threads = 4
        let incrementsPerThread = 200
        self.concurrently(threads, on: fixture) { _, device, nexus in
            var done = 0
            while done < incrementsPerThread {
                let (_, current) = Self.run(
                    [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0],
                    on: device,
                    nexus: &nexus,
                    expectedLength: 512
                )
                var old = ByteBuffer(bytes: current)
                let value = old.getInteger(at: 0, as: UInt64.self) ?? 0
                var new = old
                new.setInteger(value + 1, at: 0)
                let cdb: [UInt8] = [0x89, 0] + bigEndian(UInt64(0)) + [0, 0, 0, 1, 0, 0]
                let (completion, _) = Self.run(
                    cdb,
                    on: device,
                    nexus: &nexus,
                    dataOut: [old, new],
                    expectedLength: 1024
                )
                if completion.status == .good {
                    done += 1
                }
                old.clear()
            }
        }
        let (_, data) = fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], expectedLength: 512)
        let counter = data.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(counter == UInt64(threads * incrementsPerThread))
    }
}
