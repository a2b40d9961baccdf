import BlockDevice
import NIOCore
import SCSI
import Testing

/// REPORTED LUNS DATA HAS CHANGED: a LUN added or removed while the I_T nexus exists.
@Suite struct LUNMapChangeTests {
    private static let testUnitReady: [UInt8] = [0, 0, 0, 0, 0, 0]
    private static let reportLUNs: [UInt8] = [0xA0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0]
    private static let lunsChanged = SCSICompletion.checkCondition(
        SenseData(key: .unitAttention, code: .reportedLUNsDataHasChanged)
    )

    /// Adds LUN 1 on a second Malloc device and reports the change, as the control plane does.
    private func addLUN1(to fixture: SCSITestFixture) throws {
        let malloc = try MallocBlockDevice(.init(name: "Malloc1", blockCount: 64, blockSize: 512))
        fixture.device.add(LogicalUnit(id: 1, blockDevice: malloc))
        fixture.device.noteReportedLUNsChanged()
    }

    @Test func aChangeIsReportedOnceOnTheNextCommand() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(Self.testUnitReady).completion == .good())
        try self.addLUN1(to: fixture)
        #expect(fixture.run(Self.testUnitReady).completion == Self.lunsChanged)
        #expect(fixture.run(Self.testUnitReady).completion == .good())
        #expect(fixture.run(Self.testUnitReady, lun: 1).completion == .good())
    }

    @Test func theSenseBytesCarry3F0E() throws {
        let fixture = try SCSITestFixture()
        _ = fixture.run(Self.testUnitReady)
        fixture.device.noteReportedLUNsChanged()
        let sense = try #require(fixture.run(Self.testUnitReady).completion.sense)
        #expect(sense.bytes[2] & 0x0F == 0x06)
        #expect(sense.bytes[12] == 0x3F && sense.bytes[13] == 0x0E)
    }

    @Test func theFirstCommandOfANexusReportsNothing() throws {
        let fixture = try SCSITestFixture()
        fixture.device.noteReportedLUNsChanged()
        #expect(fixture.run(Self.testUnitReady).completion == .good())
    }

    @Test func reportLUNsClearsThePendingAttention() throws {
        let fixture = try SCSITestFixture()
        _ = fixture.run(Self.testUnitReady)
        try self.addLUN1(to: fixture)
        let (completion, data) = fixture.run(Self.reportLUNs)
        #expect(completion.status == .good)
        #expect(Array(data.prefix(4)) == [0, 0, 0, 16])
        #expect(data[8 + 1] == 0 && data[16 + 1] == 1)
        #expect(fixture.run(Self.testUnitReady).completion == .good())
    }

    @Test func inquiryDoesNotConsumeIt() throws {
        let fixture = try SCSITestFixture()
        _ = fixture.run(Self.testUnitReady)
        fixture.device.noteReportedLUNsChanged()
        #expect(fixture.run([0x12, 0, 0, 0, 96, 0]).completion.status == .good)
        #expect(fixture.run(Self.testUnitReady).completion == Self.lunsChanged)
    }

    @Test func requestSenseReturnsIt() throws {
        let fixture = try SCSITestFixture()
        _ = fixture.run(Self.testUnitReady)
        fixture.device.noteReportedLUNsChanged()
        let (completion, data) = fixture.run([0x03, 0, 0, 0, 252, 0])
        #expect(completion == .good(dataInLength: 18))
        #expect(data == SenseData(key: .unitAttention, code: .reportedLUNsDataHasChanged).bytes)
        #expect(fixture.run(Self.testUnitReady).completion == .good())
    }

    @Test func aCapacityChangeIsReportedToo() throws {
        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 64, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: null)
        _ = fixture.run(Self.testUnitReady)
        fixture.device.noteReportedLUNsChanged()
        fixture.logicalUnit.noteCapacityChanged()
        let first = fixture.run(Self.testUnitReady).completion.sense?.code
        let second = fixture.run(Self.testUnitReady).completion.sense?.code
        #expect(Set([first, second]) == [.reportedLUNsDataHasChanged, .capacityDataHasChanged])
        #expect(fixture.run(Self.testUnitReady).completion == .good())
    }

    @Test func removingLUN0KeepsTheOtherLUNsReachable() throws {
        let fixture = try SCSITestFixture()
        try self.addLUN1(to: fixture)
        _ = fixture.run(Self.testUnitReady, lun: 1)
        fixture.logicalUnit.markRemoved()
        fixture.device.removeLogicalUnit(id: 0)
        fixture.device.noteReportedLUNsChanged()
        #expect(fixture.run(Self.testUnitReady).completion == .illegalRequest(.logicalUnitNotSupported))
        #expect(fixture.run(Self.testUnitReady, lun: 1).completion == Self.lunsChanged)
        let (completion, data) = fixture.run(Self.reportLUNs)
        #expect(completion.status == .good)
        #expect(Array(data.prefix(4)) == [0, 0, 0, 8])
        #expect(data[8 + 1] == 1)
        #expect(fixture.run(Self.testUnitReady, lun: 1).completion == .good())
    }

    @Test func aWriteWaitingForDataOutFailsWhenItsUnitIsRemoved() throws {
        let fixture = try SCSITestFixture()
        guard
            case .ready(let prepared) = fixture.prepare(
                [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0],
                expectedLength: 512,
                isWrite: true
            )
        else {
            Issue.record("WRITE must be ready")
            return
        }
        fixture.logicalUnit.markRemoved()
        var dataIn = ByteBuffer()
        let data = ByteBuffer(repeating: 0xA5, count: 512)
        let completion = fixture.device.execute(prepared, dataOut: [data], dataIn: &dataIn, nexus: &fixture.nexus)
        #expect(completion == .illegalRequest(.logicalUnitNotSupported))
    }
}
