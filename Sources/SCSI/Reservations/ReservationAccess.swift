/// How a command is treated while a reservation is held by another I_T nexus (SPC-4 §5.13.1 Table 66 and
/// SBC-3 Table 13 for persistent reservations, SPC-2 §5.5.1 for RESERVE(6)/(10)).
public enum ReservationAccess: Sendable, Hashable {
    /// Runs whatever is reserved: INQUIRY, REPORT LUNS, REQUEST SENSE.
    case unrestricted
    /// Runs under a persistent reservation, conflicts with an SPC-2 reservation of another nexus: TEST UNIT READY,
    /// READ CAPACITY, PERSISTENT RESERVE IN, START STOP UNIT and the like.
    case allowedUnderPersistentReservation
    /// Reads the medium: conflicts under the exclusive-access types unless registered (registrants-only and
    /// all-registrants types).
    case read
    /// Changes the medium: conflicts unless registered under the registrants-only and all-registrants types.
    case write
    /// MODE SENSE, MODE SELECT, LOG SELECT: conflict only for an unregistered nexus.
    case registrantsOnly
    /// PERSISTENT RESERVE OUT: the service action decides (``PersistentReservationState/apply(_:from:)``).
    case persistentReserveOut
    /// RESERVE(6)/(10) and RELEASE(6)/(10): decided when they run.
    case legacyReservation
}

extension PersistentReservationState {
    /// Whether a command with `access` from `nexus` gets RESERVATION CONFLICT instead of running.
    public func conflicts(_ access: ReservationAccess, from nexus: NexusIdentifier) -> Bool {
        if let holder = self.legacyReservationHolder, holder != nexus {
            return !(access == .unrestricted || access == .legacyReservation)
        }
        guard let reservation = self.reservation, !self.isHolder(nexus) else {
            return false
        }
        let registered = self.registration(for: nexus) != nil
        switch access {
        case .unrestricted, .allowedUnderPersistentReservation, .persistentReserveOut, .legacyReservation:
            return false
        case .registrantsOnly:
            return !registered
        case .read:
            return !(reservation.type.admitsUnregisteredReads || (registered && reservation.type.admitsRegistrants))
        case .write:
            return !(registered && reservation.type.admitsRegistrants)
        }
    }
}
