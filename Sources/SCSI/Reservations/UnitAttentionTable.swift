/// The unit attention conditions pending for the I_T nexuses of one logical unit (SAM-5 §5.14).
///
/// A plain value: ``LogicalUnit`` keeps it behind a lock and touches it only when something happened (a reset,
/// a reservation change, a resize) or when a nexus first meets the logical unit.
struct UnitAttentionTable: Sendable, Hashable {
    /// The I_T nexuses that have sent the logical unit a command since they were formed: the ones a condition
    /// "for every I_T nexus" reaches.
    private(set) var contacts: Set<NexusIdentifier> = []
    /// The pending conditions of each nexus, oldest first.
    private var pending: [NexusIdentifier: [AdditionalSenseCode]] = [:]

    /// Records that `nexus` sent a command.
    mutating func noteContact(_ nexus: NexusIdentifier) {
        self.contacts.insert(nexus)
    }

    /// Forgets `nexus` and its pending conditions after the I_T nexus was lost (logout, dropped connection): a
    /// later login starts afresh, even with the same ISID.
    mutating func noteLoss(_ nexus: NexusIdentifier) {
        self.contacts.remove(nexus)
        self.pending[nexus] = nil
    }

    /// Establishes `code` for `nexus`. A reset condition supersedes every other pending one; a condition already
    /// pending is not queued twice.
    mutating func raise(_ code: AdditionalSenseCode, for nexus: NexusIdentifier) {
        var queue = self.pending[nexus] ?? []
        if code.isReset {
            queue.removeAll()
        } else if queue.contains(code) {
            return
        }
        queue.append(code)
        self.pending[nexus] = queue
    }

    /// Establishes `code` for every nexus in contact that `recipient` accepts.
    mutating func raise(_ code: AdditionalSenseCode, where recipient: (NexusIdentifier) -> Bool) {
        for nexus in self.contacts where recipient(nexus) {
            self.raise(code, for: nexus)
        }
    }

    /// The highest priority condition pending for `nexus`, removed: a reset first, then the others in the order
    /// they happened.
    mutating func take(for nexus: NexusIdentifier) -> AdditionalSenseCode? {
        guard var queue = self.pending[nexus], !queue.isEmpty else {
            return nil
        }
        let index = queue.firstIndex { $0.isReset } ?? queue.startIndex
        let code = queue.remove(at: index)
        self.pending[nexus] = queue.isEmpty ? nil : queue
        return code
    }

    /// Removes `code` from the conditions pending for `nexus` (REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED).
    mutating func clear(_ code: AdditionalSenseCode, for nexus: NexusIdentifier) {
        guard var queue = self.pending[nexus] else {
            return
        }
        queue.removeAll { $0 == code }
        self.pending[nexus] = queue.isEmpty ? nil : queue
    }

    /// The conditions pending for `nexus`, in the order ``take(for:)`` would report them after the first.
    func pendingConditions(for nexus: NexusIdentifier) -> [AdditionalSenseCode] {
        self.pending[nexus] ?? []
    }
}
