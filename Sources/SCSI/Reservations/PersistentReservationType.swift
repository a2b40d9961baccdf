/// The TYPE of a persistent reservation (SPC-4 §6.15.2, Table 169): who may read and write while it is held.
public enum PersistentReservationType: UInt8, Sendable, Hashable, CaseIterable {
    /// Only the holder may write; everyone may read.
    case writeExclusive = 0x1
    /// Only the holder may read or write.
    case exclusiveAccess = 0x3
    /// Only registrants may write; the holder is the nexus that reserved.
    case writeExclusiveRegistrantsOnly = 0x5
    /// Only registrants may read or write; the holder is the nexus that reserved.
    case exclusiveAccessRegistrantsOnly = 0x6
    /// Only registrants may write; every registrant is a holder.
    case writeExclusiveAllRegistrants = 0x7
    /// Only registrants may read or write; every registrant is a holder.
    case exclusiveAccessAllRegistrants = 0x8

    /// Whether every registered I_T nexus holds the reservation (the "all registrants" types).
    public var isAllRegistrants: Bool {
        self == .writeExclusiveAllRegistrants || self == .exclusiveAccessAllRegistrants
    }

    /// Whether registered I_T nexuses that do not hold the reservation may still access the medium
    /// (the "registrants only" and "all registrants" types).
    var admitsRegistrants: Bool {
        switch self {
        case .writeExclusive, .exclusiveAccess: false
        default: true
        }
    }

    /// Whether I_T nexuses that do not hold the reservation may read when they are not registered.
    var admitsUnregisteredReads: Bool {
        switch self {
        case .writeExclusive, .writeExclusiveRegistrantsOnly, .writeExclusiveAllRegistrants: true
        default: false
        }
    }

    /// Whether releasing the reservation tells the other registrants (RESERVATIONS RELEASED, SPC-4 §5.13.11.2):
    /// true for the registrants-only and all-registrants types.
    var reportsRelease: Bool {
        self.admitsRegistrants
    }
}
