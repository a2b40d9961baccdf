/// RESERVE(6)/(10) and RELEASE(6)/(10) (SPC-2 §7.21–§7.24): the reservation of a whole logical unit by one
/// I_T nexus, released by RELEASE, a LOGICAL UNIT RESET or the loss of the nexus.
public struct LegacyReservation: Sendable, Hashable {
    public static let reserve6OperationCode: UInt8 = 0x16
    public static let release6OperationCode: UInt8 = 0x17
    public static let reserve10OperationCode: UInt8 = 0x56
    public static let release10OperationCode: UInt8 = 0x57

    /// RESERVE or RELEASE.
    public var isReserve: Bool

    /// Decodes RESERVE or RELEASE (6) or (10); nil for other operation codes. Third-party reservations (3RDPTY,
    /// LONGID) and extent reservations are INVALID FIELD IN CDB.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        switch cdb.operationCode {
        case Self.reserve6OperationCode, Self.release6OperationCode:
            self.isReserve = cdb.operationCode == Self.reserve6OperationCode
            guard cdb[1] & 0x01 == 0 else {
                throw .invalidFieldInCDB
            }
        case Self.reserve10OperationCode, Self.release10OperationCode:
            self.isReserve = cdb.operationCode == Self.reserve10OperationCode
            guard cdb[1] & 0x13 == 0 else {
                throw .invalidFieldInCDB
            }
        default:
            return nil
        }
    }
}
