/// The tasks a PREEMPT AND ABORT aborts (SPC-4 §5.13.11.2.6): on the logical unit, every task received through an
/// I_T nexus that a preempted registration covers, except through the I_T nexus the PERSISTENT RESERVE OUT came
/// through.
///
/// The reservation state machine names them; the transport, which holds the tasks, aborts them the way it carries
/// out CLEAR TASK SET for other sessions: silently, or with TASK ABORTED status when the control mode page's TAS
/// bit is set (``LogicalUnit/reportsTaskAbortedStatus``).
public struct PreemptedTasks: Sendable, Hashable {
    /// The registrations the command removed.
    public var registrations: [PersistentReservationRegistration]
    /// The I_T nexus that sent PREEMPT AND ABORT: its own tasks go on.
    public var preemptingNexus: NexusIdentifier

    public init(registrations: [PersistentReservationRegistration], preemptingNexus: NexusIdentifier) {
        self.registrations = registrations
        self.preemptingNexus = preemptingNexus
    }

    /// Whether the tasks received through `nexus` are aborted.
    public func includes(_ nexus: NexusIdentifier) -> Bool {
        nexus != self.preemptingNexus && self.registrations.contains { $0.covers(nexus) }
    }
}

extension PreemptedTasks {
    /// The preempted tasks as lines of text, for announcing them to other targets: the preempting I_T nexus
    /// (`preempted-by PORT NAME`), then each preempted registration (`preempted KEY PORT ALL_TG_PT NAME`, the key
    /// in hex).
    public var storedLines: [String] {
        ["preempted-by \(self.preemptingNexus.relativeTargetPortID) \(self.preemptingNexus.initiatorPortName)"]
            + self.registrations.map { registration in
                "preempted \(String(registration.key, radix: 16)) \(registration.nexus.relativeTargetPortID) "
                    + "\(registration.allTargetPorts ? 1 : 0) \(registration.nexus.initiatorPortName)"
            }
    }

    /// Decodes the ``storedLines`` among `lines`, ignoring the others; nil when there is no `preempted-by` line.
    public init?(storedLines lines: some Sequence<some StringProtocol>) {
        var preemptingNexus: NexusIdentifier?
        var registrations: [PersistentReservationRegistration] = []
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            switch fields.first {
            case "preempted-by":
                let nexusFields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                guard nexusFields.count == 3, let port = UInt16(nexusFields[1]) else { return nil }
                preemptingNexus = NexusIdentifier(initiatorPortName: String(nexusFields[2]), relativeTargetPortID: port)
            case "preempted":
                guard fields.count == 5, let key = UInt64(fields[1], radix: 16), let port = UInt16(fields[2]) else {
                    return nil
                }
                let nexus = NexusIdentifier(initiatorPortName: String(fields[4]), relativeTargetPortID: port)
                registrations.append(.init(nexus: nexus, key: key, allTargetPorts: fields[3] == "1"))
            default:
                continue
            }
        }
        guard let preemptingNexus else {
            return nil
        }
        self.init(registrations: registrations, preemptingNexus: preemptingNexus)
    }
}
