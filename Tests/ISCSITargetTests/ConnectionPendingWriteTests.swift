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
            var dataSN: UInt32 = 0
            var outcome = PendingWrite.DataOutOutcome.accepted
            while offset < burst.offset + burst.length {
                let length = min(65536, burst.offset + burst.length - offset)
                let isFinal = offset + length == burst.offset + burst.length
                let pdu = self.dataOut(burst, offset: offset, length: length, final: isFinal, dataSN: dataSN)
                outcome = write.receive(pdu) {
                    tag += 1
                    return tag
                }
                offset += length
                dataSN += 1
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

    /// libiscsi's iSCSIDataSnInvalid cases: DataSN 0 twice, 27, 0xffffffff, and 1 then 0.
    @Test func dataOutWithAWrongDataSNIsInvalid() throws {
        for wrong: [UInt32] in [[0, 0], [27], [0xffff_ffff], [1, 0]] {
            var write = try self.write(blocks: UInt16(wrong.count), immediate: 0)
            let burst = write.nextBurst(targetTransferTag: 5)
            var outcomes: [PendingWrite.DataOutOutcome] = []
            for (index, dataSN) in wrong.enumerated() {
                let isFinal = index == wrong.count - 1
                let pdu = self.dataOut(burst, offset: index * 512, length: 512, final: isFinal, dataSN: dataSN)
                outcomes.append(write.receive(pdu) { 6 })
            }
            #expect(outcomes.last == .invalid, "DataSNs \(wrong)")
        }
    }

    @Test func eachBurstNumbersItsDataOutFromZero() throws {
        var write = try self.write(blocks: 2, immediate: 0)
        write = PendingWrite(command: write.command, prepared: write.prepared, maxBurstLength: 512)
        let first = write.nextBurst(targetTransferTag: 5)
        let outcome = write.receive(self.dataOut(first, offset: 0, length: 512, final: true, dataSN: 0)) { 6 }
        guard case .solicit(let second) = outcome else {
            Issue.record("expected a second burst, got \(outcome)")
            return
        }
        #expect(
            write.receive(self.dataOut(second, offset: 512, length: 512, final: true, dataSN: 0)) { 7 } == .complete
        )
    }
}
