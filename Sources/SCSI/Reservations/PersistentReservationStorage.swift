/// Keeps a logical unit's persistent reservation state across restarts of the target (APTPL, SPC-4 §5.13.5).
///
/// ``LogicalUnit`` loads the saved state when it is created, and calls ``store(_:)`` after every change of the
/// persistent state while PTPL_A is set, and with nil when a REGISTER clears APTPL. Calls are serialised by the
/// logical unit's reservation lock.
public protocol PersistentReservationStorage: Sendable {
    /// The state saved by an earlier run, if any.
    func load() -> PersistentReservationState?

    /// Saves `state` durably, or forgets the saved state when `state` is nil.
    func store(_ state: PersistentReservationState?)
}

/// Persistent reservation storage that several targets serving one logical unit share, such as a RADOS object
/// beside an RBD image that several gateways export: the shared copy is the truth, and every change of it is
/// made with compare-and-swap against the other targets' changes.
///
/// The logical unit keeps a local copy for its per-command conflict checks; the storage pushes the other targets'
/// changes into it (``observe(_:)``), so ordinary commands cost nothing extra. The shared copy holds the persistent
/// part of the state whatever APTPL says (the logical unit outlives any one target); the SPC-2 reservation stays
/// local to each target.
public protocol SharedPersistentReservationStorage: PersistentReservationStorage {
    /// Brings `state` up to date with the shared copy, runs `change` on it and, when `change` reports that it
    /// changed the persistent part, saves that part if nobody changed the shared copy meanwhile; otherwise runs
    /// `change` again on the newer copy. Called under the logical unit's reservation lock.
    ///
    /// - Returns: `change`'s result, with `state` updated; nil, with `state` unchanged, when the shared copy
    ///   could not be read or written.
    func update<Result>(
        _ state: inout PersistentReservationState,
        _ change: (inout PersistentReservationState) -> (result: Result, changed: Bool)
    ) -> Result?

    /// Brings the persistent part of `state` up to date with the shared copy, if it can be read. Called under the
    /// logical unit's reservation lock.
    func refresh(_ state: inout PersistentReservationState)

    /// Tells the other targets about the change saved by ``update(_:_:)``, the unit attentions it causes
    /// (`notices`) and, for a PREEMPT AND ABORT, the tasks to abort (`preempted`), and waits (for a bounded time)
    /// until they have applied it. Called outside the logical unit's reservation lock.
    func announce(_ notices: [PersistentReservationOutcome.Notice], preempted: PreemptedTasks?)

    /// Has the storage call `handler` each time another target changed the shared copy, on a thread of its own;
    /// `handler` runs the `apply` it is given on the logical unit's state under the reservation lock, establishes
    /// the change's unit attentions (`notices`) for the I_T nexuses of this target, and aborts the `preempted`
    /// tasks of a PREEMPT AND ABORT.
    func observe(
        _ handler:
            @escaping @Sendable (
                _ apply: (inout PersistentReservationState) -> Void,
                _ notices: [PersistentReservationOutcome.Notice],
                _ preempted: PreemptedTasks?
            ) -> Void
    )
}

extension PersistentReservationOutcome.Notice {
    /// The notice as one line of text, for announcing it to other targets: the additional sense code and
    /// qualifier in hex, then the registration as ``PersistentReservationState/storedText`` writes it.
    public var storedLine: String {
        "notice \(String(self.code.code, radix: 16)) \(String(self.code.qualifier, radix: 16)) "
            + "\(String(self.registration.key, radix: 16)) \(self.registration.nexus.relativeTargetPortID) "
            + "\(self.registration.allTargetPorts ? 1 : 0) \(self.registration.nexus.initiatorPortName)"
    }

    /// Decodes ``storedLine``; nil when the line is not a notice.
    public init?(storedLine: some StringProtocol) {
        let fields = storedLine.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: false)
        guard fields.count == 7, fields[0] == "notice", let code = UInt8(fields[1], radix: 16),
            let qualifier = UInt8(fields[2], radix: 16), let key = UInt64(fields[3], radix: 16),
            let port = UInt16(fields[4])
        else {
            return nil
        }
        let nexus = NexusIdentifier(initiatorPortName: String(fields[6]), relativeTargetPortID: port)
        self.init(
            code: AdditionalSenseCode(code: code, qualifier: qualifier),
            registration: PersistentReservationRegistration(nexus: nexus, key: key, allTargetPorts: fields[5] == "1")
        )
    }
}

extension PersistentReservationState {
    /// Takes the persistent part of `other` (generation, APTPL, registrations, reservation) and keeps this state's
    /// SPC-2 reservation.
    public mutating func adoptPersistentPart(of other: PersistentReservationState) {
        self.generation = other.generation
        self.persistsThroughPowerLoss = other.persistsThroughPowerLoss
        self.registrations = other.registrations
        self.reservation = other.reservation
    }
}

extension PersistentReservationState {
    private static let header = "iscsi_tgt persistent reservations 1"

    /// The persistent part of the state as text, one fact per line: generation, APTPL, each registration (key
    /// in hex, relative target port, ALL_TG_PT, initiator port name last), the reservation. The SPC-2
    /// reservation is not part of it.
    public var storedText: String {
        var lines = [Self.header, "generation \(self.generation)", "aptpl \(self.persistsThroughPowerLoss ? 1 : 0)"]
        for registration in self.registrations {
            lines.append(
                "registration \(String(registration.key, radix: 16)) \(registration.nexus.relativeTargetPortID) "
                    + "\(registration.allTargetPorts ? 1 : 0) \(registration.nexus.initiatorPortName)"
            )
        }
        if let reservation = self.reservation {
            lines.append(
                "reservation \(reservation.type.rawValue) \(reservation.holder.relativeTargetPortID) "
                    + reservation.holder.initiatorPortName
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Decodes ``storedText``; nil when the text is not a complete, consistent state (a reservation whose holder
    /// is not registered, an unknown line).
    public init?(storedText: String) {
        let lines = storedText.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first == Substring(Self.header) else {
            return nil
        }
        self.init()
        for line in lines.dropFirst() {
            // The initiator port name comes last so that the split leaves it whole.
            let kind = line.prefix { $0 != " " }
            let fieldCount = kind == "registration" ? 5 : kind == "reservation" ? 4 : 2
            let fields = line.split(separator: " ", maxSplits: fieldCount - 1, omittingEmptySubsequences: false)
            guard fields.count == fieldCount else {
                return nil
            }
            switch kind {
            case "generation":
                guard let generation = UInt32(fields[1]) else { return nil }
                self.generation = generation
            case "aptpl":
                self.persistsThroughPowerLoss = fields[1] == "1"
            case "registration":
                guard let key = UInt64(fields[1], radix: 16), let port = UInt16(fields[2]) else { return nil }
                let nexus = NexusIdentifier(initiatorPortName: String(fields[4]), relativeTargetPortID: port)
                self.registrations.append(.init(nexus: nexus, key: key, allTargetPorts: fields[3] == "1"))
            case "reservation":
                guard let rawType = UInt8(fields[1]), let type = PersistentReservationType(rawValue: rawType),
                    let port = UInt16(fields[2])
                else { return nil }
                let holder = NexusIdentifier(initiatorPortName: String(fields[3]), relativeTargetPortID: port)
                guard type.isAllRegistrants || self.registrations.contains(where: { $0.nexus == holder }) else {
                    return nil
                }
                self.reservation = PersistentReservation(type: type, holder: holder)
            default:
                return nil
            }
        }
    }
}
