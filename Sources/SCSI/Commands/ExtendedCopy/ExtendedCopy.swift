import NIOCore

/// EXTENDED COPY (LID1) (SPC-4 §6.4): service action 0x00 of operation code 0x83. The copy manager copies blocks
/// between logical units of this target, named by identification target descriptors, as block-to-block segment
/// descriptors say.
public struct ExtendedCopy: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x83
    public static let serviceAction: UInt8 = 0x00

    /// The bytes of parameter data the initiator sends.
    public var parameterListLength: UInt32

    public init(_ cdb: CDB) {
        self.parameterListLength = cdb.uint32(at: 10)
    }
}

/// What the copy manager can do, reported by RECEIVE COPY RESULTS (OPERATING PARAMETERS) and enforced on every
/// EXTENDED COPY parameter list.
enum CopyManagerLimits {
    static let maximumTargetDescriptors = 4
    static let maximumSegmentDescriptors = 8
    /// The target and segment descriptor lists together, in bytes: room for the maximum of each.
    static let maximumDescriptorListLength =
        maximumTargetDescriptors * TargetDescriptor.length + maximumSegmentDescriptors * SegmentDescriptor.length
    /// The most bytes one segment moves: 65535 blocks of 4 KiB.
    static let maximumSegmentLength: UInt32 = 0x1000_0000
    /// Copy results held per I_T nexus; the oldest are forgotten first.
    static let maximumHeldResults = 16
    /// The descriptor type codes implemented: block-to-block segments and identification target descriptors.
    static let implementedDescriptorTypes: [UInt8] = [SegmentDescriptor.blockToBlock, TargetDescriptor.identification]
}

/// The EXTENDED COPY (LID1) parameter list: a 16-byte header, the target descriptors, then the segment descriptors.
struct ExtendedCopyParameterList: Sendable, Hashable {
    /// How the copy manager keeps the copy's results (LIST ID USAGE).
    enum ListIdentifierUsage: UInt8, Sendable, Hashable {
        /// Hold the results for RECEIVE COPY RESULTS; the list identifier must not be in use.
        case hold = 0b00
        /// Do not hold results.
        case discard = 0b10
        /// The list identifier means nothing; no results are held.
        case none = 0b11
    }

    var listIdentifier: UInt8
    var listIdentifierUsage: ListIdentifierUsage
    var targets: [TargetDescriptor]
    var segments: [SegmentDescriptor]

    /// Parses and checks `parameters`, in the order the checks are listed: lengths against the data sent
    /// (PARAMETER LIST LENGTH ERROR), the descriptor list against the maximum length (PARAMETER LIST LENGTH ERROR),
    /// descriptor counts (TOO MANY TARGET / SEGMENT DESCRIPTORS), then each descriptor.
    init(_ parameters: ByteBuffer) throws(SCSICheckCondition) {
        let bytes = Array(parameters.readableBytesView)
        guard bytes.count >= 16 else {
            throw .illegalRequest(.parameterListLengthError)
        }
        guard let usage = ListIdentifierUsage(rawValue: bytes[1] >> 3 & 0x03), bytes[1] & 0x20 == 0 else {
            throw .illegalRequest(.invalidFieldInParameterList)
        }
        self.listIdentifier = bytes[0]
        self.listIdentifierUsage = usage
        let targetListLength = Int(bytes[2]) << 8 | Int(bytes[3])
        let segmentListLength = bytes[8..<12].reduce(0) { $0 << 8 | Int($1) }
        let inlineDataLength = bytes[12..<16].reduce(0) { $0 << 8 | Int($1) }
        guard inlineDataLength == 0 else {
            throw .illegalRequest(.invalidFieldInParameterList)
        }
        guard 16 + targetListLength + segmentListLength <= bytes.count else {
            throw .illegalRequest(.parameterListLengthError)
        }
        guard targetListLength + segmentListLength <= CopyManagerLimits.maximumDescriptorListLength else {
            throw .illegalRequest(.parameterListLengthError)
        }
        guard targetListLength / TargetDescriptor.length <= CopyManagerLimits.maximumTargetDescriptors else {
            throw .illegalRequest(.tooManyTargetDescriptors)
        }
        guard segmentListLength / SegmentDescriptor.length <= CopyManagerLimits.maximumSegmentDescriptors else {
            throw .illegalRequest(.tooManySegmentDescriptors)
        }

        self.targets = []
        var offset = 16
        let targetsEnd = offset + targetListLength
        while offset < targetsEnd {
            guard targetsEnd - offset >= TargetDescriptor.length else {
                throw .illegalRequest(.parameterListLengthError)
            }
            self.targets.append(try TargetDescriptor(bytes[offset..<(offset + TargetDescriptor.length)]))
            offset += TargetDescriptor.length
        }

        self.segments = []
        let segmentsEnd = targetsEnd + segmentListLength
        while offset < segmentsEnd {
            guard segmentsEnd - offset >= 4 else {
                throw .illegalRequest(.parameterListLengthError)
            }
            guard bytes[offset] == SegmentDescriptor.blockToBlock else {
                throw .illegalRequest(.unsupportedSegmentDescriptorTypeCode)
            }
            guard segmentsEnd - offset >= SegmentDescriptor.length else {
                throw .illegalRequest(.parameterListLengthError)
            }
            self.segments.append(try SegmentDescriptor(bytes[offset..<(offset + SegmentDescriptor.length)]))
            offset += SegmentDescriptor.length
        }
        guard self.segments.count <= CopyManagerLimits.maximumSegmentDescriptors else {
            throw .illegalRequest(.tooManySegmentDescriptors)
        }
    }
}

/// An identification descriptor target descriptor (type 0xE4, SPC-4 §6.4.6.2): a logical unit named by one of
/// its VPD page 0x83 designators, with the block length the initiator believes it has.
struct TargetDescriptor: Sendable, Hashable {
    static let identification: UInt8 = 0xE4
    static let length = 32

    /// The designator type (SPC-4 table 489; 3 is NAA) and its bytes.
    var designatorType: UInt8
    var designator: [UInt8]
    /// The peripheral device type the descriptor addresses (0: direct access block device).
    var peripheralDeviceType: UInt8
    /// DISK BLOCK LENGTH.
    var blockLength: UInt32

    /// Parses one 32-byte descriptor. Other target descriptor types are UNSUPPORTED TARGET DESCRIPTOR TYPE CODE; the
    /// LU ID TYPE is ignored (SPC-4 made it obsolete).
    init(_ bytes: ArraySlice<UInt8>) throws(SCSICheckCondition) {
        let base = bytes.startIndex
        guard bytes[base] == Self.identification else {
            throw .illegalRequest(.unsupportedTargetDescriptorTypeCode)
        }
        self.peripheralDeviceType = bytes[base + 1] & 0x1F
        self.designatorType = bytes[base + 5] & 0x0F
        let designatorLength = min(Int(bytes[base + 7]), 20)
        self.designator = Array(bytes[(base + 8)..<(base + 8 + designatorLength)])
        self.blockLength = bytes[(base + 29)..<(base + 32)].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// A block device to block device segment descriptor (type 0x02, SPC-4 §6.4.5.5).
struct SegmentDescriptor: Sendable, Hashable {
    static let blockToBlock: UInt8 = 0x02
    static let length = 28

    var sourceIndex: Int
    var destinationIndex: Int
    /// DC: the block count counts destination blocks (otherwise source blocks).
    var countsDestinationBlocks: Bool
    var blocks: UInt16
    var sourceLBA: UInt64
    var destinationLBA: UInt64

    /// Parses one 28-byte descriptor; a DESCRIPTOR LENGTH other than 0x18 is INVALID FIELD IN PARAMETER LIST.
    init(_ bytes: ArraySlice<UInt8>) throws(SCSICheckCondition) {
        let base = bytes.startIndex
        guard Int(bytes[base + 2]) << 8 | Int(bytes[base + 3]) == Self.length - 4 else {
            throw .illegalRequest(.invalidFieldInParameterList)
        }
        self.countsDestinationBlocks = bytes[base + 1] & 0x02 != 0
        self.sourceIndex = Int(bytes[base + 4]) << 8 | Int(bytes[base + 5])
        self.destinationIndex = Int(bytes[base + 6]) << 8 | Int(bytes[base + 7])
        self.blocks = UInt16(bytes[base + 10]) << 8 | UInt16(bytes[base + 11])
        self.sourceLBA = bytes[(base + 12)..<(base + 20)].reduce(0) { $0 << 8 | UInt64($1) }
        self.destinationLBA = bytes[(base + 20)..<(base + 28)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
