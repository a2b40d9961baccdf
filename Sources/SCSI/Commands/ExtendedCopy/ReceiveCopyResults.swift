/// RECEIVE COPY RESULTS (LID1) (SPC-4 §6.18): operation code 0x84, service actions COPY STATUS (0x00) and
/// OPERATING PARAMETERS (0x03).
public struct ReceiveCopyResults: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x84

    /// What the initiator asks for.
    public enum Request: UInt8, Sendable, Hashable {
        /// The status of the EXTENDED COPY with the given list identifier.
        case copyStatus = 0x00
        /// The copy manager's limits.
        case operatingParameters = 0x03
    }

    public var request: Request
    public var listIdentifier: UInt8
    public var allocationLength: UInt32

    /// Decodes the CDB; other service actions are INVALID FIELD IN CDB (the command table lists only these).
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard let request = Request(rawValue: cdb.serviceAction) else {
            throw .invalidFieldInCDB
        }
        self.request = request
        self.listIdentifier = cdb[2]
        self.allocationLength = cdb.uint32(at: 10)
    }

    /// The parameter data. A COPY STATUS for a list identifier whose results are not held is INVALID FIELD IN CDB.
    func data(logicalUnit: UInt16, results: HeldCopyResults) throws(SCSICheckCondition) -> [UInt8] {
        switch self.request {
        case .copyStatus:
            guard let status = results.status(logicalUnit: logicalUnit, listIdentifier: self.listIdentifier) else {
                throw .invalidFieldInCDB
            }
            return status.bytes
        case .operatingParameters:
            return Self.operatingParameters
        }
    }

    /// The OPERATING PARAMETERS data (SPC-4 table 133).
    static let operatingParameters: [UInt8] = {
        let types = CopyManagerLimits.implementedDescriptorTypes
        var data = UInt32(40 + types.count).bigEndianBytes
        data += [0x01, 0, 0, 0]  // SNLID: EXTENDED COPY without a held list identifier is supported
        data += UInt16(CopyManagerLimits.maximumTargetDescriptors).bigEndianBytes
        data += UInt16(CopyManagerLimits.maximumSegmentDescriptors).bigEndianBytes
        data += UInt32(CopyManagerLimits.maximumDescriptorListLength).bigEndianBytes
        data += CopyManagerLimits.maximumSegmentLength.bigEndianBytes
        data += UInt32(0).bigEndianBytes  // MAXIMUM INLINE DATA LENGTH
        data += UInt32(0).bigEndianBytes  // HELD DATA LIMIT
        data += UInt32(0).bigEndianBytes  // MAXIMUM STREAM DEVICE TRANSFER SIZE
        data += [0, 0] + UInt16(1).bigEndianBytes  // TOTAL CONCURRENT COPIES
        data += [1, 0, 0, 0]  // MAXIMUM CONCURRENT COPIES, granularities
        data += [0, 0, 0, UInt8(types.count)] + types
        return data
    }()
}

/// How one EXTENDED COPY ended, as COPY STATUS reports it.
struct CopyStatus: Sendable, Hashable {
    /// Whether every segment was copied.
    var succeeded: Bool
    var segmentsProcessed: UInt16
    /// Bytes written to the destinations.
    var bytesTransferred: UInt64

    /// The 12 bytes of COPY STATUS data: COPY MANAGER STATUS 1 (completed, no errors) or 2 (with errors), the
    /// transfer count in bytes (units 0), or in KiB (units 1) when bytes overflow 32 bits.
    var bytes: [UInt8] {
        let inKibibytes = self.bytesTransferred > UInt64(UInt32.max)
        let count = UInt32(truncatingIfNeeded: inKibibytes ? self.bytesTransferred / 1024 : self.bytesTransferred)
        return UInt32(8).bigEndianBytes + [self.succeeded ? 0x01 : 0x02] + self.segmentsProcessed.bigEndianBytes
            + [inKibibytes ? 0x01 : 0x00] + count.bigEndianBytes
    }
}

/// The copy results one I_T nexus holds: the status of each EXTENDED COPY sent with LIST ID USAGE 00b, by logical
/// unit and list identifier, until the nexus ends. Kept in ``SCSINexus``.
public struct HeldCopyResults: Sendable {
    private var statuses: [(logicalUnit: UInt16, listIdentifier: UInt8, status: CopyStatus)] = []

    public init() {}

    func status(logicalUnit: UInt16, listIdentifier: UInt8) -> CopyStatus? {
        self.statuses.last { $0.logicalUnit == logicalUnit && $0.listIdentifier == listIdentifier }?.status
    }

    /// Holds `status`, replacing an older one of the same list identifier and forgetting the oldest beyond the
    /// limit.
    mutating func hold(_ status: CopyStatus, logicalUnit: UInt16, listIdentifier: UInt8) {
        self.statuses.removeAll { $0.logicalUnit == logicalUnit && $0.listIdentifier == listIdentifier }
        self.statuses.append((logicalUnit, listIdentifier, status))
        if self.statuses.count > CopyManagerLimits.maximumHeldResults {
            self.statuses.removeFirst()
        }
    }
}
