extension SCSIOperation {
    /// How the command fares while another I_T nexus holds a reservation (SPC-4 §5.13.1, SBC-3 §4.17). Commands
    /// not listed here are treated as writes: refused unless the nexus may change the medium.
    var reservationAccess: ReservationAccess {
        switch self {
        case .inquiry, .reportLUNs, .requestSense:
            .unrestricted
        case .testUnitReady, .readCapacity10, .readCapacity16, .startStopUnit, .persistentReserveIn:
            .allowedUnderPersistentReservation
        case .modeSense, .modeSelect:
            .registrantsOnly
        case .blockTransfer(let transfer) where transfer.direction == .read:
            .read
        case .persistentReserveOut:
            .persistentReserveOut
        case .legacyReservation:
            .legacyReservation
        default:
            .write
        }
    }
}
