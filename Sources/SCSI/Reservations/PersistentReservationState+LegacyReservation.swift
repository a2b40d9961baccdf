extension PersistentReservationState {
    /// RESERVE(6)/(10) from `nexus` (SPC-2 §7.21, with the SPC-4 §5.13.3 exceptions while persistent reservations
    /// exist): true when it completes with GOOD, false for RESERVATION CONFLICT.
    public mutating func reserveLegacy(from nexus: NexusIdentifier) -> Bool {
        if let decision = self.legacyCommandUnderPersistentReservations(from: nexus) {
            return decision
        }
        if let holder = self.legacyReservationHolder, holder != nexus {
            return false
        }
        self.legacyReservationHolder = nexus
        return true
    }

    /// RELEASE(6)/(10) from `nexus`: true when it completes with GOOD (releasing a reservation it holds, or doing
    /// nothing), false for RESERVATION CONFLICT.
    public mutating func releaseLegacy(from nexus: NexusIdentifier) -> Bool {
        if let decision = self.legacyCommandUnderPersistentReservations(from: nexus) {
            return decision
        }
        if self.legacyReservationHolder == nexus {
            self.legacyReservationHolder = nil
        }
        return true
    }

    /// Releases the SPC-2 reservation whoever holds it (LOGICAL UNIT RESET) or when `nexus` is lost and holds it.
    mutating func dropLegacyReservation(heldBy nexus: NexusIdentifier? = nil) {
        if nexus == nil || self.legacyReservationHolder == nexus {
            self.legacyReservationHolder = nil
        }
    }

    /// SPC-4 §5.13.3: while registrations exist, RESERVE and RELEASE complete with GOOD and change nothing for the
    /// reservation holder and for registrants under a registrants-only type, and conflict for everyone else. Nil
    /// when no registration exists and SPC-2 rules apply.
    private func legacyCommandUnderPersistentReservations(from nexus: NexusIdentifier) -> Bool? {
        guard !self.registrations.isEmpty else {
            return nil
        }
        guard let reservation = self.reservation, self.registration(for: nexus) != nil else {
            return false
        }
        return self.isHolder(nexus) || reservation.type.admitsRegistrants
    }
}
