/// A registration: an I_T nexus and the reservation key it registered (SPC-4 §5.13.7).
public struct PersistentReservationRegistration: Sendable, Hashable {
    /// The I_T nexus that registered.
    public var nexus: NexusIdentifier
    /// The reservation key.
    public var key: UInt64
    /// Registered with ALL_TG_PT: the key stands for the initiator port through every target port.
    public var allTargetPorts: Bool

    public init(nexus: NexusIdentifier, key: UInt64, allTargetPorts: Bool = false) {
        self.nexus = nexus
        self.key = key
        self.allTargetPorts = allTargetPorts
    }

    /// Whether commands arriving through `nexus` act under this registration: the same initiator port (or any port
    /// of the initiator device a format 00b TransportID registered) through the same target port, or any target
    /// port with ALL_TG_PT.
    public func covers(_ nexus: NexusIdentifier) -> Bool {
        guard self.allTargetPorts || self.nexus.relativeTargetPortID == nexus.relativeTargetPortID else {
            return false
        }
        return self.nexus.initiatorPortName == nexus.initiatorPortName
            || (self.nexus.namesInitiatorDevice && nexus.initiatorName == self.nexus.initiatorPortName)
    }

    /// Whether this registration and `other` cover a common I_T nexus.
    func overlaps(_ other: Self) -> Bool {
        let portsMeet =
            self.allTargetPorts || other.allTargetPorts
            || self.nexus.relativeTargetPortID == other.nexus.relativeTargetPortID
        let initiatorsMeet =
            self.nexus.initiatorPortName == other.nexus.initiatorPortName
            || ((self.nexus.namesInitiatorDevice || other.nexus.namesInitiatorDevice)
                && self.nexus.initiatorName == other.nexus.initiatorName)
        return portsMeet && initiatorsMeet
    }
}

/// A persistent reservation: its type and the registration that holds it (every registration, for the
/// all-registrants types).
public struct PersistentReservation: Sendable, Hashable {
    public var type: PersistentReservationType
    /// The nexus of the holding registration; meaningless for the all-registrants types.
    public var holder: NexusIdentifier

    public init(type: PersistentReservationType, holder: NexusIdentifier) {
        self.type = type
        self.holder = holder
    }
}

/// The reservation state of one logical unit: persistent reservation registrations and reservation (SPC-4 §5.13)
/// and the SPC-2 RESERVE(6)/(10) reservation, with the transitions of every PERSISTENT RESERVE OUT service action.
///
/// A value type that performs no I/O: each transition returns a ``PersistentReservationOutcome`` saying how the
/// command ends, which unit attentions to establish and whether the persistent part changed (to save it when
/// APTPL is set).
public struct PersistentReservationState: Sendable, Hashable {
    /// PRGENERATION: incremented by every successful REGISTER, REGISTER AND IGNORE EXISTING KEY (that changes
    /// something), CLEAR, PREEMPT, PREEMPT AND ABORT and REGISTER AND MOVE.
    public internal(set) var generation: UInt32
    /// The registrations, in the order they were made.
    public internal(set) var registrations: [PersistentReservationRegistration]
    /// The persistent reservation, if any.
    public internal(set) var reservation: PersistentReservation?
    /// PTPL_A: the last REGISTER asked to persist through power loss (APTPL).
    public internal(set) var persistsThroughPowerLoss: Bool
    /// The I_T nexus holding an SPC-2 RESERVE(6)/(10) reservation; never persisted.
    public internal(set) var legacyReservationHolder: NexusIdentifier?

    public init(
        generation: UInt32 = 0,
        registrations: [PersistentReservationRegistration] = [],
        reservation: PersistentReservation? = nil,
        persistsThroughPowerLoss: Bool = false
    ) {
        self.generation = generation
        self.registrations = registrations
        self.reservation = reservation
        self.persistsThroughPowerLoss = persistsThroughPowerLoss
        self.legacyReservationHolder = nil
    }

    /// Whether anything restricts access: a registration or a reservation of either kind.
    public var isActive: Bool {
        !self.registrations.isEmpty || self.reservation != nil || self.legacyReservationHolder != nil
    }

    /// The registration commands from `nexus` act under, if any.
    public func registration(for nexus: NexusIdentifier) -> PersistentReservationRegistration? {
        self.registrations.first { $0.covers(nexus) }
    }

    /// Whether `nexus` holds the persistent reservation.
    public func isHolder(_ nexus: NexusIdentifier) -> Bool {
        guard let reservation = self.reservation, let registration = self.registration(for: nexus) else {
            return false
        }
        return reservation.type.isAllRegistrants || registration.nexus == reservation.holder
    }

    /// Whether `registration` holds the persistent reservation (READ FULL STATUS R_HOLDER).
    func holds(_ registration: PersistentReservationRegistration) -> Bool {
        guard let reservation = self.reservation else {
            return false
        }
        return reservation.type.isAllRegistrants || registration.nexus == reservation.holder
    }

    /// The reservation key READ RESERVATION reports: the holder's, or 0 for the all-registrants types.
    var reservationKey: UInt64 {
        guard let reservation = self.reservation, !reservation.type.isAllRegistrants else {
            return 0
        }
        return self.registrations.first { $0.nexus == reservation.holder }?.key ?? 0
    }
}

/// What a reservation transition decided.
public struct PersistentReservationOutcome: Sendable, Hashable {
    /// How the command ends.
    public enum Status: Sendable, Hashable {
        case good
        case reservationConflict
        case checkCondition(SenseData)
    }

    /// A unit attention to establish for the I_T nexuses a registration covers.
    public struct Notice: Sendable, Hashable {
        public var code: AdditionalSenseCode
        public var registration: PersistentReservationRegistration
    }

    public var status: Status
    /// Unit attentions for other I_T nexuses (RESERVATIONS RELEASED, RESERVATIONS PREEMPTED, REGISTRATIONS
    /// PREEMPTED).
    public var notices: [Notice]
    /// Whether the persistent part of the state (registrations, reservation, generation, APTPL) changed.
    public var changedPersistentState: Bool
    /// PREEMPT AND ABORT: the tasks of the preempted I_T nexuses to abort.
    public var preemptedTasks: PreemptedTasks?

    static let good = Self(status: .good, notices: [], changedPersistentState: false)
    static let changed = Self(status: .good, notices: [], changedPersistentState: true)
    static let reservationConflict = Self(status: .reservationConflict, notices: [], changedPersistentState: false)

    static func checkCondition(_ code: AdditionalSenseCode) -> Self {
        Self(status: .checkCondition(.illegalRequest(code)), notices: [], changedPersistentState: false)
    }

    /// The completion the command answers with, naming the tasks a PREEMPT AND ABORT aborts.
    public var completion: SCSICompletion {
        var completion: SCSICompletion
        switch self.status {
        case .good: completion = .good()
        case .reservationConflict: completion = SCSICompletion(status: .reservationConflict)
        case .checkCondition(let sense): completion = .checkCondition(sense)
        }
        completion.preemptedTasks = self.preemptedTasks
        return completion
    }
}
