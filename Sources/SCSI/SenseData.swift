import NIOCore

/// The sense key of a CHECK CONDITION (SPC-4 §4.5.6).
public struct SenseKey: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let noSense = SenseKey(rawValue: 0x0)
    public static let recoveredError = SenseKey(rawValue: 0x1)
    public static let notReady = SenseKey(rawValue: 0x2)
    public static let mediumError = SenseKey(rawValue: 0x3)
    public static let hardwareError = SenseKey(rawValue: 0x4)
    public static let illegalRequest = SenseKey(rawValue: 0x5)
    public static let unitAttention = SenseKey(rawValue: 0x6)
    public static let dataProtect = SenseKey(rawValue: 0x7)
    public static let copyAborted = SenseKey(rawValue: 0xA)
    public static let abortedCommand = SenseKey(rawValue: 0xB)
    public static let miscompare = SenseKey(rawValue: 0xE)
}

/// An additional sense code and qualifier (ASC/ASCQ) pair.
public struct AdditionalSenseCode: Sendable, Hashable {
    public var code: UInt8
    public var qualifier: UInt8

    public init(code: UInt8, qualifier: UInt8) {
        self.code = code
        self.qualifier = qualifier
    }

    public static let noAdditionalSenseInformation = Self(code: 0x00, qualifier: 0x00)
    public static let unreachableCopyTarget = Self(code: 0x08, qualifier: 0x04)
    public static let writeError = Self(code: 0x0C, qualifier: 0x00)
    public static let copyTargetDeviceNotReachable = Self(code: 0x0D, qualifier: 0x02)
    public static let incorrectCopyTargetDeviceType = Self(code: 0x0D, qualifier: 0x03)
    public static let invalidFieldInInformationUnit = Self(code: 0x0E, qualifier: 0x03)
    public static let unrecoveredReadError = Self(code: 0x11, qualifier: 0x00)
    public static let parameterListLengthError = Self(code: 0x1A, qualifier: 0x00)
    public static let miscompareDuringVerify = Self(code: 0x1D, qualifier: 0x00)
    public static let invalidCommandOperationCode = Self(code: 0x20, qualifier: 0x00)
    public static let logicalBlockAddressOutOfRange = Self(code: 0x21, qualifier: 0x00)
    public static let invalidFieldInCDB = Self(code: 0x24, qualifier: 0x00)
    public static let logicalUnitNotSupported = Self(code: 0x25, qualifier: 0x00)
    public static let invalidFieldInParameterList = Self(code: 0x26, qualifier: 0x00)
    public static let tooManyTargetDescriptors = Self(code: 0x26, qualifier: 0x06)
    public static let unsupportedTargetDescriptorTypeCode = Self(code: 0x26, qualifier: 0x07)
    public static let tooManySegmentDescriptors = Self(code: 0x26, qualifier: 0x08)
    public static let unsupportedSegmentDescriptorTypeCode = Self(code: 0x26, qualifier: 0x09)
    public static let writeProtected = Self(code: 0x27, qualifier: 0x00)
    public static let softwareWriteProtected = Self(code: 0x27, qualifier: 0x02)
    public static let capacityDataHasChanged = Self(code: 0x2A, qualifier: 0x09)
    public static let savingParametersNotSupported = Self(code: 0x39, qualifier: 0x00)
    public static let internalTargetFailure = Self(code: 0x44, qualifier: 0x00)
}

/// Fixed-format sense data (response code 0x70, SPC-4 §4.5.3), 18 bytes.
public struct SenseData: Sendable, Hashable {
    /// The encoded length of fixed-format sense data.
    public static let encodedLength = 18

    public var key: SenseKey
    public var code: AdditionalSenseCode
    /// The INFORMATION field (e.g. the first failing LBA); when set, the VALID bit is set too.
    public var information: UInt32?
    /// The invalid field, reported in the SENSE KEY SPECIFIC bytes (with SKSV set) when known.
    public var fieldPointer: FieldPointer?
    /// The PROGRESS INDICATION of an operation in progress (NOT READY), in 65536ths, reported in the SENSE KEY
    /// SPECIFIC bytes (with SKSV set).
    public var progressIndication: UInt16?

    /// Where an invalid field lies (SPC-4 §4.5.2.4.2): in the CDB or the parameter data, its byte, and the most
    /// significant bit of the field when it does not start a byte.
    public struct FieldPointer: Sendable, Hashable {
        public var isInCDB: Bool
        public var byte: UInt16
        public var bit: UInt8?

        public init(isInCDB: Bool, byte: UInt16, bit: UInt8? = nil) {
            self.isInCDB = isInCDB
            self.byte = byte
            self.bit = bit
        }
    }

    public init(
        key: SenseKey,
        code: AdditionalSenseCode,
        information: UInt32? = nil,
        fieldPointer: FieldPointer? = nil
    ) {
        self.key = key
        self.code = code
        self.information = information
        self.fieldPointer = fieldPointer
    }

    /// ILLEGAL REQUEST with the given additional sense code.
    public static func illegalRequest(_ code: AdditionalSenseCode) -> SenseData {
        SenseData(key: .illegalRequest, code: code)
    }

    /// NO SENSE / NO ADDITIONAL SENSE INFORMATION: what REQUEST SENSE reports when nothing is pending.
    public static let noSense = SenseData(key: .noSense, code: .noAdditionalSenseInformation)

    /// The 18 encoded bytes.
    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.encodedLength)
        bytes[0] = 0x70 | (self.information == nil ? 0 : 0x80)
        bytes[2] = self.key.rawValue & 0x0F
        if let information = self.information {
            bytes[3] = UInt8(truncatingIfNeeded: information >> 24)
            bytes[4] = UInt8(truncatingIfNeeded: information >> 16)
            bytes[5] = UInt8(truncatingIfNeeded: information >> 8)
            bytes[6] = UInt8(truncatingIfNeeded: information)
        }
        bytes[7] = UInt8(Self.encodedLength - 8)  // ADDITIONAL SENSE LENGTH
        bytes[12] = self.code.code
        bytes[13] = self.code.qualifier
        if let pointer = self.fieldPointer {
            // SKSV, C/D, BPV and BIT POINTER, then the 16-bit FIELD POINTER.
            let bitPointer: UInt8 = pointer.bit.map { 0x08 | ($0 & 0x07) } ?? 0
            bytes[15] = 0x80 | (pointer.isInCDB ? 0x40 : 0) | bitPointer
            bytes[16] = UInt8(truncatingIfNeeded: pointer.byte >> 8)
            bytes[17] = UInt8(truncatingIfNeeded: pointer.byte)
        } else if let progress = self.progressIndication {
            bytes[15] = 0x80
            bytes[16] = UInt8(truncatingIfNeeded: progress >> 8)
            bytes[17] = UInt8(truncatingIfNeeded: progress)
        }
        return bytes
    }

    /// Writes the 18 sense bytes.
    @discardableResult
    public func write(to buffer: inout ByteBuffer) -> Int {
        buffer.writeBytes(self.bytes)
    }

    /// Writes the data segment of an iSCSI SCSI Response carrying this sense (RFC 7143 §11.4.7.2): the 2-byte
    /// big-endian SenseLength (18) followed by the sense bytes; 20 bytes in all. The connection adds padding.
    @discardableResult
    public func writeISCSISenseSegment(to buffer: inout ByteBuffer) -> Int {
        buffer.writeInteger(UInt16(Self.encodedLength)) + self.write(to: &buffer)
    }
}

/// A command that ends in CHECK CONDITION with `sense`: what the decoders and validators throw.
public struct SCSICheckCondition: Error, Sendable, Hashable {
    public var sense: SenseData

    public init(_ sense: SenseData) {
        self.sense = sense
    }

    static func illegalRequest(_ code: AdditionalSenseCode) -> SCSICheckCondition {
        SCSICheckCondition(.illegalRequest(code))
    }

    static let invalidFieldInCDB = illegalRequest(.invalidFieldInCDB)
    static let invalidCommandOperationCode = illegalRequest(.invalidCommandOperationCode)
    static let logicalBlockAddressOutOfRange = illegalRequest(.logicalBlockAddressOutOfRange)
}
