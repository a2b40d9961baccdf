/// Persistent reservations kept in a ``SharedPersistentReservationStorage``: one logical unit served by several
/// targets (gateways) with one reservation state.
extension LogicalUnit {
    /// The reservation storage, when other targets share it.
    var sharedReservationStorage: (any SharedPersistentReservationStorage)? {
        self.reservationStorage as? any SharedPersistentReservationStorage
    }

    /// Lets a shared storage push the other targets' changes into this logical unit's state.
    func observeSharedReservations() {
        self.sharedReservationStorage?.observe { [weak self] apply, notices, preempted in
            guard let self else { return }
            self.changeReservations(apply)
            for notice in notices {
                self.raiseUnitAttention(notice.code, coveredBy: notice.registration)
            }
            if let preempted, let abort = self.remotePreemptionHandler.withLock({ $0 }) {
                abort(preempted)
            }
        }
    }

    /// Has `handler` abort this target's tasks of the I_T nexuses that a PREEMPT AND ABORT sent through another
    /// target sharing the reservations preempted (the transport holds the tasks; see ``PreemptedTasks``). It runs
    /// on a thread of the shared storage, after the new state applies and before that target's command completes.
    public func onRemotePreemptAndAbort(_ handler: @escaping @Sendable (PreemptedTasks) -> Void) {
        self.remotePreemptionHandler.withLock { $0 = handler }
    }

    /// Brings the state up to date with the shared copy before PERSISTENT RESERVE IN answers from it.
    func refreshSharedReservations() {
        guard let storage = self.sharedReservationStorage else {
            return
        }
        self.changeReservations { storage.refresh(&$0) }
    }

    /// Applies a PERSISTENT RESERVE OUT `request` from `nexus` to the shared state, then tells the other targets
    /// about it and its unit attentions (outside the reservation lock, so that two targets announcing at once do
    /// not wait for each other).
    ///
    /// - Returns: the outcome; HARDWARE ERROR / INTERNAL TARGET FAILURE when the shared copy could not be read or
    ///   written, and nothing changed.
    func applySharedReservationChange(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier,
        storage: any SharedPersistentReservationStorage
    ) -> PersistentReservationOutcome {
        let outcome = self.changeReservations { state in
            storage.update(&state) { state in
                let outcome = state.apply(request, from: nexus)
                return (outcome, outcome.changedPersistentState)
            }
        }
        guard let outcome else {
            return PersistentReservationOutcome(
                status: .checkCondition(SenseData(key: .hardwareError, code: .internalTargetFailure)),
                notices: [],
                changedPersistentState: false
            )
        }
        if outcome.changedPersistentState {
            storage.announce(outcome.notices, preempted: outcome.preemptedTasks)
        }
        return outcome
    }
}
