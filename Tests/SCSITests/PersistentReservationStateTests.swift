import Testing

@testable import SCSI

/// The reservation state machine, driven without commands: every reservation type against every service action
/// (SPC-4 §5.13).
struct PersistentReservationStateTests {
    static let first = NexusIdentifier(
        initiatorPortName: "iqn.2024-01.test:one,i,0x000000000001",
        relativeTargetPortID: 1
    )
    static let second = NexusIdentifier(
        initiatorPortName: "iqn.2024-01.test:two,i,0x000000000002",
        relativeTargetPortID: 1
    )
    static let third = NexusIdentifier(
        initiatorPortName: "iqn.2024-01.test:three,i,0x000000000003",
        relativeTargetPortID: 1
    )
    static let firstKey: UInt64 = 0xAAAA
    static let secondKey: UInt64 = 0xBBBB
    static let thirdKey: UInt64 = 0xCCCC

    /// Registers `first`, `second` (and `third`) with their keys and lets `first` reserve with `type`.
    static func reserved(_ type: PersistentReservationType, third: Bool = false) -> PersistentReservationState {
        var state = PersistentReservationState()
        var registrants = [(Self.first, Self.firstKey), (Self.second, Self.secondKey)]
        if third {
            registrants.append((Self.third, Self.thirdKey))
        }
        for (nexus, key) in registrants {
            let outcome = state.apply(
                .init(serviceAction: .registerAndIgnoreExistingKey, serviceActionKey: key),
                from: nexus
            )
            #expect(outcome.status == .good)
        }
        let outcome = state.apply(
            .init(serviceAction: .reserve, type: type.rawValue, reservationKey: Self.firstKey),
            from: Self.first
        )
        #expect(outcome.status == .good)
        return state
    }

    // MARK: - Registration

    @Test func registerAddsChangesAndRemovesKeys() {
        var state = PersistentReservationState()
        let result1 = state.apply(.init(serviceAction: .register, serviceActionKey: 1), from: Self.first)
        #expect(result1.status == .good)
        #expect(state.registration(for: Self.first)?.key == 1)
        #expect(state.generation == 1)
        // A wrong reservation key conflicts and changes nothing.
        let result2 = state.apply(
            .init(serviceAction: .register, reservationKey: 9, serviceActionKey: 2),
            from: Self.first
        )
        #expect(
            result2.status
                == .reservationConflict
        )
        #expect(state.generation == 1)
        let result3 = state.apply(
            .init(serviceAction: .register, reservationKey: 1, serviceActionKey: 2),
            from: Self.first
        )
        #expect(
            result3.status
                == .good
        )
        #expect(state.registration(for: Self.first)?.key == 2)
        let result4 = state.apply(.init(serviceAction: .register, reservationKey: 2), from: Self.first)
        #expect(result4.status == .good)
        #expect(state.registrations.isEmpty)
        #expect(state.generation == 3)
    }

    @Test func registerFromUnregisteredNexusWithAKeyConflicts() {
        var state = PersistentReservationState()
        let result5 = state.apply(
            .init(serviceAction: .register, reservationKey: 5, serviceActionKey: 1),
            from: Self.first
        )
        #expect(
            result5.status
                == .reservationConflict
        )
        // Unregistering while not registered does nothing and succeeds.
        let result6 = state.apply(.init(serviceAction: .register), from: Self.first)
        #expect(result6 == .good)
        #expect(state.generation == 0)
    }

    @Test func registerAndIgnoreExistingKeyReplacesAnyKey() {
        var state = PersistentReservationState()
        _ = state.apply(.init(serviceAction: .register, serviceActionKey: 1), from: Self.first)
        let outcome = state.apply(
            .init(serviceAction: .registerAndIgnoreExistingKey, reservationKey: 77, serviceActionKey: 3),
            from: Self.first
        )
        #expect(outcome.status == .good)
        #expect(state.registration(for: Self.first)?.key == 3)
    }

    @Test func allTargetPortsRegistrationCoversEveryPortOfTheInitiator() {
        var state = PersistentReservationState()
        _ = state.apply(
            .init(serviceAction: .register, serviceActionKey: 1, allTargetPorts: true),
            from: Self.first
        )
        var otherPort = Self.first
        otherPort.relativeTargetPortID = 2
        #expect(state.registration(for: otherPort)?.key == 1)
        #expect(state.registration(for: Self.second) == nil)
    }

    @Test func specifiedInitiatorsAreRegisteredWithTheSender() {
        var state = PersistentReservationState()
        let device = "iqn.2024-01.test:four"
        var request = PersistentReserveOutRequest(
            serviceAction: .register,
            serviceActionKey: Self.firstKey,
            specifiedInitiators: [Self.second.initiatorPortName, device, Self.first.initiatorPortName]
        )
        // A zero service action key registers nobody.
        request.serviceActionKey = 0
        #expect(state.apply(request, from: Self.first) == .good)
        request.serviceActionKey = Self.firstKey
        let outcome = state.apply(request, from: Self.first)
        #expect(outcome == .changed)
        #expect(state.generation == 1)
        // The sender is named once; the device registration covers each of its ports through this target port.
        #expect(
            state.registrations.map(\.nexus) == [
                Self.first, Self.second, .init(initiatorPortName: device, relativeTargetPortID: 1),
            ]
        )
        let port = NexusIdentifier(initiatorPortName: device + ",i,0x000000000004", relativeTargetPortID: 1)
        #expect(state.registration(for: port)?.key == Self.firstKey)
        #expect(
            state.registration(for: .init(initiatorPortName: port.initiatorPortName, relativeTargetPortID: 2)) == nil
        )
        // Registered senders may not use SPEC_I_PT; naming a registered initiator conflicts and changes nothing.
        let registered = state.apply(
            .init(serviceAction: .register, reservationKey: Self.firstKey, specifiedInitiators: []),
            from: Self.second
        )
        #expect(registered.status == .checkCondition(.illegalRequest(.invalidFieldInCDB)))
        let before = state
        let conflict = state.apply(
            .init(serviceAction: .register, serviceActionKey: Self.thirdKey, specifiedInitiators: [device]),
            from: Self.third
        )
        #expect(conflict.status == .reservationConflict)
        #expect(state == before)
    }

    @Test func aptplFollowsTheLastRegister() {
        var state = PersistentReservationState()
        _ = state.apply(
            .init(serviceAction: .register, serviceActionKey: 1, activatePersistThroughPowerLoss: true),
            from: Self.first
        )
        #expect(state.persistsThroughPowerLoss)
        _ = state.apply(.init(serviceAction: .registerAndIgnoreExistingKey, serviceActionKey: 2), from: Self.second)
        #expect(!state.persistsThroughPowerLoss)
    }

    // MARK: - Access (the libiscsi ProutReserve.Access table, and SPC-4 Table 66)

    struct AccessCase: Sendable, CustomTestStringConvertible {
        var type: PersistentReservationType
        var registeredRead: Bool
        var registeredWrite: Bool
        var unregisteredRead: Bool
        var unregisteredWrite: Bool
        var testDescription: String { "\(self.type)" }
    }

    static let accessCases: [AccessCase] = [
        .init(
            type: .exclusiveAccess,
            registeredRead: false,
            registeredWrite: false,
            unregisteredRead: false,
            unregisteredWrite: false
        ),
        .init(
            type: .writeExclusive,
            registeredRead: true,
            registeredWrite: false,
            unregisteredRead: true,
            unregisteredWrite: false
        ),
        .init(
            type: .exclusiveAccessRegistrantsOnly,
            registeredRead: true,
            registeredWrite: true,
            unregisteredRead: false,
            unregisteredWrite: false
        ),
        .init(
            type: .writeExclusiveRegistrantsOnly,
            registeredRead: true,
            registeredWrite: true,
            unregisteredRead: true,
            unregisteredWrite: false
        ),
        .init(
            type: .exclusiveAccessAllRegistrants,
            registeredRead: true,
            registeredWrite: true,
            unregisteredRead: false,
            unregisteredWrite: false
        ),
        .init(
            type: .writeExclusiveAllRegistrants,
            registeredRead: true,
            registeredWrite: true,
            unregisteredRead: true,
            unregisteredWrite: false
        ),
    ]

    @Test(arguments: accessCases)
    func accessOfOtherNexuses(_ access: AccessCase) {
        let state = Self.reserved(access.type)
        #expect(!state.conflicts(.read, from: Self.first))
        #expect(!state.conflicts(.write, from: Self.first))
        #expect(state.conflicts(.read, from: Self.second) == !access.registeredRead)
        #expect(state.conflicts(.write, from: Self.second) == !access.registeredWrite)
        #expect(state.conflicts(.read, from: Self.third) == !access.unregisteredRead)
        #expect(state.conflicts(.write, from: Self.third) == !access.unregisteredWrite)
        for nexus in [Self.second, Self.third] {
            #expect(!state.conflicts(.unrestricted, from: nexus))
            #expect(!state.conflicts(.allowedUnderPersistentReservation, from: nexus))
            #expect(!state.conflicts(.persistentReserveOut, from: nexus))
        }
        #expect(!state.conflicts(.registrantsOnly, from: Self.second))
        #expect(state.conflicts(.registrantsOnly, from: Self.third))
    }

    // MARK: - Every type × service action

    @Test(arguments: PersistentReservationType.allCases)
    func reserveIsIdempotentForTheHolderAndConflictsForOthers(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        let again = PersistentReserveOutRequest(
            serviceAction: .reserve,
            type: type.rawValue,
            reservationKey: Self.firstKey
        )
        let result7 = state.apply(again, from: Self.first)
        #expect(result7.status == .good)
        let other = PersistentReservationType.allCases.first { $0 != type }!
        let changed = PersistentReserveOutRequest(
            serviceAction: .reserve,
            type: other.rawValue,
            reservationKey: Self.firstKey
        )
        let result8 = state.apply(changed, from: Self.first)
        #expect(result8.status == .reservationConflict)
        let fromSecond = PersistentReserveOutRequest(
            serviceAction: .reserve,
            type: type.rawValue,
            reservationKey: Self.secondKey
        )
        // Under the all-registrants types every registrant already holds the reservation.
        let result9 = state.apply(fromSecond, from: Self.second)
        #expect(result9.status == (type.isAllRegistrants ? .good : .reservationConflict))
        #expect(state.reservation?.type == type)
        #expect(state.generation == 2)  // RESERVE does not change the generation.
    }

    @Test(arguments: PersistentReservationType.allCases)
    func reserveNeedsARegistrationAndItsKey(_ type: PersistentReservationType) {
        var state = PersistentReservationState()
        let request = PersistentReserveOutRequest(serviceAction: .reserve, type: type.rawValue, reservationKey: 1)
        let result10 = state.apply(request, from: Self.first)
        #expect(result10.status == .reservationConflict)
        _ = state.apply(.init(serviceAction: .register, serviceActionKey: 2), from: Self.first)
        let result11 = state.apply(request, from: Self.first)
        #expect(result11.status == .reservationConflict)
        #expect(state.reservation == nil)
    }

    @Test func reserveWithAnInvalidTypeOrScopeIsInvalidFieldInCDB() {
        var state = PersistentReservationState()
        _ = state.apply(.init(serviceAction: .register, serviceActionKey: 1), from: Self.first)
        for (scope, type): (UInt8, UInt8) in [(0, 0), (0, 2), (0, 4), (0, 9), (1, 1), (2, 3)] {
            let outcome = state.apply(
                .init(serviceAction: .reserve, scope: scope, type: type, reservationKey: 1),
                from: Self.first
            )
            #expect(outcome.status == .checkCondition(.illegalRequest(.invalidFieldInCDB)))
        }
    }

    @Test(arguments: PersistentReservationType.allCases)
    func releaseByTheHolder(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        let generation = state.generation
        // A non-holder's RELEASE does nothing (under the all-registrants types the second registrant holds too).
        if !type.isAllRegistrants {
            let outcome = state.apply(
                .init(serviceAction: .release, type: type.rawValue, reservationKey: Self.secondKey),
                from: Self.second
            )
            #expect(outcome == .good)
            #expect(state.reservation != nil)
        }
        let outcome = state.apply(
            .init(serviceAction: .release, type: type.rawValue, reservationKey: Self.firstKey),
            from: Self.first
        )
        #expect(outcome.status == .good)
        #expect(state.reservation == nil)
        #expect(state.registrations.count == 2)
        #expect(state.generation == generation)
        let released = outcome.notices.filter { $0.code == .reservationsReleased }.map(\.registration.nexus)
        #expect(released == (type.reportsRelease ? [Self.second] : []))
    }

    @Test(arguments: PersistentReservationType.allCases)
    func releaseWithAnotherTypeIsInvalidRelease(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        let other = PersistentReservationType.allCases.first { $0 != type }!
        let outcome = state.apply(
            .init(serviceAction: .release, type: other.rawValue, reservationKey: Self.firstKey),
            from: Self.first
        )
        #expect(outcome.status == .checkCondition(.illegalRequest(.invalidReleaseOfPersistentReservation)))
        #expect(state.reservation?.type == type)
    }

    @Test(arguments: PersistentReservationType.allCases)
    func releaseFromAnUnregisteredNexusConflicts(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        let outcome = state.apply(.init(serviceAction: .release, type: type.rawValue), from: Self.third)
        #expect(outcome.status == .reservationConflict)
    }

    @Test(arguments: PersistentReservationType.allCases)
    func holderUnregistering(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        let outcome = state.apply(.init(serviceAction: .register, reservationKey: Self.firstKey), from: Self.first)
        #expect(outcome.status == .good)
        // The libiscsi ProutReserve.Ownership table: only the all-registrants types outlive their reserver.
        #expect((state.reservation != nil) == type.isAllRegistrants)
        let released = outcome.notices.filter { $0.code == .reservationsReleased }.map(\.registration.nexus)
        #expect(released == (type.reportsRelease && !type.isAllRegistrants ? [Self.second] : []))
        if type.isAllRegistrants {
            _ = state.apply(.init(serviceAction: .register, reservationKey: Self.secondKey), from: Self.second)
            #expect(state.reservation == nil)
        }
    }

    @Test(arguments: PersistentReservationType.allCases)
    func clearRemovesEverything(_ type: PersistentReservationType) {
        var state = Self.reserved(type, third: true)
        let generation = state.generation
        let outcome = state.apply(.init(serviceAction: .clear, reservationKey: Self.secondKey), from: Self.second)
        #expect(outcome.status == .good)
        #expect(state.registrations.isEmpty && state.reservation == nil)
        #expect(state.generation == generation + 1)
        #expect(Set(outcome.notices.map(\.registration.nexus)) == [Self.first, Self.third])
        #expect(outcome.notices.allSatisfy { $0.code == .reservationsPreempted })
        var unregistered = Self.reserved(type)
        let result12 = unregistered.apply(.init(serviceAction: .clear), from: Self.third)
        #expect(result12.status == .reservationConflict)
    }

    @Test(
        arguments: PersistentReservationType.allCases,
        [PersistentReserveOut.ServiceAction.preempt, .preemptAndAbort]
    )
    func preemptTakesTheReservationOver(_ type: PersistentReservationType, action: PersistentReserveOut.ServiceAction) {
        var state = Self.reserved(type, third: true)
        let generation = state.generation
        // The all-registrants types are preempted with a zero key; the others with the holder's key.
        let preemptedKey = type.isAllRegistrants ? 0 : Self.firstKey
        let outcome = state.apply(
            .init(
                serviceAction: action,
                type: PersistentReservationType.exclusiveAccess.rawValue,
                reservationKey: Self.secondKey,
                serviceActionKey: preemptedKey
            ),
            from: Self.second
        )
        #expect(outcome.status == .good)
        #expect(state.reservation == PersistentReservation(type: .exclusiveAccess, holder: Self.second))
        #expect(state.generation == generation + 1)
        let preempted = Set(outcome.notices.filter { $0.code == .registrationsPreempted }.map(\.registration.nexus))
        let released = Set(outcome.notices.filter { $0.code == .reservationsReleased }.map(\.registration.nexus))
        if type.isAllRegistrants {
            #expect(preempted == [Self.first, Self.third])
            #expect(state.registrations.map(\.nexus) == [Self.second])
        } else {
            #expect(preempted == [Self.first])
            #expect(state.registrations.map(\.nexus) == [Self.second, Self.third])
            #expect(released == (type == .exclusiveAccess ? [] : [Self.third]))
        }
    }

    @Test(arguments: PersistentReservationType.allCases)
    func preemptOfAnotherKeyRemovesOnlyRegistrations(_ type: PersistentReservationType) {
        var state = Self.reserved(type, third: true)
        let outcome = state.apply(
            .init(
                serviceAction: .preempt,
                type: type.rawValue,
                reservationKey: Self.secondKey,
                serviceActionKey: Self.thirdKey
            ),
            from: Self.second
        )
        #expect(outcome.status == .good)
        #expect(state.reservation?.type == type)
        #expect(state.registration(for: Self.third) == nil)
        #expect(outcome.notices.map(\.registration.nexus) == [Self.third])
        // A key nobody holds conflicts; a zero key without a reservation to preempt is invalid.
        let unknown = state.apply(
            .init(
                serviceAction: .preempt,
                type: type.rawValue,
                reservationKey: Self.secondKey,
                serviceActionKey: 0xDEAD
            ),
            from: Self.second
        )
        #expect(unknown.status == .reservationConflict)
    }

    @Test(arguments: PersistentReservationType.allCases)
    func preemptAndAbortNamesThePreemptedNexusesTasks(_ type: PersistentReservationType) {
        var state = Self.reserved(type, third: true)
        var preempt = state
        let request = PersistentReserveOutRequest(
            serviceAction: .preemptAndAbort,
            type: type.rawValue,
            reservationKey: Self.secondKey,
            serviceActionKey: type.isAllRegistrants ? 0 : Self.firstKey
        )
        let outcome = state.apply(request, from: Self.second)
        #expect(outcome.status == .good)
        let tasks = outcome.preemptedTasks
        #expect(tasks?.preemptingNexus == Self.second)
        #expect(tasks?.includes(Self.first) == true)
        #expect(tasks?.includes(Self.second) == false)
        #expect(tasks?.includes(Self.third) == type.isAllRegistrants)
        // The completion carries them to the transport; PREEMPT aborts nothing.
        #expect(outcome.completion.preemptedTasks == outcome.preemptedTasks)
        var plain = request
        plain.serviceAction = .preempt
        #expect(preempt.apply(plain, from: Self.second).preemptedTasks == nil)
    }

    @Test func preemptAndAbortOfRegistrationsOnly() {
        var state = Self.reserved(.writeExclusive, third: true)
        let outcome = state.apply(
            .init(
                serviceAction: .preemptAndAbort,
                type: PersistentReservationType.writeExclusive.rawValue,
                reservationKey: Self.secondKey,
                serviceActionKey: Self.thirdKey
            ),
            from: Self.second
        )
        #expect(outcome.status == .good)
        #expect(state.reservation == PersistentReservation(type: .writeExclusive, holder: Self.first))
        #expect(outcome.preemptedTasks?.registrations.map(\.nexus) == [Self.third])
        #expect(outcome.preemptedTasks?.includes(Self.first) == false)
        #expect(outcome.preemptedTasks?.includes(Self.third) == true)
        // A conflict aborts nothing.
        let conflict = state.apply(
            .init(serviceAction: .preemptAndAbort, reservationKey: Self.thirdKey, serviceActionKey: Self.firstKey),
            from: Self.third
        )
        #expect(conflict.status == .reservationConflict)
        #expect(conflict.preemptedTasks == nil)
    }

    @Test func preemptedTasksFollowAllTargetPortsRegistrations() {
        let otherPort = NexusIdentifier(initiatorPortName: Self.first.initiatorPortName, relativeTargetPortID: 2)
        let tasks = PreemptedTasks(
            registrations: [.init(nexus: Self.first, key: Self.firstKey, allTargetPorts: true)],
            preemptingNexus: Self.second
        )
        #expect(tasks.includes(otherPort))
        let onePort = PreemptedTasks(
            registrations: [.init(nexus: Self.first, key: Self.firstKey)],
            preemptingNexus: Self.second
        )
        #expect(!onePort.includes(otherPort))
        // The preempting nexus keeps its tasks even when its own key was among those preempted.
        let own = PreemptedTasks(registrations: [.init(nexus: Self.second, key: 1)], preemptingNexus: Self.second)
        #expect(!own.includes(Self.second))
    }

    @Test func preemptWithoutReservationNeedsAKey() {
        var state = PersistentReservationState()
        _ = state.apply(.init(serviceAction: .register, serviceActionKey: 1), from: Self.first)
        _ = state.apply(.init(serviceAction: .register, serviceActionKey: 2), from: Self.second)
        let zero = state.apply(.init(serviceAction: .preempt, reservationKey: 1), from: Self.first)
        #expect(zero.status == .checkCondition(.illegalRequest(.invalidFieldInParameterList)))
        let outcome = state.apply(
            .init(serviceAction: .preempt, reservationKey: 1, serviceActionKey: 2),
            from: Self.first
        )
        #expect(outcome.status == .good)
        #expect(state.registrations.map(\.nexus) == [Self.first])
        #expect(
            outcome.notices == [.init(code: .registrationsPreempted, registration: .init(nexus: Self.second, key: 2))]
        )
    }

    @Test(arguments: PersistentReservationType.allCases)
    func registerAndMove(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        let move = PersistentReserveOutRequest(
            serviceAction: .registerAndMove,
            reservationKey: Self.firstKey,
            serviceActionKey: 0x1234,
            move: .init(destination: Self.third, unregisterSource: true)
        )
        let outcome = state.apply(move, from: Self.first)
        if type.isAllRegistrants {
            #expect(outcome.status == .reservationConflict)
            return
        }
        #expect(outcome.status == .good)
        #expect(state.reservation == PersistentReservation(type: type, holder: Self.third))
        #expect(state.registration(for: Self.third)?.key == 0x1234)
        #expect(state.registration(for: Self.first) == nil)
        // Only the holder may move.
        var other = Self.reserved(type)
        var fromSecond = move
        fromSecond.reservationKey = Self.secondKey
        let result13 = other.apply(fromSecond, from: Self.second)
        #expect(result13.status == .reservationConflict)
    }

    @Test func registerAndMoveToItselfOrWithAZeroKeyIsInvalid() {
        var state = Self.reserved(.writeExclusive)
        var move = PersistentReserveOutRequest(
            serviceAction: .registerAndMove,
            reservationKey: Self.firstKey,
            serviceActionKey: 1,
            move: .init(destination: Self.first, unregisterSource: false)
        )
        let result14 = state.apply(move, from: Self.first)
        #expect(result14.status == .checkCondition(.illegalRequest(.invalidFieldInParameterList)))
        move.move = .init(destination: Self.third, unregisterSource: false)
        move.serviceActionKey = 0
        let result15 = state.apply(move, from: Self.first)
        #expect(result15.status == .checkCondition(.illegalRequest(.invalidFieldInParameterList)))
    }

    // MARK: - SPC-2 RESERVE / RELEASE

    @Test func legacyReservationBetweenTwoInitiators() {
        var state = PersistentReservationState()
        let result16 = state.reserveLegacy(from: Self.first)
        #expect(result16)
        let result17 = state.reserveLegacy(from: Self.first)
        #expect(result17)
        let result18 = state.reserveLegacy(from: Self.second)
        #expect(!result18)
        let result19 = state.releaseLegacy(from: Self.second)
        #expect(result19)  // a no-op
        #expect(state.conflicts(.registrantsOnly, from: Self.second))
        #expect(state.conflicts(.allowedUnderPersistentReservation, from: Self.second))
        #expect(state.conflicts(.persistentReserveOut, from: Self.second))
        #expect(!state.conflicts(.unrestricted, from: Self.second))
        #expect(!state.conflicts(.write, from: Self.first))
        let result20 = state.apply(.init(serviceAction: .register, serviceActionKey: 1), from: Self.second)
        #expect(result20 == .reservationConflict)
        let result21 = state.releaseLegacy(from: Self.first)
        #expect(result21)
        let result22 = state.reserveLegacy(from: Self.second)
        #expect(result22)
        state.dropLegacyReservation(heldBy: Self.second)
        #expect(state.legacyReservationHolder == nil)
    }

    @Test func legacyReservationUnderPersistentReservations() {
        // Registrations without a reservation: every RESERVE and RELEASE conflicts.
        var state = PersistentReservationState()
        _ = state.apply(.init(serviceAction: .register, serviceActionKey: 1), from: Self.first)
        let result23 = state.reserveLegacy(from: Self.first)
        #expect(!result23)
        let result24 = state.releaseLegacy(from: Self.second)
        #expect(!result24)
        // The holder, and registrants under a registrants-only type, get GOOD without any change.
        var registrantsOnly = Self.reserved(.writeExclusiveRegistrantsOnly)
        let result25 = registrantsOnly.reserveLegacy(from: Self.first)
        #expect(result25)
        let result26 = registrantsOnly.reserveLegacy(from: Self.second)
        #expect(result26)
        let result27 = registrantsOnly.reserveLegacy(from: Self.third)
        #expect(!result27)
        #expect(registrantsOnly.legacyReservationHolder == nil)
        var exclusive = Self.reserved(.exclusiveAccess)
        let result28 = exclusive.reserveLegacy(from: Self.second)
        #expect(!result28)
        let result29 = exclusive.releaseLegacy(from: Self.first)
        #expect(result29)
        #expect(exclusive.reservation != nil)
    }

    // MARK: - Storage

    @Test(arguments: PersistentReservationType.allCases)
    func storedTextRoundTrips(_ type: PersistentReservationType) {
        var state = Self.reserved(type)
        _ = state.apply(
            .init(
                serviceAction: .registerAndIgnoreExistingKey,
                serviceActionKey: UInt64.max,
                allTargetPorts: true,
                activatePersistThroughPowerLoss: true
            ),
            from: Self.third
        )
        let restored = PersistentReservationState(storedText: state.storedText)
        #expect(restored == state)
    }

    @Test func storedTextRejectsDamage() {
        let state = Self.reserved(.exclusiveAccess)
        let text = state.storedText
        #expect(PersistentReservationState(storedText: "") == nil)
        #expect(PersistentReservationState(storedText: text.replacingOccurrences("generation", "gen")) == nil)
        #expect(PersistentReservationState(storedText: text + "reservation 42 1 x\n") == nil)
        let withoutHolder = text.split(separator: "\n").filter {
            !$0.contains(":one,") || !$0.hasPrefix("registration")
        }
        #expect(PersistentReservationState(storedText: withoutHolder.joined(separator: "\n")) == nil)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
