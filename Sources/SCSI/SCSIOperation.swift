/// A decoded CDB: one case per command this target implements.
public enum SCSIOperation: Sendable, Hashable {
    case testUnitReady
    case requestSense(RequestSense)
    case inquiry(Inquiry)
    case reportLUNs(ReportLUNs)
    case modeSense(ModeSense)
    case modeSelect(ModeSelect)
    case readCapacity10
    case readCapacity16(ReadCapacity16)
    case blockTransfer(BlockTransfer)
    case synchronizeCache(SynchronizeCache)
    case unmap(Unmap)
    case writeSame(WriteSame)
    case compareAndWrite(CompareAndWrite)
    case startStopUnit
    case persistentReserveIn(PersistentReserveIn)
    case persistentReserveOut(PersistentReserveOut)
    case legacyReservation(LegacyReservation)

    static let startStopUnitOperationCode: UInt8 = 0x1B

    /// Decodes `cdb`. An operation code this target does not implement is ILLEGAL REQUEST / INVALID COMMAND
    /// OPERATION CODE; a bad field is INVALID FIELD IN CDB (or a more specific code).
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        if let transfer = BlockTransfer(cdb) {
            self = .blockTransfer(transfer)
            return
        }
        if let synchronize = SynchronizeCache(cdb) {
            self = .synchronizeCache(synchronize)
            return
        }
        if let modeSense = try ModeSense(cdb) {
            self = .modeSense(modeSense)
            return
        }
        if let writeSame = try WriteSame(cdb) {
            self = .writeSame(writeSame)
            return
        }
        if let modeSelect = try ModeSelect(cdb) {
            self = .modeSelect(modeSelect)
            return
        }
        if let legacyReservation = try LegacyReservation(cdb) {
            self = .legacyReservation(legacyReservation)
            return
        }
        switch cdb.operationCode {
        case TestUnitReady.operationCode:
            self = .testUnitReady
        case RequestSense.operationCode:
            self = .requestSense(try RequestSense(cdb))
        case Inquiry.operationCode:
            self = .inquiry(try Inquiry(cdb))
        case ReportLUNs.operationCode:
            self = .reportLUNs(try ReportLUNs(cdb))
        case ReadCapacity10.operationCode:
            self = .readCapacity10
        case ReadCapacity16.operationCode:
            self = .readCapacity16(try ReadCapacity16(cdb))
        case Unmap.operationCode:
            self = .unmap(try Unmap(cdb))
        case CompareAndWrite.operationCode:
            self = .compareAndWrite(CompareAndWrite(cdb))
        case Self.startStopUnitOperationCode:
            self = .startStopUnit
        case PersistentReserveIn.operationCode:
            self = .persistentReserveIn(try PersistentReserveIn(cdb))
        case PersistentReserveOut.operationCode:
            self = .persistentReserveOut(try PersistentReserveOut(cdb))
        default:
            throw .invalidCommandOperationCode
        }
    }

    /// Whether a pending unit attention is reported instead of running the command (SAM-5 §5.14: INQUIRY,
    /// REPORT LUNS and REQUEST SENSE are exempt).
    var reportsUnitAttention: Bool {
        switch self {
        case .inquiry, .reportLUNs, .requestSense:
            false
        default:
            true
        }
    }

    /// Whether the command can be answered when the LUN has no logical unit.
    var isServedWithoutLogicalUnit: Bool {
        switch self {
        case .inquiry, .reportLUNs:
            true
        default:
            false
        }
    }

    /// The most data-in bytes the command may return (its allocation length), before the transport's limit.
    var allocationLength: Int {
        switch self {
        case .inquiry(let inquiry): Int(inquiry.allocationLength)
        case .reportLUNs(let report): Int(report.allocationLength)
        case .requestSense(let request): Int(request.allocationLength)
        case .modeSense(let sense): Int(sense.allocationLength)
        case .readCapacity10: ReadCapacity10.dataLength
        case .readCapacity16(let capacity): Int(capacity.allocationLength)
        case .persistentReserveIn(let reserveIn): Int(reserveIn.allocationLength)
        case .blockTransfer(let transfer) where transfer.direction == .read: Int.max
        default: 0
        }
    }
}
