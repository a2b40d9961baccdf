import BlockDevice
import NIOCore
import Synchronization
import Testing

@testable import SCSI

/// Two logical units on one device, standing for two gateways, sharing their persistent reservations through a
/// ``SharedPersistentReservationStorage``: here an in-memory copy with the compare-and-swap and announcement rules
/// of the RADOS object that gateways use.
@Suite struct SharedReservationTests {
    /// The shared copy: stored text and version, as the RADOS object holds them.
    final class SharedCopy: Sendable {
        let object = Mutex<(text: String, version: UInt64)>(("", 1))
        let gateways = Mutex<[Gateway]>([])
        /// When true every read and write fails, as with an unreachable cluster.
        let isUnreachable = Atomic(false)
    }

    /// One gateway's storage over the shared copy.
    final class Gateway: SharedPersistentReservationStorage {
        let copy: SharedCopy
        typealias Observer =
            @Sendable (
                (inout PersistentReservationState) -> Void,
                [PersistentReservationOutcome.Notice],
                PreemptedTasks?
            ) -> Void
        let observer = Mutex<Observer?>(nil)
        let unannounced = Mutex<PersistentReservationState?>(nil)
        /// When true announcements are lost on the way.
        let losesAnnouncements = Atomic(false)

        init(_ copy: SharedCopy) {
            self.copy = copy
            copy.gateways.withLock { $0.append(self) }
        }

        func read() -> (state: PersistentReservationState, version: UInt64)? {
            guard !self.copy.isUnreachable.load(ordering: .relaxed) else { return nil }
            let (text, version) = self.copy.object.withLock { $0 }
            return (
                text.isEmpty ? PersistentReservationState() : PersistentReservationState(storedText: text)!, version
            )
        }

        func load() -> PersistentReservationState? {
            self.read()?.state
        }

        func store(_ state: PersistentReservationState?) {
            self.copy.object.withLock { $0 = (state?.storedText ?? "", $0.version + 1) }
        }

        func update<Result>(
            _ state: inout PersistentReservationState,
            _ change: (inout PersistentReservationState) -> (result: Result, changed: Bool)
        ) -> Result? {
            while true {
                guard let shared = self.read() else { return nil }
                var attempt = state
                attempt.adoptPersistentPart(of: shared.state)
                let (result, changed) = change(&attempt)
                guard changed else {
                    state = attempt
                    return result
                }
                let written = self.copy.object.withLock { object in
                    guard object.version == shared.version else { return false }
                    object = (attempt.storedText, object.version + 1)
                    return true
                }
                if written {
                    state = attempt
                    self.unannounced.withLock { $0 = attempt }
                    return result
                }
            }
        }

        func refresh(_ state: inout PersistentReservationState) {
            if let shared = self.read() {
                state.adoptPersistentPart(of: shared.state)
            }
        }

        func announce(_ notices: [PersistentReservationOutcome.Notice], preempted: PreemptedTasks?) {
            guard let change = self.unannounced.withLock({ $0.take() }),
                !self.losesAnnouncements.load(ordering: .relaxed)
            else { return }
            for gateway in self.copy.gateways.withLock({ $0 }) where gateway !== self {
                // Announcements carry the stored text, as the RADOS notification does.
                let sent = notices.map(\.storedLine).compactMap { PersistentReservationOutcome.Notice(storedLine: $0) }
                let aborted = preempted.flatMap { PreemptedTasks(storedLines: $0.storedLines) }
                gateway.observer.withLock { $0 }?({ $0.adoptPersistentPart(of: change) }, sent, aborted)
            }
        }

        func observe(
            _ handler:
                @escaping @Sendable (
                    (inout PersistentReservationState) -> Void,
                    [PersistentReservationOutcome.Notice],
                    PreemptedTasks?
                ) -> Void
        ) {
            self.observer.withLock { $0 = handler }
        }
    }

    let copy = SharedCopy()
    let a: SCSIDevice
    let b: SCSIDevice
    let port = SCSITargetPort(targetName: SCSITestFixture.targetName, portalGroupTag: 1)

    init() throws {
        let device = try MallocBlockDevice(.init(name: "Rbd0", blockCount: 64, blockSize: 512))
        let port = self.port
        let devices = [Gateway(self.copy), Gateway(self.copy)].map { storage in
            let unit = LogicalUnit(id: 0, blockDevice: device, reservationStorage: storage)
            return SCSIDevice(name: SCSITestFixture.targetName, id: 0, ports: [port], logicalUnits: [unit])
        }
        self.a = devices[0]
        self.b = devices[1]
    }

    static let host1 = "iqn.2024-01.test:host1,i,0x000000000001"
    static let host2 = "iqn.2024-01.test:host2,i,0x000000000002"

    func run(_ device: SCSIDevice, _ host: String, _ cdb: [UInt8], dataOut: ByteBuffer? = nil) -> SCSICompletion {
        var nexus = SCSINexus(targetPort: self.port, initiatorPortName: host)
        var dataIn = ByteBuffer()
        let command = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(cdb),
            expectedDataTransferLength: dataOut.map { UInt32($0.readableBytes) } ?? 4096,
            isRead: dataOut == nil,
            isWrite: dataOut != nil
        )
        return device.execute(command, dataOut: dataOut.map { [$0] } ?? [], dataIn: &dataIn, nexus: &nexus)
    }

    func reserveOut(
        _ device: SCSIDevice,
        _ host: String,
        _ action: PersistentReserveOut.ServiceAction,
        type: PersistentReservationType? = nil,
        key: UInt64 = 0,
        serviceActionKey: UInt64 = 0
    ) -> SCSICompletion {
        let command = ReservationCommandTests.reserveOut(
            action,
            type: type,
            key: key,
            serviceActionKey: serviceActionKey
        )
        return self.run(device, host, command.cdb, dataOut: command.data)
    }

    func write(_ device: SCSIDevice, _ host: String) -> SCSICompletion {
        self.run(device, host, ReservationCommandTests.write10, dataOut: ByteBuffer(repeating: 0x5A, count: 512))
    }

    func storage(_ device: SCSIDevice) -> Gateway {
        device.logicalUnits.first!.reservationStorage as! Gateway
    }

    func state(_ device: SCSIDevice) -> PersistentReservationState {
        device.logicalUnits.first!.reservationState
    }

    @Test func aReservationThroughOneGatewayIsEnforcedThroughTheOther() {
        #expect(self.reserveOut(self.b, Self.host2, .register, serviceActionKey: 0xB2) == .good())
        #expect(self.reserveOut(self.a, Self.host1, .register, serviceActionKey: 0xA1) == .good())
        #expect(self.reserveOut(self.a, Self.host1, .reserve, type: .writeExclusive, key: 0xA1) == .good())
        // B ran no reservation command since host2 registered: the announcement updated it.
        #expect(self.write(self.b, Self.host2) == ReservationCommandTests.conflict)
        #expect(self.write(self.b, Self.host1) == .good())
        #expect(self.state(self.b).reservation?.type == .writeExclusive)
        #expect(self.state(self.b).registrations.map(\.key) == [0xB2, 0xA1])

        #expect(self.reserveOut(self.b, Self.host1, .release, type: .writeExclusive, key: 0xA1) == .good())
        #expect(self.write(self.a, Self.host2) == .good())
        #expect(self.state(self.a).reservation == nil)
    }

    @Test func aChangeActsOnTheNewestSharedCopy() {
        // host1's registration reaches the copy, but B is never told (a lost announcement).
        self.storage(self.a).losesAnnouncements.store(true, ordering: .relaxed)
        #expect(self.reserveOut(self.a, Self.host1, .register, serviceActionKey: 0xA1) == .good())
        #expect(self.state(self.b).registrations.isEmpty)
        // B's change starts from the copy, so it keeps host1's registration and counts its generation.
        #expect(self.reserveOut(self.b, Self.host2, .register, serviceActionKey: 0xB2) == .good())
        #expect(self.state(self.b).registrations.map(\.key) == [0xA1, 0xB2])
        #expect(self.state(self.b).generation == 2)
        #expect(self.state(self.a).registrations.map(\.key) == [0xA1, 0xB2])
    }

    @Test func persistentReserveInRefreshesFromTheSharedCopy() {
        self.storage(self.a).losesAnnouncements.store(true, ordering: .relaxed)
        #expect(self.reserveOut(self.a, Self.host1, .register, serviceActionKey: 0xA1) == .good())
        #expect(self.state(self.b).registrations.isEmpty)
        #expect(self.run(self.b, Self.host2, ReservationCommandTests.reserveIn(.readKeys)).status == .good)
        #expect(self.state(self.b).registrations.map(\.key) == [0xA1])
    }

    @Test func unitAttentionsReachTheNexusesOfTheOtherGateway() {
        #expect(self.reserveOut(self.b, Self.host2, .register, serviceActionKey: 0xB2) == .good())
        #expect(self.reserveOut(self.a, Self.host1, .register, serviceActionKey: 0xA1) == .good())
        #expect(self.reserveOut(self.a, Self.host1, .reserve, type: .writeExclusive, key: 0xA1) == .good())
        #expect(self.reserveOut(self.a, Self.host1, .clear, key: 0xA1) == .good())
        // CLEAR through A preempted host2's registration, which host2 learns through B.
        let completion = self.run(self.b, Self.host2, ReservationCommandTests.testUnitReady)
        #expect(completion == .checkCondition(SenseData(key: .unitAttention, code: .reservationsPreempted)))
        #expect(self.run(self.b, Self.host2, ReservationCommandTests.testUnitReady) == .good())
        #expect(self.state(self.b).registrations.isEmpty)
    }

    @Test func noticesSurviveTheirTextForm() throws {
        let nexus = NexusIdentifier(initiatorPortName: "iqn.2024-01.test:a b,i,0x1", relativeTargetPortID: 3)
        let registration = PersistentReservationRegistration(nexus: nexus, key: 0xFEED, allTargetPorts: true)
        let notice = PersistentReservationOutcome.Notice(code: .registrationsPreempted, registration: registration)
        #expect(PersistentReservationOutcome.Notice(storedLine: notice.storedLine) == notice)
        #expect(PersistentReservationOutcome.Notice(storedLine: "notice 2a 5 feed") == nil)
    }

    @Test func aPreemptAndAbortThroughOneGatewayAbortsThePreemptedTasksOfTheOther() throws {
        let aborted = Mutex<[PreemptedTasks]>([])
        try #require(self.b.logicalUnits.first).onRemotePreemptAndAbort { preempted in
            aborted.withLock { $0.append(preempted) }
        }
        #expect(self.reserveOut(self.b, Self.host2, .register, serviceActionKey: 0xB2) == .good())
        #expect(self.reserveOut(self.a, Self.host1, .register, serviceActionKey: 0xA1) == .good())
        #expect(aborted.withLock { $0 }.isEmpty)
        #expect(
            self.reserveOut(
                self.a,
                Self.host1,
                .preemptAndAbort,
                type: .writeExclusive,
                key: 0xA1,
                serviceActionKey: 0xB2
            )
            .status == .good
        )
        let preempted = try #require(aborted.withLock { $0 }.first)
        let host1 = NexusIdentifier(initiatorPortName: Self.host1, relativeTargetPortID: 1)
        let host2 = NexusIdentifier(initiatorPortName: Self.host2, relativeTargetPortID: 1)
        #expect(preempted.includes(host2) && !preempted.includes(host1))
        #expect(aborted.withLock { $0 }.count == 1)
    }

    @Test func preemptedTasksSurviveTheirTextForm() {
        let nexus = NexusIdentifier(initiatorPortName: "iqn.2024-01.test:a b,i,0x1", relativeTargetPortID: 3)
        let preempted = PreemptedTasks(
            registrations: [PersistentReservationRegistration(nexus: nexus, key: 0xFEED, allTargetPorts: true)],
            preemptingNexus: NexusIdentifier(initiatorPortName: "iqn.2024-01.test:c,i,0x2", relativeTargetPortID: 1)
        )
        let lines = ["notice 2a 3 feed 3 1 x"] + preempted.storedLines
        #expect(PreemptedTasks(storedLines: lines) == preempted)
        #expect(PreemptedTasks(storedLines: ["notice 2a 3 feed 3 1 x"]) == nil)
    }

    @Test func anUnreachableCopyFailsTheCommandAndChangesNothing() {
        self.copy.isUnreachable.store(true, ordering: .relaxed)
        let completion = self.reserveOut(self.a, Self.host1, .register, serviceActionKey: 0xA1)
        #expect(completion == .checkCondition(SenseData(key: .hardwareError, code: .internalTargetFailure)))
        #expect(self.state(self.a).registrations.isEmpty)
    }

    @Test func theSPC2ReservationStaysLocal() {
        #expect(self.run(self.a, Self.host1, [0x16, 0, 0, 0, 0, 0]) == .good())
        #expect(self.reserveOut(self.b, Self.host2, .register, serviceActionKey: 0xB2) == .good())
        #expect(self.state(self.a).legacyReservationHolder != nil)
        #expect(self.state(self.a).registrations.map(\.key) == [0xB2])
        #expect(self.state(self.b).legacyReservationHolder == nil)
    }
}
