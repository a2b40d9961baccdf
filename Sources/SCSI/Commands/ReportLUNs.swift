/// REPORT LUNS (SPC-4 §6.33): the LUN inventory of the SCSI device.
public struct ReportLUNs: Sendable, Hashable {
    public static let operationCode: UInt8 = 0xA0

    /// Which logical units to list.
    public enum SelectReport: UInt8, Sendable, Hashable {
        /// Logical units with their addressing method (all of ours).
        case logicalUnits = 0x00
        /// Well-known logical units only (we have none).
        case wellKnownLogicalUnits = 0x01
        /// All logical units.
        case allLogicalUnits = 0x02
    }

    public var selectReport: SelectReport
    public var allocationLength: UInt32

    /// Decodes the CDB: an unknown SELECT REPORT, or an allocation length below 16 (SPC-4 requires at least
    /// 16), is INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard let selectReport = SelectReport(rawValue: cdb[2]) else {
            throw .invalidFieldInCDB
        }
        self.selectReport = selectReport
        self.allocationLength = cdb.uint32(at: 6)
        guard self.allocationLength >= 16 else {
            throw .invalidFieldInCDB
        }
    }

    /// The LUN list: an 8-byte header (list length, reserved) and one 8-byte LUN field per id.
    func data(luns: [UInt16]) -> [UInt8] {
        let listed = self.selectReport == .wellKnownLogicalUnits ? [] : luns
        var data = UInt32(listed.count * 8).bigEndianBytes + [0, 0, 0, 0]
        for lun in listed {
            data += LogicalUnitAddress.encode(lun).bigEndianBytes
        }
        return data
    }
}
