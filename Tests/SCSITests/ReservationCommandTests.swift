import BlockDevice
import NIOCore
import Testing

@testable import SCSI

/// PERSISTENT RESERVE IN/OUT, RESERVE/RELEASE and the unit attentions they cause, as CDBs through ``SCSIDevice``
/// from two I_T nexuses.
struct ReservationCommandTests {
    static let secondPortName = "iqn.2024-01.test:second,i,0x000000000002"

    let fixture: SCSITestFixture
    var second: SCSINexus

    init() throws {
        self.fixture = try SCSITestFixture()
        self.second = SCSINexus(targetPort: self.fixture.nexus.targetPort, initiatorPortName: Self.secondPortName)
    }

    // MARK: - Command builders

    static func reserveOut(
        _ action: PersistentReserveOut.ServiceAction,
        type: PersistentReservationType? = nil,
        key: UInt64 = 0,
        serviceActionKey: UInt64 = 0,
        flags: UInt8 = 0,
        parameterListLength: UInt32 = 24
    ) -> (cdb: [UInt8], data: ByteBuffer) {
        let cdb = [0x5F, action.rawValue, type?.rawValue ?? 0, 0, 0] + bigEndian(parameterListLength) + [0]
        let data = bigEndian(key) + bigEndian(serviceActionKey) + [0, 0, 0, 0, flags, 0, 0, 0]
        return (cdb, ByteBuffer(bytes: data))
    }

    static func reserveIn(_ action: PersistentReserveIn.ServiceAction, allocationLength: UInt16 = 1024) -> [UInt8] {
        [0x5E, action.rawValue, 0, 0, 0, 0, 0] + bigEndian(allocationLength) + [0]
    }

    static let testUnitReady: [UInt8] = [0, 0, 0, 0, 0, 0]
    static let read10: [UInt8] = [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    static let write10: [UInt8] = [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    static let conflict = SCSICompletion(status: .reservationConflict)

    /// Runs `cdb` through the first nexus (`second` false) or the second.
    mutating func run(
        _ cdb: [UInt8],
        second useSecond: Bool = false,
        dataOut: ByteBuffer? = nil
    ) -> (completion: SCSICompletion, data: [UInt8]) {
        let command = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(cdb),
            expectedDataTransferLength: dataOut.map { UInt32($0.readableBytes) } ?? 4096,
            isRead: dataOut == nil,
            isWrite: dataOut != nil
        )
        var dataIn = ByteBuffer()
        let segments = dataOut.map { [$0] } ?? []
        let completion =
            useSecond
            ? self.fixture.device.execute(command, dataOut: segments, dataIn: &dataIn, nexus: &self.second)
            : self.fixture.device.execute(command, dataOut: segments, dataIn: &dataIn, nexus: &self.fixture.nexus)
        return (completion, Array(dataIn.readableBytesView))
    }

    mutating func reserveOut(
        _ action: PersistentReserveOut.ServiceAction,
        second: Bool = false,
        type: PersistentReservationType? = nil,
        key: UInt64 = 0,
        serviceActionKey: UInt64 = 0,
        flags: UInt8 = 0
    ) -> SCSICompletion {
        let command = Self.reserveOut(action, type: type, key: key, serviceActionKey: serviceActionKey, flags: flags)
        return self.run(command.cdb, second: second, dataOut: command.data).completion
    }

    mutating func write(second: Bool) -> SCSICompletion {
        self.run(Self.write10, second: second, dataOut: ByteBuffer(repeating: 0xA5, count: 512)).completion
    }

    // MARK: - Tests

    @Test mutating func readKeysAndReadReservation() {
        #expect(self.reserveOut(.registerAndIgnoreExistingKey, serviceActionKey: 0x1111) == .good())
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0x2222) == .good())
        let keys = self.run(Self.reserveIn(.readKeys))
        #expect(keys.completion == .good(dataInLength: 24))
        #expect(
            keys.data == bigEndian(UInt32(2)) + bigEndian(UInt32(16)) + bigEndian(UInt64(0x1111))
                + bigEndian(UInt64(0x2222))
        )
        // Truncated to the allocation length.
        #expect(self.run(Self.reserveIn(.readKeys, allocationLength: 12)).data.count == 12)

        #expect(self.run(Self.reserveIn(.readReservation)).data == bigEndian(UInt32(2)) + bigEndian(UInt32(0)))
        #expect(self.reserveOut(.reserve, type: .writeExclusiveRegistrantsOnly, key: 0x1111) == .good())
        let reservation = self.run(Self.reserveIn(.readReservation)).data
        #expect(
            reservation == bigEndian(UInt32(2)) + bigEndian(UInt32(16)) + bigEndian(UInt64(0x1111)) + [
                0, 0, 0, 0, 0, 0x05, 0, 0,
            ]
        )
    }

    @Test mutating func reportCapabilities() {
        let data = self.run(Self.reserveIn(.reportCapabilities)).data
        #expect(data == [0, 8, 0x1D, 0x80, 0xEA, 0x01, 0, 0])
        #expect(
            self.reserveOut(.register, serviceActionKey: 1, flags: 0x01) == .good()
        )
        #expect(self.run(Self.reserveIn(.reportCapabilities)).data[3] == 0x81)
    }

    @Test mutating func readFullStatus() {
        #expect(self.reserveOut(.register, serviceActionKey: 0x1111) == .good())
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0x2222, flags: 0x04) == .good())
        #expect(self.reserveOut(.reserve, type: .exclusiveAccess, key: 0x1111) == .good())
        let data = self.run(Self.reserveIn(.readFullStatus)).data
        let firstID = ISCSITransportID.bytes(initiatorPortName: self.fixture.nexus.initiatorPortName)
        let secondID = ISCSITransportID.bytes(initiatorPortName: Self.secondPortName)
        #expect(firstID.count % 4 == 0 && Array(firstID[2..<4]) == bigEndian(UInt16(firstID.count - 4)))
        #expect(data.count == 8 + 24 + firstID.count + 24 + secondID.count)
        #expect(Array(data[4..<8]) == bigEndian(UInt32(data.count - 8)))
        // The holder: key, R_HOLDER, type, relative target port 1, an iSCSI initiator-port TransportID.
        let first = Array(data[8..<(8 + 24 + firstID.count)])
        #expect(Array(first[0..<8]) == bigEndian(UInt64(0x1111)))
        #expect(first[12] == 0x01 && first[13] == 0x03)
        #expect(Array(first[18..<24]) == [0, 1] + bigEndian(UInt32(firstID.count)))
        #expect(first[24] == 0x45)
        let name = first[28...].prefix { $0 != 0 }
        #expect(String(decoding: name, as: UTF8.self) == self.fixture.nexus.initiatorPortName)
        // The ALL_TG_PT registrant: no holder, no relative port.
        let secondDescriptor = Array(data[(8 + 24 + firstID.count)...])
        #expect(secondDescriptor[12] == 0x02 && secondDescriptor[13] == 0)
        #expect(Array(secondDescriptor[18..<20]) == [0, 0])
        #expect(Array(secondDescriptor[24...]) == secondID)
    }

    @Test mutating func serviceActionRange() {
        for action in UInt8(0)...0x1F {
            let completion = self.run([0x5E, action, 0, 0, 0, 0, 0, 0x10, 0, 0]).completion
            #expect((completion.status == .good) == (action < 4))
        }
        let invalid = self.run([0x5F, 0x08, 0, 0, 0, 0, 0, 0, 24, 0], dataOut: ByteBuffer(repeating: 0, count: 24))
        #expect(invalid.completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test mutating func parameterListErrors() {
        let short = Self.reserveOut(.register, serviceActionKey: 1, parameterListLength: 20)
        var data = short.data
        data.moveWriterIndex(to: 20)
        #expect(self.run(short.cdb, dataOut: data).completion == .illegalRequest(.parameterListLengthError))
        // SPEC_I_PT needs the TransportID data length, and is for REGISTER only.
        #expect(
            self.reserveOut(.register, serviceActionKey: 1, flags: 0x08) == .illegalRequest(.parameterListLengthError)
        )
        #expect(
            self.reserveOut(.registerAndIgnoreExistingKey, serviceActionKey: 1, flags: 0x08)
                == .illegalRequest(.invalidFieldInParameterList)
        )
        #expect(self.fixture.logicalUnit.reservationState.registrations.isEmpty)
    }

    /// REGISTER with SPEC_I_PT and `transportIDs`, the TransportID data length `length` (their total by default)
    /// and `extraFlags` besides SPEC_I_PT, from the first nexus or the second.
    mutating func registerSpecifying(
        _ transportIDs: [[UInt8]],
        second: Bool = false,
        reservationKey: UInt64 = 0,
        key: UInt64,
        extraFlags: UInt8 = 0,
        length: Int? = nil
    ) -> SCSICompletion {
        let data = transportIDs.flatMap { $0 }
        let parameters =
            bigEndian(reservationKey) + bigEndian(key) + [0, 0, 0, 0, 0x08 | extraFlags, 0, 0, 0]
            + bigEndian(UInt32(length ?? data.count)) + data
        let cdb = [0x5F, 0x00, 0, 0, 0] + bigEndian(UInt32(parameters.count)) + [0]
        return self.run(cdb, second: second, dataOut: ByteBuffer(bytes: parameters)).completion
    }

    @Test mutating func specifyInitiatorPortsRegistersNamedInitiatorsBeforeTheyLogIn() {
        let device = "iqn.2024-01.test:third"
        let ids = [
            ISCSITransportID.bytes(initiatorPortName: Self.secondPortName),
            ISCSITransportID.bytes(initiatorPortName: device),
        ]
        #expect(ids[1][0] == 0x05 && ids[0][0] == 0x45)
        #expect(self.registerSpecifying(ids, key: 0xAB) == .good())
        let state = self.fixture.logicalUnit.reservationState
        #expect(
            state.registrations.map(\.nexus.initiatorPortName) == [self.fixture.nexus.initiatorPortName] + [
                Self.secondPortName, device,
            ]
        )
        #expect(state.registrations.allSatisfy { $0.key == 0xAB && $0.nexus.relativeTargetPortID == 1 })
        // Under Write Exclusive – Registrants Only the named initiators write; any port of the named device does.
        #expect(self.reserveOut(.reserve, type: .writeExclusiveRegistrantsOnly, key: 0xAB) == .good())
        #expect(self.write(second: true) == .good())
        var third = SCSINexus(
            targetPort: self.fixture.nexus.targetPort,
            initiatorPortName: device + ",i,0x00023d000009"
        )
        var stranger = SCSINexus(
            targetPort: self.fixture.nexus.targetPort,
            initiatorPortName: "iqn.2024-01.test:thirdparty,i,0x000000000001"
        )
        let write = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(Self.write10),
            expectedDataTransferLength: 512,
            isRead: false,
            isWrite: true
        )
        var dataIn = ByteBuffer()
        let block = [ByteBuffer(repeating: 1, count: 512)]
        #expect(self.fixture.device.execute(write, dataOut: block, dataIn: &dataIn, nexus: &third) == .good())
        #expect(self.fixture.device.execute(write, dataOut: block, dataIn: &dataIn, nexus: &stranger) == Self.conflict)
        // READ FULL STATUS names the device with a format 00b TransportID.
        let full = self.run(Self.reserveIn(.readFullStatus)).data
        #expect(full.suffix(ids[1].count) == ids[1][...])
        // A registered nexus may not use SPEC_I_PT.
        #expect(
            self.registerSpecifying([], second: true, reservationKey: 0xAB, key: 0xCD)
                == .illegalRequest(.invalidFieldInCDB)
        )
    }

    @Test mutating func specifyInitiatorPortsErrors() {
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0xBB) == .good())
        // Naming an initiator already registered conflicts and registers nothing.
        let second = ISCSITransportID.bytes(initiatorPortName: Self.secondPortName)
        #expect(self.registerSpecifying([second], key: 0xAA) == Self.conflict)
        let secondDevice = ISCSITransportID.bytes(initiatorPortName: "iqn.2024-01.test:second")
        #expect(self.registerSpecifying([secondDevice], key: 0xAA) == Self.conflict)
        #expect(self.fixture.logicalUnit.reservationState.registrations.count == 1)
        // Another protocol, a format 01b name without ISID, a TransportID cut by the data length: invalid field.
        var fibreChannel = second
        fibreChannel[0] = 0x40
        #expect(self.registerSpecifying([fibreChannel], key: 0xAA) == .illegalRequest(.invalidFieldInParameterList))
        var withoutISID = ISCSITransportID.bytes(initiatorPortName: "iqn.2024-01.test:fourth")
        withoutISID[0] = 0x45
        #expect(self.registerSpecifying([withoutISID], key: 0xAA) == .illegalRequest(.invalidFieldInParameterList))
        let third = ISCSITransportID.bytes(initiatorPortName: "iqn.2024-01.test:third,i,0x000000000003")
        #expect(
            self.registerSpecifying([third], key: 0xAA, length: third.count - 4)
                == .illegalRequest(.invalidFieldInParameterList)
        )
        // A data length beyond the parameter list is a parameter list length error.
        #expect(
            self.registerSpecifying([third], key: 0xAA, length: third.count + 4)
                == .illegalRequest(.parameterListLengthError)
        )
        #expect(self.fixture.logicalUnit.reservationState.registrations.count == 1)
        // With ALL_TG_PT the named initiator is registered through every target port.
        #expect(self.registerSpecifying([third, third], key: 0xAA, extraFlags: 0x04) == .good())
        let registrations = self.fixture.logicalUnit.reservationState.registrations
        #expect(registrations.count == 3 && registrations.allSatisfy { $0.allTargetPorts || $0.key == 0xBB })
        let otherPort = NexusIdentifier(initiatorPortName: third.nameString, relativeTargetPortID: 7)
        #expect(registrations.last?.covers(otherPort) == true)
    }

    @Test mutating func exclusiveAccessBlocksTheOtherNexus() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.reserveOut(.reserve, type: .exclusiveAccess, key: 0xAA) == .good())
        #expect(self.run(Self.read10).completion.status == .good)
        #expect(self.write(second: false) == .good())
        #expect(self.run(Self.read10, second: true).completion == Self.conflict)
        #expect(self.write(second: true) == Self.conflict)
        // TEST UNIT READY, INQUIRY, READ CAPACITY and PERSISTENT RESERVE IN still run.
        #expect(self.run(Self.testUnitReady, second: true).completion == .good())
        #expect(self.run([0x12, 0, 0, 0, 96, 0], second: true).completion.status == .good)
        #expect(self.run([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], second: true).completion.status == .good)
        #expect(self.run(Self.reserveIn(.readKeys), second: true).completion.status == .good)
        // MODE SENSE needs a registration.
        #expect(self.run([0x1A, 0, 0x3F, 0, 255, 0], second: true).completion == Self.conflict)
    }

    @Test mutating func preemptRaisesUnitAttentions() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0xBB) == .good())
        #expect(self.reserveOut(.reserve, type: .writeExclusive, key: 0xAA) == .good())
        #expect(
            self.reserveOut(.preempt, second: true, type: .exclusiveAccess, key: 0xBB, serviceActionKey: 0xAA)
                == .good()
        )
        let preempted = self.run(Self.testUnitReady).completion
        #expect(preempted == .checkCondition(SenseData(key: .unitAttention, code: .registrationsPreempted)))
        #expect(self.run(Self.read10).completion == Self.conflict)
        #expect(self.run(Self.testUnitReady, second: true).completion == .good())
    }

    @Test mutating func preemptAndAbortNamesTheTasksToAbortAndTASIsChangeable() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0xBB) == .good())
        #expect(self.reserveOut(.reserve, type: .writeExclusive, key: 0xAA) == .good())
        let outcome = self.reserveOut(
            .preemptAndAbort,
            second: true,
            type: .writeExclusive,
            key: 0xBB,
            serviceActionKey: 0xAA
        )
        #expect(outcome.status == .good)
        #expect(outcome.preemptedTasks?.includes(self.fixture.nexus.identifier) == true)
        #expect(outcome.preemptedTasks?.includes(self.second.identifier) == false)
        let preempted = self.run(Self.testUnitReady).completion
        #expect(preempted == .checkCondition(SenseData(key: .unitAttention, code: .registrationsPreempted)))

        // TAS (control mode page byte 5 bit 6) is changeable, reported and saved in the logical unit.
        let control = [0x1A, 0x08, 0x0A, 0, 255, 0] as [UInt8]
        let changeable = self.run([0x1A, 0x08, 0x4A, 0, 255, 0] as [UInt8], second: true).data
        #expect(changeable.count == 16 && changeable[4 + 5] & 0x40 != 0)
        var page = self.run(control, second: true).data
        #expect(page[4 + 5] & 0x40 == 0)
        page[0] = 0
        page[4 + 5] |= 0x40
        let select = [0x15, 0x10, 0, 0, UInt8(page.count), 0] as [UInt8]
        #expect(self.run(select, second: true, dataOut: ByteBuffer(bytes: page)).completion == .good())
        #expect(self.fixture.logicalUnit.reportsTaskAbortedStatus)
        #expect(self.run(control, second: true).data[4 + 5] & 0x40 != 0)
    }

    @Test mutating func clearTellsTheOtherRegistrants() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0xBB) == .good())
        #expect(self.reserveOut(.reserve, type: .writeExclusive, key: 0xAA) == .good())
        #expect(self.reserveOut(.clear, key: 0xAA) == .good())
        #expect(self.run(Self.testUnitReady).completion == .good())
        let sense = self.run([0x03, 0, 0, 0, 18, 0], second: true).data
        #expect(sense[2] == 0x06 && sense[12] == 0x2A && sense[13] == 0x03)
        #expect(self.write(second: true) == .good())
    }

    @Test mutating func releaseOfARegistrantsOnlyReservationTellsTheOthers() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.reserveOut(.register, second: true, serviceActionKey: 0xBB) == .good())
        #expect(self.reserveOut(.reserve, type: .exclusiveAccessRegistrantsOnly, key: 0xAA) == .good())
        #expect(self.reserveOut(.release, type: .exclusiveAccessRegistrantsOnly, key: 0xAA) == .good())
        let released = self.run(Self.testUnitReady, second: true).completion
        #expect(released == .checkCondition(SenseData(key: .unitAttention, code: .reservationsReleased)))
    }

    @Test mutating func registerAndMoveHandsTheReservationOver() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.reserveOut(.reserve, type: .exclusiveAccess, key: 0xAA) == .good())
        #expect(self.write(second: true) == Self.conflict)
        // The separator and ISID may come in upper case.
        let transportID = ISCSITransportID.bytes(initiatorPortName: "iqn.2024-01.test:second,I,0X000000000002")
        let header = bigEndian(UInt64(0xAA)) + bigEndian(UInt64(0xCC)) + [0, 0x02] + bigEndian(UInt16(1))
        let parameters = header + bigEndian(UInt32(transportID.count)) + transportID
        let cdb = [0x5F, 0x07, 0x03, 0, 0] + bigEndian(UInt32(parameters.count)) + [0]
        #expect(self.run(cdb, dataOut: ByteBuffer(bytes: parameters)).completion == .good())
        #expect(self.write(second: true) == .good())
        #expect(self.write(second: false) == Self.conflict)
        let state = self.fixture.logicalUnit.reservationState
        #expect(state.registrations.map(\.key) == [0xCC])
        #expect(state.reservation?.holder == self.second.identifier)
    }

    @Test mutating func reserve6BetweenTwoInitiators() {
        #expect(self.run([0x16, 0, 0, 0, 0, 0]).completion == .good())
        #expect(self.run([0x16, 0, 0, 0, 0, 0]).completion == .good())
        #expect(self.run([0x16, 0, 0, 0, 0, 0], second: true).completion == Self.conflict)
        #expect(self.run([0x17, 0, 0, 0, 0, 0], second: true).completion == .good())
        #expect(self.run([0x1A, 0, 0x3F, 0, 255, 0]).completion.status == .good)
        #expect(self.run([0x1A, 0, 0x3F, 0, 255, 0], second: true).completion == Self.conflict)
        #expect(self.run(Self.testUnitReady, second: true).completion == Self.conflict)
        #expect(self.run([0x12, 0, 0, 0, 96, 0], second: true).completion.status == .good)
        #expect(self.run([0x17, 0, 0, 0, 0, 0]).completion == .good())
        #expect(self.run([0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0], second: true).completion == .good())
        #expect(self.run([0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0], second: true).completion == .good())
        // Third-party and extent reservations are not supported.
        #expect(self.run([0x56, 0x10, 0, 0, 0, 0, 0, 0, 0, 0]).completion == .illegalRequest(.invalidFieldInCDB))
        #expect(self.run([0x16, 0x01, 0, 0, 0, 0]).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test mutating func reserve6IsReleasedByNexusLossAndLogicalUnitReset() {
        #expect(self.run([0x16, 0, 0, 0, 0, 0]).completion == .good())
        self.fixture.device.noteNexusLoss(self.fixture.nexus)
        #expect(self.run([0x16, 0, 0, 0, 0, 0], second: true).completion == .good())
        #expect(self.run(Self.testUnitReady).completion == Self.conflict)
        self.fixture.device.resetLogicalUnit(0)
        // The reset released the reservation; every nexus learns of the reset, the requester too.
        let reset = SCSICompletion.checkCondition(SenseData(key: .unitAttention, code: .busDeviceResetFunctionOccurred))
        #expect(self.run(Self.testUnitReady).completion == reset)
        #expect(self.run(Self.testUnitReady).completion == .good())
        #expect(self.run(Self.testUnitReady, second: true).completion == reset)
        #expect(self.run(Self.testUnitReady, second: true).completion == .good())
        // A target reset reports 29 00.
        self.fixture.device.reset()
        let powerOn = self.run(Self.testUnitReady).completion
        #expect(powerOn == .checkCondition(SenseData(key: .unitAttention, code: .powerOnResetOrBusDeviceResetOccurred)))
    }

    @Test mutating func reserve6ConflictsWithPersistentRegistrations() {
        #expect(self.reserveOut(.register, serviceActionKey: 0xAA) == .good())
        #expect(self.run([0x16, 0, 0, 0, 0, 0], second: true).completion == Self.conflict)
        #expect(self.run([0x16, 0, 0, 0, 0, 0]).completion == Self.conflict)
    }
}

@Suite struct UnitAttentionPriorityTests {
    static let nexus = NexusIdentifier(
        initiatorPortName: "iqn.2024-01.test:a,i,0x000000000001",
        relativeTargetPortID: 1
    )
    static let other = NexusIdentifier(
        initiatorPortName: "iqn.2024-01.test:b,i,0x000000000002",
        relativeTargetPortID: 1
    )

    @Test func resetComesFirstAndSupersedesTheRest() {
        var table = UnitAttentionTable()
        table.raise(.capacityDataHasChanged, for: Self.nexus)
        table.raise(.modeParametersChanged, for: Self.nexus)
        table.raise(.capacityDataHasChanged, for: Self.nexus)
        #expect(table.pendingConditions(for: Self.nexus) == [.capacityDataHasChanged, .modeParametersChanged])
        table.raise(.busDeviceResetFunctionOccurred, for: Self.nexus)
        table.raise(.reservationsReleased, for: Self.nexus)
        #expect(table.take(for: Self.nexus) == .busDeviceResetFunctionOccurred)
        #expect(table.take(for: Self.nexus) == .reservationsReleased)
        #expect(table.take(for: Self.nexus) == nil)
    }

    @Test func raisingForEveryoneReachesContactsOnly() {
        var table = UnitAttentionTable()
        table.noteContact(Self.nexus)
        table.raise(.reportedLUNsDataHasChanged) { _ in true }
        #expect(table.pendingConditions(for: Self.other).isEmpty)
        table.clear(.reportedLUNsDataHasChanged, for: Self.nexus)
        #expect(table.take(for: Self.nexus) == nil)
        table.raise(.modeParametersChanged) { _ in true }
        table.noteLoss(Self.nexus)
        #expect(table.take(for: Self.nexus) == nil)
        table.raise(.modeParametersChanged) { _ in true }
        #expect(table.take(for: Self.nexus) == nil)
    }

    @Test func modeParametersChangedReachesTheOtherNexuses() throws {
        var fixture = try ReservationCommandTests()
        #expect(fixture.run(ReservationCommandTests.testUnitReady).completion == .good())
        #expect(fixture.run(ReservationCommandTests.testUnitReady, second: true).completion == .good())
        fixture.fixture.logicalUnit.noteModeParametersChanged(by: fixture.fixture.nexus.identifier)
        #expect(fixture.run(ReservationCommandTests.testUnitReady).completion == .good())
        let changed = fixture.run(ReservationCommandTests.testUnitReady, second: true).completion
        #expect(changed == .checkCondition(SenseData(key: .unitAttention, code: .modeParametersChanged)))
    }

    @Test func reportLUNsClearsReportedLUNsDataHasChangedAtEveryLUN() throws {
        let fixture = try SCSITestFixture()
        let second = LogicalUnit(
            id: 1,
            blockDevice: try MallocBlockDevice(.init(name: "Malloc1", blockCount: 64, blockSize: 512))
        )
        fixture.device.add(second)
        #expect(fixture.run(ReservationCommandTests.testUnitReady).completion == .good())
        #expect(fixture.run(ReservationCommandTests.testUnitReady, lun: 1).completion == .good())
        fixture.device.noteReportedLUNsChanged()
        let changed = SCSICompletion.checkCondition(SenseData(key: .unitAttention, code: .reportedLUNsDataHasChanged))
        #expect(fixture.run(ReservationCommandTests.testUnitReady, lun: 1).completion == changed)
        #expect(fixture.run([0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]).completion.status == .good)
        #expect(fixture.run(ReservationCommandTests.testUnitReady).completion == .good())
        #expect(fixture.run(ReservationCommandTests.testUnitReady, lun: 1).completion == .good())
    }

    @Test func reportLUNsClearsReportedLUNsDataHasChanged() throws {
        var fixture = try ReservationCommandTests()
        #expect(fixture.run(ReservationCommandTests.testUnitReady).completion == .good())
        fixture.fixture.logicalUnit.raiseUnitAttention(.reportedLUNsDataHasChanged)
        #expect(fixture.run([0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]).completion.status == .good)
        #expect(fixture.run(ReservationCommandTests.testUnitReady).completion == .good())
    }
}

@Suite struct ReservationStorageTests {
    final class MemoryStorage: PersistentReservationStorage, @unchecked Sendable {
        var saved: PersistentReservationState?
        var stores = 0

        init(saved: PersistentReservationState? = nil) {
            self.saved = saved
        }

        func load() -> PersistentReservationState? {
            self.saved
        }

        func store(_ state: PersistentReservationState?) {
            self.saved = state
            self.stores += 1
        }
    }

    @Test func aptplStateIsSavedAndRestored() throws {
        let storage = MemoryStorage()
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 64, blockSize: 512))
        let port = SCSITargetPort(targetName: SCSITestFixture.targetName, portalGroupTag: 1)
        var nexus = SCSINexus(targetPort: port, initiatorPortName: "iqn.2024-01.test:a,i,0x000000000001")
        func run(_ scsiDevice: SCSIDevice, _ command: (cdb: [UInt8], data: ByteBuffer)) -> SCSICompletion {
            var dataIn = ByteBuffer()
            let scsiCommand = SCSICommand(
                logicalUnitNumber: 0,
                cdb: CDB(command.cdb),
                expectedDataTransferLength: 24,
                isRead: false,
                isWrite: true
            )
            return scsiDevice.execute(scsiCommand, dataOut: [command.data], dataIn: &dataIn, nexus: &nexus)
        }
        let unit = LogicalUnit(id: 0, blockDevice: device, reservationStorage: storage)
        let scsiDevice = SCSIDevice(name: SCSITestFixture.targetName, id: 0, ports: [port], logicalUnits: [unit])
        // Without APTPL nothing is saved.
        #expect(run(scsiDevice, ReservationCommandTests.reserveOut(.register, serviceActionKey: 7)) == .good())
        #expect(storage.stores == 0)
        #expect(
            run(scsiDevice, ReservationCommandTests.reserveOut(.register, key: 7, serviceActionKey: 8, flags: 0x01))
                == .good()
        )
        #expect(run(scsiDevice, ReservationCommandTests.reserveOut(.reserve, type: .writeExclusive, key: 8)) == .good())
        #expect(storage.stores == 2)
        #expect(storage.saved == unit.reservationState)

        let restored = LogicalUnit(id: 0, blockDevice: device, reservationStorage: storage)
        #expect(restored.reservationState == unit.reservationState)
        #expect(restored.reservationState.reservation?.type == .writeExclusive)

        // A REGISTER without APTPL forgets the saved state.
        #expect(run(scsiDevice, ReservationCommandTests.reserveOut(.register, key: 8, serviceActionKey: 9)) == .good())
        #expect(storage.saved == nil)
    }
}

extension [UInt8] {
    /// The name a TransportID carries.
    fileprivate var nameString: String {
        String(decoding: self[4...].prefix { $0 != 0 }, as: UTF8.self)
    }
}
