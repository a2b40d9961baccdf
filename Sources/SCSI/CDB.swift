import NIOCore

/// A command descriptor block: up to 16 bytes, as carried in the iSCSI SCSI Command BHS.
///
/// Stored inline (two words), so decoding a command allocates nothing. Bytes past the CDB's real length read
/// as zero; the multi-byte accessors are big-endian, as every SCSI field is.
public struct CDB: Sendable, Hashable {
    /// Bytes 0–7 and 8–15, big-endian.
    private var high: UInt64
    private var low: UInt64

    /// The number of bytes a CDB holds.
    public static let capacity = 16

    /// A CDB from its first bytes; missing bytes are zero and bytes past the 16th are ignored.
    public init(_ bytes: some Sequence<UInt8>) {
        self.high = 0
        self.low = 0
        for (index, byte) in bytes.prefix(Self.capacity).enumerated() {
            let shift = UInt64(56 - 8 * (index % 8))
            if index < 8 {
                self.high |= UInt64(byte) << shift
            } else {
                self.low |= UInt64(byte) << shift
            }
        }
    }

    /// A CDB from the 16 bytes of an iSCSI SCSI Command header's CDB field.
    ///
    /// The hot path's initialiser: unlike the generic one, it compiles to two 64-bit loads.
    public init(_ bytes: InlineArray<16, UInt8>) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[index])
            low = low << 8 | UInt64(bytes[index + 8])
        }
        self.high = high
        self.low = low
    }

    /// A CDB read from the 16 bytes of `buffer` at `index`, or nil when fewer bytes are readable there.
    public init?(buffer: ByteBuffer, at index: Int) {
        guard let high = buffer.getInteger(at: index, as: UInt64.self),
            let low = buffer.getInteger(at: index + 8, as: UInt64.self)
        else {
            return nil
        }
        self.high = high
        self.low = low
    }

    /// The byte at `index` (0–15).
    public subscript(index: Int) -> UInt8 {
        precondition((0..<Self.capacity).contains(index), "CDB index out of range")
        let word = index < 8 ? self.high : self.low
        return UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
    }

    /// The operation code (byte 0).
    public var operationCode: UInt8 { self[0] }

    /// The service action of a variable-purpose operation code (byte 1, bits 4–0).
    public var serviceAction: UInt8 { self[1] & 0x1F }

    /// The big-endian integer of `width` bytes starting at `index`.
    func integer(at index: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for offset in 0..<width {
            value = value << 8 | UInt64(self[index + offset])
        }
        return value
    }

    func uint16(at index: Int) -> UInt16 { UInt16(self.integer(at: index, width: 2)) }
    func uint32(at index: Int) -> UInt32 { UInt32(self.integer(at: index, width: 4)) }
    func uint64(at index: Int) -> UInt64 { self.integer(at: index, width: 8) }

    /// The 16 bytes, for logging and tests.
    public var bytes: [UInt8] { (0..<Self.capacity).map { self[$0] } }
}
