/// REQUEST SENSE (SPC-4 §6.39): the pending sense (a unit attention), or NO SENSE.
///
/// iSCSI delivers sense data with every CHECK CONDITION (autosense), so only unit attentions can be pending.
public struct RequestSense: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x03

    public var allocationLength: UInt8

    /// Decodes the CDB; descriptor-format sense (DESC) is not supported: INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard cdb[1] & 0x01 == 0 else {
            throw .invalidFieldInCDB
        }
        self.allocationLength = cdb[4]
    }
}
