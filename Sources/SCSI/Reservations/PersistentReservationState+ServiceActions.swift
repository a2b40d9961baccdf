extension PersistentReservationState {
    /// Applies one PERSISTENT RESERVE OUT service action received through `nexus` (SPC-4 §5.13.7–§5.13.12).
    public mutating func apply(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        // An SPC-2 reservation held by another I_T nexus refuses every PERSISTENT RESERVE OUT.
        if let holder = self.legacyReservationHolder, holder != nexus {
            return .reservationConflict
        }
        switch request.serviceAction {
        case .register, .registerAndIgnoreExistingKey:
            return self.register(request, from: nexus)
        case .reserve:
            return self.reserve(request, from: nexus)
        case .release:
            return self.release(request, from: nexus)
        case .clear:
            return self.clear(request, from: nexus)
        case .preempt, .preemptAndAbort:
            return self.preempt(request, from: nexus)
        case .registerAndMove:
            return self.registerAndMove(request, from: nexus)
        }
    }

    /// The registration of `nexus` when `reservationKey` matches its key; nil means RESERVATION CONFLICT.
    private func registration(
        for nexus: NexusIdentifier,
        matching reservationKey: UInt64
    ) -> PersistentReservationRegistration? {
        guard let registration = self.registration(for: nexus), registration.key == reservationKey else {
            return nil
        }
        return registration
    }

    /// REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-4 §5.13.7): register, change or remove a key.
    ///
    /// With SPEC_I_PT an unregistered I_T nexus also registers the initiators its TransportIDs name (they need not
    /// have logged in yet); one of them already registered is RESERVATION CONFLICT and registers nothing. A
    /// registered I_T nexus may not use SPEC_I_PT: INVALID FIELD IN CDB.
    private mutating func register(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        let checksKey = request.serviceAction == .register
        guard let index = self.registrations.firstIndex(where: { $0.covers(nexus) }) else {
            if checksKey && request.reservationKey != 0 {
                return .reservationConflict
            }
            guard request.serviceActionKey != 0 else {
                return .good
            }
            let own = PersistentReservationRegistration(
                nexus: nexus,
                key: request.serviceActionKey,
                allTargetPorts: request.allTargetPorts
            )
            var added = [own]
            for name in request.specifiedInitiators ?? [] {
                let specified = PersistentReservationRegistration(
                    nexus: NexusIdentifier(initiatorPortName: name, relativeTargetPortID: nexus.relativeTargetPortID),
                    key: request.serviceActionKey,
                    allTargetPorts: request.allTargetPorts
                )
                if self.registrations.contains(where: { $0.overlaps(specified) }) {
                    return .reservationConflict
                }
                // The nexus that sent the command, or an initiator named twice, is registered once.
                if !added.contains(where: { $0.overlaps(specified) }) {
                    added.append(specified)
                }
            }
            self.registrations += added
            self.generation &+= 1
            self.persistsThroughPowerLoss = request.activatePersistThroughPowerLoss
            return .changed
        }
        if checksKey && request.reservationKey != self.registrations[index].key {
            return .reservationConflict
        }
        guard request.specifiedInitiators == nil else {
            return .checkCondition(.invalidFieldInCDB)
        }
        var outcome = PersistentReservationOutcome.changed
        if request.serviceActionKey == 0 {
            outcome.notices = self.unregister(at: index)
        } else {
            self.registrations[index].key = request.serviceActionKey
        }
        self.generation &+= 1
        self.persistsThroughPowerLoss = request.activatePersistThroughPowerLoss
        return outcome
    }

    /// Removes the registration at `index`, and the reservation it held (SPC-4 §5.13.11.2.1): the last
    /// registrant of an all-registrants reservation takes it along; the holder of a registrants-only reservation
    /// releases it and the other registrants learn RESERVATIONS RELEASED.
    private mutating func unregister(at index: Int) -> [PersistentReservationOutcome.Notice] {
        let removed = self.registrations.remove(at: index)
        guard let reservation = self.reservation else {
            return []
        }
        if reservation.type.isAllRegistrants {
            if self.registrations.isEmpty {
                self.reservation = nil
            }
            return []
        }
        guard reservation.holder == removed.nexus else {
            return []
        }
        self.reservation = nil
        guard reservation.type.reportsRelease else {
            return []
        }
        return self.registrations.map { .init(code: .reservationsReleased, registration: $0) }
    }

    /// RESERVE (SPC-4 §5.13.9).
    private mutating func reserve(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        guard let registration = self.registration(for: nexus, matching: request.reservationKey) else {
            return .reservationConflict
        }
        guard request.scope == PersistentReserveOut.logicalUnitScope,
            let type = PersistentReservationType(rawValue: request.type)
        else {
            return .checkCondition(.invalidFieldInCDB)
        }
        if let reservation = self.reservation {
            return self.isHolder(nexus) && reservation.type == type ? .good : .reservationConflict
        }
        self.reservation = PersistentReservation(type: type, holder: registration.nexus)
        return .changed
    }

    /// RELEASE (SPC-4 §5.13.11.2).
    private mutating func release(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        guard self.registration(for: nexus, matching: request.reservationKey) != nil else {
            return .reservationConflict
        }
        guard let reservation = self.reservation, self.isHolder(nexus) else {
            return .good
        }
        guard request.scope == PersistentReserveOut.logicalUnitScope, request.type == reservation.type.rawValue
        else {
            return .checkCondition(.invalidReleaseOfPersistentReservation)
        }
        self.reservation = nil
        var outcome = PersistentReservationOutcome.changed
        if reservation.type.reportsRelease {
            outcome.notices = self.registrations.filter { !$0.covers(nexus) }.map {
                .init(code: .reservationsReleased, registration: $0)
            }
        }
        return outcome
    }

    /// CLEAR (SPC-4 §5.13.11.3): removes the reservation and every registration.
    private mutating func clear(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        guard self.registration(for: nexus, matching: request.reservationKey) != nil else {
            return .reservationConflict
        }
        var outcome = PersistentReservationOutcome.changed
        outcome.notices = self.registrations.filter { !$0.covers(nexus) }.map {
            .init(code: .reservationsPreempted, registration: $0)
        }
        self.registrations.removeAll()
        self.reservation = nil
        self.generation &+= 1
        return outcome
    }

    /// PREEMPT and PREEMPT AND ABORT (SPC-4 §5.13.11.4): removes the registrations holding the service action
    /// reservation key and, when that key identifies the reservation, takes the reservation over. PREEMPT AND
    /// ABORT also names the preempted I_T nexuses' tasks for the transport to abort (§5.13.11.2.6).
    private mutating func preempt(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        guard let own = self.registration(for: nexus, matching: request.reservationKey) else {
            return .reservationConflict
        }
        let preemptsReservation: Bool
        if let reservation = self.reservation {
            preemptsReservation =
                reservation.type.isAllRegistrants
                ? request.serviceActionKey == 0 : request.serviceActionKey == self.reservationKey
        } else {
            preemptsReservation = false
        }
        guard preemptsReservation, let previous = self.reservation else {
            return self.removeRegistrations(
                keyed: request.serviceActionKey,
                preemptedBy: nexus,
                abortingTasks: request.serviceAction == .preemptAndAbort
            )
        }
        guard request.scope == PersistentReserveOut.logicalUnitScope,
            let type = PersistentReservationType(rawValue: request.type)
        else {
            return .checkCondition(.invalidFieldInCDB)
        }
        let preempted = self.registrations.filter {
            !$0.covers(nexus) && (previous.type.isAllRegistrants || $0.key == request.serviceActionKey)
        }
        self.registrations.removeAll { preempted.contains($0) }
        self.reservation = PersistentReservation(type: type, holder: own.nexus)
        self.generation &+= 1
        var outcome = PersistentReservationOutcome.changed
        outcome.notices = preempted.map { .init(code: .registrationsPreempted, registration: $0) }
        if type != previous.type {
            outcome.notices += self.registrations.filter { !$0.covers(nexus) }.map {
                .init(code: .reservationsReleased, registration: $0)
            }
        }
        if request.serviceAction == .preemptAndAbort {
            outcome.preemptedTasks = PreemptedTasks(registrations: preempted, preemptingNexus: nexus)
        }
        return outcome
    }

    /// PREEMPT of registrations only: every registration with `key` goes (SPC-4 §5.13.11.4.3); none is
    /// RESERVATION CONFLICT, a zero key INVALID FIELD IN PARAMETER LIST. With `abortingTasks` (PREEMPT AND ABORT)
    /// the outcome names the preempted nexuses' tasks.
    private mutating func removeRegistrations(
        keyed key: UInt64,
        preemptedBy nexus: NexusIdentifier,
        abortingTasks: Bool
    ) -> PersistentReservationOutcome {
        guard key != 0 else {
            return .checkCondition(.invalidFieldInParameterList)
        }
        let preempted = self.registrations.filter { $0.key == key }
        guard !preempted.isEmpty else {
            return .reservationConflict
        }
        self.registrations.removeAll { $0.key == key }
        // An all-registrants reservation lasts while anyone is registered.
        if self.reservation?.type.isAllRegistrants == true && self.registrations.isEmpty {
            self.reservation = nil
        }
        self.generation &+= 1
        var outcome = PersistentReservationOutcome.changed
        outcome.notices = preempted.filter { !$0.covers(nexus) }.map {
            .init(code: .registrationsPreempted, registration: $0)
        }
        if abortingTasks {
            outcome.preemptedTasks = PreemptedTasks(registrations: preempted, preemptingNexus: nexus)
        }
        return outcome
    }

    /// REGISTER AND MOVE (SPC-4 §5.13.8): registers the destination I_T nexus with the service action key and
    /// hands it the reservation; UNREG also removes the source's registration.
    private mutating func registerAndMove(
        _ request: PersistentReserveOutRequest,
        from nexus: NexusIdentifier
    ) -> PersistentReservationOutcome {
        guard let source = self.registration(for: nexus, matching: request.reservationKey),
            let reservation = self.reservation, self.isHolder(nexus), !reservation.type.isAllRegistrants
        else {
            return .reservationConflict
        }
        guard request.serviceActionKey != 0, let move = request.move,
            move.destination.initiatorPortName != nexus.initiatorPortName
        else {
            return .checkCondition(.invalidFieldInParameterList)
        }
        let destination: PersistentReservationRegistration
        if let index = self.registrations.firstIndex(where: { $0.covers(move.destination) }) {
            self.registrations[index].key = request.serviceActionKey
            destination = self.registrations[index]
        } else {
            destination = PersistentReservationRegistration(nexus: move.destination, key: request.serviceActionKey)
            self.registrations.append(destination)
        }
        self.reservation = PersistentReservation(type: reservation.type, holder: destination.nexus)
        if move.unregisterSource {
            self.registrations.removeAll { $0 == source }
        }
        self.generation &+= 1
        self.persistsThroughPowerLoss = request.activatePersistThroughPowerLoss
        return .changed
    }
}
