import NIOCore

/// MODE SELECT (6) and (10) (SPC-4 §6.9–6.10): sets changeable mode parameters. The changeable parameters are
/// the control page's SWP and TAS; every other byte sent must equal its current value (INVALID FIELD IN PARAMETER
/// LIST otherwise), so an initiator that sends back what MODE SENSE returned succeeds. Saved pages are not kept (SP is
/// INVALID FIELD IN CDB).
public struct ModeSelect: Sendable, Hashable {
    public static let operationCode6: UInt8 = 0x15
    public static let operationCode10: UInt8 = 0x55

    /// Whether the CDB was MODE SELECT (10), whose header is 8 bytes.
    public var isTenByteVariant: Bool
    /// The bytes of parameter data the initiator sends.
    public var parameterListLength: UInt16

    /// Decodes MODE SELECT (6) or (10); nil for other operation codes. A parameter list shorter than the mode
    /// parameter header, or SP set, is INVALID FIELD IN CDB.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        switch cdb.operationCode {
        case Self.operationCode6:
            self.isTenByteVariant = false
            self.parameterListLength = UInt16(cdb[4])
        case Self.operationCode10:
            self.isTenByteVariant = true
            self.parameterListLength = cdb.uint16(at: 7)
        default:
            return nil
        }
        guard cdb[1] & 0x01 == 0,
            self.parameterListLength == 0 || self.parameterListLength >= self.headerLength
        else {
            throw .invalidFieldInCDB
        }
    }

    private var headerLength: UInt16 { self.isTenByteVariant ? 8 : 4 }

    /// The parameter changes the list asks for, checked against `logicalUnit`'s current values.
    func changes(in parameters: ByteBuffer, for logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> ModeChanges {
        let bytes = Array(parameters.readableBytesView)
        var changes = ModeChanges()
        guard !bytes.isEmpty else {
            return changes
        }
        let headerLength = Int(self.headerLength)
        guard bytes.count >= headerLength else {
            throw .illegalRequest(.parameterListLengthError)
        }
        let descriptorLength =
            self.isTenByteVariant ? Int(bytes[6]) << 8 | Int(bytes[7]) : Int(bytes[3])
        guard headerLength + descriptorLength <= bytes.count else {
            throw .illegalRequest(.parameterListLengthError)
        }
        try Self.checkBlockDescriptors(
            bytes[headerLength..<(headerLength + descriptorLength)],
            long: self.isTenByteVariant && bytes[4] & 0x01 != 0,
            on: logicalUnit
        )

        var offset = headerLength + descriptorLength
        while offset < bytes.count {
            guard bytes[offset] & 0x80 == 0, offset + 2 <= bytes.count else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            let hasSubpage = bytes[offset] & 0x40 != 0
            let code = bytes[offset] & 0x3F
            let subpage = hasSubpage ? bytes[offset + 1] : 0
            guard let page = ModePage.page(code: code, subpage: subpage) else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            guard offset + page.length <= bytes.count else {
                throw .illegalRequest(.parameterListLengthError)
            }
            let sent = Array(bytes[offset..<(offset + page.length)])
            guard sent.prefix(page.header.count) == page.header[...] else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            let current = page.bytes(.current, of: logicalUnit)
            let changeable = page.bytes(.changeable, of: logicalUnit)
            for index in page.header.count..<page.length where (sent[index] ^ current[index]) & ~changeable[index] != 0
            {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            if code == ModePage.control, subpage == 0 {
                let byte = sent[ModePage.softwareWriteProtectByte]
                changes.softwareWriteProtect = byte & ModePage.softwareWriteProtectBit != 0
                let tasByte = sent[ModePage.taskAbortedStatusByte]
                changes.taskAbortedStatus = tasByte & ModePage.taskAbortedStatusBit != 0
            }
            offset += page.length
        }
        return changes
    }

    /// Block descriptors may be sent back as MODE SENSE reported them: the block length must be the logical
    /// unit's, the number of blocks its capacity or 0.
    private static func checkBlockDescriptors(
        _ descriptors: ArraySlice<UInt8>,
        long: Bool,
        on logicalUnit: LogicalUnit
    ) throws(SCSICheckCondition) {
        let length = long ? 16 : 8
        guard descriptors.count % length == 0 else {
            throw .illegalRequest(.parameterListLengthError)
        }
        let device = logicalUnit.blockDevice
        var offset = descriptors.startIndex
        while offset < descriptors.endIndex {
            let descriptor = descriptors[offset..<(offset + length)]
            let blocks = descriptor.prefix(long ? 8 : 4).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let blockLength = descriptor.suffix(long ? 4 : 3).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let reportedBlocks = long ? device.blockCount : min(device.blockCount, UInt64(UInt32.max))
            guard blockLength == UInt64(device.blockSize), blocks == 0 || blocks == reportedBlocks else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            offset += length
        }
    }
}

/// What a MODE SELECT parameter list sets; nil leaves a parameter as it is.
struct ModeChanges: Sendable, Hashable {
    var softwareWriteProtect: Bool?
    var taskAbortedStatus: Bool?
}

extension LogicalUnit {
    /// Validates the whole list first, then applies it; a change reaches the other I_T nexuses as MODE PARAMETERS
    /// CHANGED.
    func modeSelect(_ command: ModeSelect, parameters: ByteBuffer, from nexus: NexusIdentifier) -> SCSICompletion {
        let changes: ModeChanges
        do {
            changes = try command.changes(in: parameters, for: self)
        } catch {
            return .checkCondition(error.sense)
        }
        var changed = false
        if let protect = changes.softwareWriteProtect, protect != self.isSoftwareWriteProtected {
            self.isSoftwareWriteProtected = protect
            changed = true
        }
        if let reports = changes.taskAbortedStatus, reports != self.reportsTaskAbortedStatus {
            self.reportsTaskAbortedStatus = reports
            changed = true
        }
        if changed {
            self.noteModeParametersChanged(by: nexus)
        }
        return .good()
    }
}
