extension LogicalUnit {
    /// Establishes `code` for every I_T nexus that has sent this logical unit a command, except `excluded`.
    ///
    /// The way to report a change to everyone: CAPACITY DATA HAS CHANGED after a resize, REPORTED LUNS DATA HAS
    /// CHANGED on every logical unit of a target whose LUN map changed.
    public func raiseUnitAttention(_ code: AdditionalSenseCode, except excluded: NexusIdentifier? = nil) {
        self.changeUnitAttentions { $0.raise(code) { $0 != excluded } }
    }

    /// Establishes `code` for one I_T nexus, whether or not it has sent a command yet.
    public func raiseUnitAttention(_ code: AdditionalSenseCode, for nexus: NexusIdentifier) {
        self.changeUnitAttentions { $0.raise(code, for: nexus) }
    }

    /// MODE SELECT through `nexus` changed parameters every nexus shares: the others get MODE PARAMETERS CHANGED
    /// (SPC-4 §6.11).
    public func noteModeParametersChanged(by nexus: NexusIdentifier) {
        self.raiseUnitAttention(.modeParametersChanged, except: nexus)
    }

    /// A LOGICAL UNIT RESET (or, with 29 00, a target reset): releases the SPC-2 reservation (persistent
    /// reservations survive resets) and establishes `condition` for every I_T nexus in contact, the one that
    /// asked for the reset included (SAM-5 §6.3; libiscsi's MultipathIO.Reset expects it on every path).
    public func reset(condition: AdditionalSenseCode = .busDeviceResetFunctionOccurred) {
        self.changeReservations { $0.dropLegacyReservation() }
        self.raiseUnitAttention(condition)
    }

    /// The I_T nexus `nexus` is gone (logout, connection loss): its SPC-2 reservation is released, the unit
    /// attentions pending for it are dropped and conditions for "every nexus" stop reaching it until it sends a
    /// command again.
    public func noteNexusLoss(_ nexus: NexusIdentifier) {
        self.changeReservations { $0.dropLegacyReservation(heldBy: nexus) }
        self.changeUnitAttentions { $0.noteLoss(nexus) }
    }

    /// The generation of the unit attention table: it changes whenever a condition is established or forgotten.
    var currentUnitAttentionGeneration: UInt64 {
        self.unitAttentionGeneration.load(ordering: .acquiring)
    }

    /// Records that `nexus` sent a command.
    func noteContact(_ nexus: NexusIdentifier) {
        self.unitAttentions.withLock { $0.noteContact(nexus) }
    }

    /// Takes the highest priority condition pending for `nexus` (recording the contact), and says whether more
    /// are pending.
    func takeUnitAttention(for nexus: NexusIdentifier) -> (code: AdditionalSenseCode?, morePending: Bool) {
        self.unitAttentions.withLock { table in
            table.noteContact(nexus)
            let code = table.take(for: nexus)
            return (code, !table.pendingConditions(for: nexus).isEmpty)
        }
    }

    /// Removes `code` from the conditions pending for `nexus`.
    func clearUnitAttention(_ code: AdditionalSenseCode, for nexus: NexusIdentifier) {
        self.unitAttentions.withLock { $0.clear(code, for: nexus) }
    }

    /// Establishes `code` for the I_T nexuses `registration` covers (the registering one and, with ALL_TG_PT,
    /// the initiator port through every other target port it used).
    func raiseUnitAttention(_ code: AdditionalSenseCode, coveredBy registration: PersistentReservationRegistration) {
        self.changeUnitAttentions { table in
            table.raise(code, for: registration.nexus)
            table.raise(code) { $0 != registration.nexus && registration.covers($0) }
        }
    }

    private func changeUnitAttentions(_ change: (inout UnitAttentionTable) -> Void) {
        self.unitAttentions.withLock { change(&$0) }
        self.unitAttentionGeneration.add(1, ordering: .releasing)
    }
}
