import BlockDevice
import NIOCore
import SCSI
import Testing

@Suite struct ReportLUNsTests {
    private func reportLUNs(select: UInt8 = 0, length: UInt32 = 4096) -> [UInt8] {
        [0xA0, 0, select, 0, 0, 0] + bigEndian(length) + [0, 0]
    }

    @Test func listsEveryLogicalUnitInOrder() throws {
        let fixture = try SCSITestFixture()
        fixture.device.add(LogicalUnit(id: 300, blockDevice: fixture.blockDevice))
        fixture.device.add(LogicalUnit(id: 2, blockDevice: fixture.blockDevice))
        let (completion, data) = fixture.run(self.reportLUNs())
        #expect(completion == .good(dataInLength: 32))
        #expect(
            data
                == [0, 0, 0, 24, 0, 0, 0, 0] + bigEndian(UInt64(0)) + bigEndian(UInt64(0x0002_0000_0000_0000))
                + bigEndian(UInt64(0x412C_0000_0000_0000))
        )
        #expect(fixture.run(self.reportLUNs(select: 2)).data == data)
    }

    @Test func wellKnownListIsEmpty() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.reportLUNs(select: 1)).data == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func fieldChecks() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.reportLUNs(select: 3)).completion == .illegalRequest(.invalidFieldInCDB))
        #expect(fixture.run(self.reportLUNs(length: 15)).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test func truncatesToAllocationLengthAndWorksForAnyLUN() throws {
        let fixture = try SCSITestFixture()
        fixture.device.add(LogicalUnit(id: 1, blockDevice: fixture.blockDevice))
        let (completion, data) = fixture.run(self.reportLUNs(length: 16), lun: 9)
        #expect(completion == .good(dataInLength: 16))
        #expect(Array(data[0..<4]) == [0, 0, 0, 16])
    }
}

@Suite struct LogicalUnitTests {
    @Test func testUnitReady() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run([0, 0, 0, 0, 0, 0]).completion == .good())
    }

    @Test func unsupportedOperationCode() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run([0x4D, 0, 0, 0, 0, 0, 0, 0, 0, 0]).completion == .illegalRequest(.invalidCommandOperationCode)
        )
        // On a LUN with no logical unit, the missing LUN is reported first.
        #expect(
            fixture.run([0x4D, 0, 0, 0, 0, 0, 0, 0, 0, 0], lun: 3).completion
                == .illegalRequest(.logicalUnitNotSupported)
        )
    }

    @Test func removedLogicalUnitRefusesEverything() throws {
        let fixture = try SCSITestFixture()
        let registry = BlockDeviceRegistry()
        try registry.register(fixture.blockDevice)
        let logicalUnit = fixture.logicalUnit
        _ = registry.addObserver { logicalUnit.handle($0) }
        try registry.unregister(named: "Malloc0")
        #expect(fixture.logicalUnit.isRemoved)
        let notSupported = SCSICompletion.illegalRequest(.logicalUnitNotSupported)
        #expect(fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]).completion == notSupported)
        #expect(fixture.run([0, 0, 0, 0, 0, 0]).completion == notSupported)
    }

    @Test func removalBetweenPrepareAndExecute() throws {
        let fixture = try SCSITestFixture()
        guard
            case .ready(let prepared) = fixture.prepare(
                [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0],
                expectedLength: 512,
                isWrite: false
            )
        else {
            Issue.record("READ must be ready")
            return
        }
        fixture.logicalUnit.markRemoved()
        var dataIn = ByteBuffer()
        let completion = fixture.device.execute(prepared, dataOut: [], dataIn: &dataIn, nexus: &fixture.nexus)
        #expect(completion == .illegalRequest(.logicalUnitNotSupported))
        #expect(dataIn.readableBytes == 0)
    }

    @Test func eventsForOtherDevicesAreIgnored() throws {
        let fixture = try SCSITestFixture()
        let other = try NullBlockDevice(.init(name: "Null9", blockCount: 8, blockSize: 512))
        fixture.logicalUnit.handle(.removed(other))
        #expect(!fixture.logicalUnit.isRemoved)
    }

    @Test func deviceMapEditing() throws {
        let fixture = try SCSITestFixture()
        let added = fixture.device.add(LogicalUnit(id: 0, blockDevice: fixture.blockDevice))
        #expect(!added)
        let outOfRange = fixture.device.add(LogicalUnit(id: 0x4000, blockDevice: fixture.blockDevice))
        #expect(!outOfRange)
        let removed = fixture.device.removeLogicalUnit(id: 0)
        #expect(removed === fixture.logicalUnit)
        #expect(fixture.device.logicalUnits.isEmpty)
        #expect(fixture.run([0, 0, 0, 0, 0, 0]).completion == .illegalRequest(.logicalUnitNotSupported))
    }
}

@Suite struct UnitAttentionTests {
    @Test func resizeRaisesCapacityChangedOncePerNexus() throws {
        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 64, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: null)
        var second = SCSINexus(
            targetPort: fixture.nexus.targetPort,
            initiatorPortName: "iqn.2024-01.test:b,i,0x000000000002"
        )
        #expect(fixture.run([0, 0, 0, 0, 0, 0]).completion == .good())
        let secondCommand = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB([0, 0, 0, 0, 0, 0]),
            expectedDataTransferLength: 0,
            isRead: false,
            isWrite: false
        )
        var scratch = ByteBuffer()
        #expect(fixture.device.execute(secondCommand, dataOut: [], dataIn: &scratch, nexus: &second) == .good())

        null.resize(blockCount: 128)
        let registry = BlockDeviceRegistry()
        try registry.register(null)
        let logicalUnit = fixture.logicalUnit
        _ = registry.addObserver { logicalUnit.handle($0) }
        registry.notifyResized(null)

        let attention = SCSICompletion.checkCondition(SenseData(key: .unitAttention, code: .capacityDataHasChanged))
        // INQUIRY does not consume it.
        #expect(fixture.run([0x12, 0, 0, 0, 96, 0]).completion.status == .good)
        #expect(fixture.run([0x25] + [UInt8](repeating: 0, count: 9)).completion == attention)
        #expect(fixture.run([0x25] + [UInt8](repeating: 0, count: 9)).data == [0, 0, 0, 127, 0, 0, 2, 0])
        // The other nexus still has it pending, and REQUEST SENSE hands it over.
        let requestSense = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB([0x03, 0, 0, 0, 18, 0]),
            expectedDataTransferLength: 18,
            isRead: true,
            isWrite: false
        )
        #expect(
            fixture.device.execute(requestSense, dataOut: [], dataIn: &scratch, nexus: &second)
                == .good(dataInLength: 18)
        )
        #expect(scratch.readableBytesView[scratch.readerIndex + 2] == 0x06)
        #expect(scratch.readableBytesView[scratch.readerIndex + 12] == 0x2A)
        #expect(fixture.device.execute(secondCommand, dataOut: [], dataIn: &scratch, nexus: &second) == .good())
    }

    @Test func inquiryCountsAsFirstContact() throws {
        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 64, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: null)
        #expect(fixture.run([0x12, 0, 0, 0, 96, 0]).completion.status == .good)
        fixture.logicalUnit.noteCapacityChanged()
        #expect(fixture.run([0, 0, 0, 0, 0, 0]).completion.sense?.key == .unitAttention)
        #expect(fixture.run([0, 0, 0, 0, 0, 0]).completion == .good())
    }

    @Test func requestSenseWithNothingPending() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run([0x03, 0, 0, 0, 252, 0])
        #expect(completion == .good(dataInLength: 18))
        #expect(data == SenseData.noSense.bytes)
        #expect(fixture.run([0x03, 0, 0, 0, 8, 0]).data.count == 8)
        #expect(fixture.run([0x03, 1, 0, 0, 252, 0]).completion == .illegalRequest(.invalidFieldInCDB))
    }
}

@Suite struct SynchronizeCacheTests {
    @Test func flushesAndChecksRange() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run([0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).completion == .good())
        #expect(fixture.run([0x35, 0, 0, 0, 0, 60, 0, 0, 4, 0]).completion == .good())
        #expect(
            fixture.run([0x35, 0, 0, 0, 0, 60, 0, 0, 5, 0]).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        #expect(
            fixture.run([0x35, 0, 0, 0, 0, 64, 0, 0, 0, 0]).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        #expect(fixture.run([0x91, 0] + bigEndian(UInt64(10)) + bigEndian(UInt32(0)) + [0, 0]).completion == .good())
    }
}

@Suite struct UnmapTests {
    private func unmap(_ descriptors: [(UInt64, UInt32)], declaredDescriptorBytes: UInt16? = nil) -> (
        cdb: [UInt8], data: ByteBuffer
    ) {
        var data = ByteBuffer()
        let descriptorBytes = declaredDescriptorBytes ?? UInt16(descriptors.count * 16)
        data.writeInteger(UInt16(6 + descriptors.count * 16))
        data.writeInteger(descriptorBytes)
        data.writeInteger(UInt32(0))
        for (lba, blocks) in descriptors {
            data.writeMultipleIntegers(lba, blocks, UInt32(0))
        }
        return ([0x42, 0, 0, 0, 0, 0, 0] + bigEndian(UInt16(data.readableBytes)) + [0], data)
    }

    @Test func unmapsEveryRange() throws {
        let fixture = try SCSITestFixture()
        let ones = ByteBuffer(repeating: 0xFF, count: 64 * 512)
        _ = fixture.run([0x2A, 0, 0, 0, 0, 0, 0, 0, 64, 0], expectedLength: 64 * 512, isWrite: true, dataOut: [ones])
        let (cdb, data) = self.unmap([(2, 3), (40, 1), (50, 0)])
        let result = fixture.run(cdb, expectedLength: UInt32(data.readableBytes), isWrite: true, dataOut: [data])
        #expect(result.completion == .good())
        let content = fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 64, 0], expectedLength: 64 * 512).data
        for block in 0..<64 {
            let zero = (2..<5).contains(block) || block == 40
            #expect(content[(block * 512)..<((block + 1) * 512)].allSatisfy { $0 == (zero ? 0 : 0xFF) })
        }
    }

    @Test func outOfRangeDescriptorUnmapsNothing() throws {
        let fixture = try SCSITestFixture()
        _ = fixture.run(
            [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            expectedLength: 512,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 1, count: 512)]
        )
        let (cdb, data) = self.unmap([(0, 1), (63, 2)])
        let result = fixture.run(cdb, expectedLength: UInt32(data.readableBytes), isWrite: true, dataOut: [data])
        #expect(result.completion == .illegalRequest(.logicalBlockAddressOutOfRange))
        #expect(fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], expectedLength: 512).data.allSatisfy { $0 == 1 })
    }

    @Test func malformedParameterLists() throws {
        let fixture = try SCSITestFixture()
        let (cdb, data) = self.unmap([(0, 1)], declaredDescriptorBytes: 32)
        #expect(
            fixture.run(cdb, expectedLength: 24, isWrite: true, dataOut: [data]).completion
                == .illegalRequest(.parameterListLengthError)
        )
        let tooMany = self.unmap(Array(repeating: (0, 1), count: 257))
        #expect(
            fixture.run(tooMany.cdb, expectedLength: 8192, isWrite: true, dataOut: [tooMany.data]).completion
                == .illegalRequest(.invalidFieldInParameterList)
        )
        #expect(fixture.run([0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0], expectedLength: 0, isWrite: true).completion == .good())
        #expect(
            fixture.run([0x42, 1, 0, 0, 0, 0, 0, 0, 24, 0], expectedLength: 24, isWrite: true).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
    }

    @Test func unsupportedWithoutDeviceUnmap() throws {
        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 64, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: null)
        let (cdb, data) = self.unmap([(0, 1)])
        #expect(
            fixture.run(cdb, expectedLength: 24, isWrite: true, dataOut: [data]).completion
                == .illegalRequest(.invalidCommandOperationCode)
        )
    }
}
