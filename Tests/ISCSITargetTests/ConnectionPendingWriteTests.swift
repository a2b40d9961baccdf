import ISCSIWire
import NIOCore
import SCSI
import Testing

@testable import ISCSITarget

@Suite struct ConnectionPendingWriteTests {
    /// A prepared WRITE(10) of `blocks` 512-byte blocks at LBA 0 of the default test LUN.
    private func write(blocks: UInt16, immediate: Int) throws -> PendingWrite {
        let snapshot = ConnectionTestInitiator.defaultSnapshot()
        let device = SCSIDevice(name: "t", id: 0, logicalUnits: snapshot.targets[0].logicalUnits)
        var nexus = SCSINexus(
            targetPort: SCSITargetPort(targetName: "t", portalGroupTag: 1),
            initiatorPortName: "i,i,0x1"
        )
        let length = UInt32(blocks) * 512
        let cdb: [UInt8] = [0x2a, 0, 0, 0, 0, 0, 0, UInt8(blocks >> 8), UInt8(blocks & 0xff), 0]
        let command = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(cdb),
            expectedDataTransferLength: length,
            isRead: false,
            isWrite: true
        )
        guard case .ready(let prepared) = device.prepare(command, nexus: &nexus) else {
            throw PrepareFailed()
        }
        var inline = InlineArray<16, UInt8>(repeating: 0)
        for (index, byte) in cdb.enumerated() {
            inline[index] = byte
        }
        let pdu = SCSICommandPDU(
            isRead: false,
            isWrite: true,
            logicalUnitNumber: 0,
            initiatorTaskTag: 7,
            expectedDataTransferLength: length,
            cmdSN: 1,
            expStatSN: 1,
            cdb: inline,
            data: ByteBuffer(repeating: 1, count: immediate)
        )
        return PendingWrite(command: pdu, prepared: prepared, maxBurstLength: 262_144)
    }

    private struct PrepareFailed: Error {}

    private func dataOut(
        _ burst: PendingWrite.Burst,
        offset: Int,
        length: Int,
        final: Bool,
        dataSN: UInt32 = 0
    ) -> SCSIDataOutPDU {
        SCSIDataOutPDU(
            isFinal: final,
            logicalUnitNumber: 0,
            initiatorTaskTag: 7,
            targetTransferTag: burst.targetTransferTag,
            expStatSN: 1,
            dataSN: dataSN,
            bufferOffset: UInt32(offset),
            data: ByteBuffer(repeating: 2, count: length)
        )
    }

    @Test func oneMebibyteInMaxBurstLengthSequencesAfterImmediateData() throws {
        var write = try self.write(blocks: 2048, immediate: 8192)
        var tag: UInt32 = 100
        var burst = write.nextBurst(targetTransferTag: tag)
        var bursts = [burst]
        while true {
            // Each burst arrives as 64 KiB Data-Out PDUs, the last one with F.
            var offset = burst.offset
            var outcome = PendingWrite.DataOutOutcome.accepted
            while offset < burst.offset + burst.length {
                let length = min(65536, burst.offset + burst.length - offset)
                let isFinal = offset + length == burst.offset + burst.length
                let dataSN = UInt32((offset - burst.offset) / 65536)
                let pdu = self.dataOut(burst, offset: offset, length: length, final: isFinal, dataSN: dataSN)
                outcome = write.receive(pdu) {
                    tag += 1
                    return tag
                }
                offset += length
            }
            guard case .solicit(let next) = outcome else {
                #expect(outcome == .complete)
                break
            }
            burst = next
            bursts.append(next)
        }
        #expect(bursts.map(\.offset) == [8192, 270_336, 532_480, 794_624])
        #expect(bursts.map(\.length) == [262_144, 262_144, 262_144, 253_952])
        #expect(bursts.map(\.r2tSN) == [0, 1, 2, 3])
        #expect(Set(bursts.map(\.targetTransferTag)).count == 4)
        #expect(write.isComplete && write.received == 1_048_576)
    }

    @Test func outOfOrderOrForeignDataIsInvalid() throws {
        var write = try self.write(blocks: 4, immediate: 0)
        let burst = write.nextBurst(targetTransferTag: 5)
        #expect(write.receive(self.dataOut(burst, offset: 512, length: 512, final: false)) { 6 } == .invalid)
        var foreign = self.dataOut(burst, offset: 0, length: 512, final: false)
        foreign.targetTransferTag = 9
        #expect(write.receive(foreign) { 6 } == .invalid)
        #expect(write.receive(self.dataOut(burst, offset: 0, length: 4096, final: true)) { 6 } == .invalid)
        #expect(write.receive(self.dataOut(burst, offset: 0, length: 1024, final: true)) { 6 } == .invalid)
    }

    @Test func dataSNMustCountUpWithinEachBurst() throws {
        var write = try self.write(blocks: 4, immediate: 0)
        let burst = write.nextBurst(targetTransferTag: 5)
        #expect(write.receive(self.dataOut(burst, offset: 0, length: 512, final: false)) { 6 } == .accepted)
        #expect(
            write.receive(self.dataOut(burst, offset: 512, length: 512, final: false, dataSN: 1)) { 6 } == .accepted
        )
        let skipped = self.dataOut(burst, offset: 1024, length: 1024, final: true, dataSN: 3)
        #expect(write.receive(skipped) { 6 } == .invalid)

        var again = try self.write(blocks: 4, immediate: 0)
        let first = again.nextBurst(targetTransferTag: 5)
        let repeated = self.dataOut(first, offset: 0, length: 512, final: false)
        #expect(again.receive(repeated) { 6 } == .accepted)
        var replay = self.dataOut(first, offset: 512, length: 512, final: false)
        replay.dataSN = 0
        #expect(again.receive(replay) { 6 } == .invalid)
    }
}
