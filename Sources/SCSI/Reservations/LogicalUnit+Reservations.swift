import NIOCore

extension LogicalUnit {
    /// A snapshot of the reservation state (for PERSISTENT RESERVE IN, RPCs and tests).
    public var reservationState: PersistentReservationState {
        self.reservations.withLock { $0 }
    }

    /// Whether a command with `access` from `nexus` must answer RESERVATION CONFLICT. One atomic load while nothing
    /// is registered or reserved.
    func conflicts(_ access: ReservationAccess, from nexus: NexusIdentifier) -> Bool {
        guard self.reservationsActive.load(ordering: .acquiring) else {
            return false
        }
        return self.reservations.withLock { $0.conflicts(access, from: nexus) }
    }

    /// PERSISTENT RESERVE IN.
    func persistentReserveIn(_ command: PersistentReserveIn, limit: Int, into dataIn: inout ByteBuffer)
        -> SCSICompletion
    {
        self.refreshSharedReservations()
        let data = command.data(for: self.reservationState)
        return dataIn.writeDataIn(data, limit: min(limit, Int(command.allocationLength)))
    }

    /// PERSISTENT RESERVE OUT with its parameter list, received through `nexus`: applies the service action,
    /// saves the state when APTPL asks for it and establishes the unit attentions it causes.
    ///
    /// PREEMPT AND ABORT preempts like PREEMPT, and its completion names the preempted I_T nexuses' tasks
    /// (``SCSICompletion/preemptedTasks``): the transport holds them (writes waiting for data-out, deferred
    /// responses) and aborts them.
    func persistentReserveOut(
        _ command: PersistentReserveOut,
        parameters: ByteBuffer,
        from nexus: NexusIdentifier
    ) -> SCSICompletion {
        let request: PersistentReserveOutRequest
        do {
            request = try command.request(parameters: parameters)
        } catch {
            return .checkCondition(error.sense)
        }
        let outcome: PersistentReservationOutcome
        if let storage = self.sharedReservationStorage {
            outcome = self.applySharedReservationChange(request, from: nexus, storage: storage)
        } else {
            outcome = self.localReservationChange(request, from: nexus)
        }
        for notice in outcome.notices {
            self.raiseUnitAttention(notice.code, coveredBy: notice.registration)
        }
        return outcome.completion
    }

    /// Applies a PERSISTENT RESERVE OUT `request` from `nexus` to this target's state, saving it when APTPL asks.
    private func localReservationChange(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        self.changeReservations { state in
            let persisted = state.persistsThroughPowerLoss
            let outcome = state.apply(request, from: nexus)
            if outcome.changedPersistentState, let storage = self.reservationStorage {
                if state.persistsThroughPowerLoss {
                    storage.store(state)
                } else if persisted {
                    storage.store(nil)
                }
            }
            return outcome
        }
    }

    /// RESERVE or RELEASE (6)/(10) received through `nexus`.
    func reserveOrRelease(_ command: LegacyReservation, from nexus: NexusIdentifier) -> SCSICompletion {
        let granted = self.changeReservations { state in
            command.isReserve ? state.reserveLegacy(from: nexus) : state.releaseLegacy(from: nexus)
        }
        return granted ? .good() : SCSICompletion(status: .reservationConflict)
    }

    /// Runs `change` on the reservation state under its lock and republishes whether anything is reserved.
    func changeReservations<Result>(_ change: (inout PersistentReservationState) -> Result) -> Result {
        self.reservations.withLock { state in
            let result = change(&state)
            self.reservationsActive.store(state.isActive, ordering: .releasing)
            return result
        }
    }
}
