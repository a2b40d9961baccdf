import NIOCore

/// The 48-byte Basic Header Segment that starts every iSCSI PDU (RFC 7143 §11.2.1).
///
/// The bytes are held inline (no allocation) and decoded in place by named accessors. Fields common
/// to all PDUs have properties here; opcode-specific fields are read and written by the typed PDU
/// structs through the big-endian accessors `uint16(at:)`, `uint32(at:)` and friends.
public struct ISCSIBasicHeaderSegment: Sendable {
    /// The size of a Basic Header Segment in bytes.
    public static let byteCount = 48

    /// The raw header bytes, in wire order.
    public var bytes: InlineArray<48, UInt8>

    /// Creates an all-zero header carrying `opcode`.
    public init(opcode: ISCSIOpcode, isImmediate: Bool = false) {
        self.bytes = InlineArray(repeating: 0)
        self.opcode = opcode
        self.isImmediate = isImmediate
    }

    /// Copies the header from the first 48 readable bytes of `buffer`, or returns nil when it holds fewer.
    public init?(buffer: ByteBuffer) {
        guard buffer.readableBytes >= Self.byteCount else { return nil }
        var bytes = InlineArray<48, UInt8>(repeating: 0)
        // One 48-byte copy: a loop over the elements costs a bounds check per byte on the hot path.
        withUnsafeMutableBytes(of: &bytes) { destination in
            buffer.withUnsafeReadableBytes { raw in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<Self.byteCount]))
            }
        }
        self.bytes = bytes
    }

    /// The opcode (byte 0, low six bits).
    public var opcode: ISCSIOpcode {
        get { ISCSIOpcode(rawValue: self.bytes[0]) }
        set { self.bytes[0] = (self.bytes[0] & 0xc0) | newValue.rawValue }
    }

    /// The immediate delivery bit (byte 0, 0x40); only meaningful in initiator PDUs.
    public var isImmediate: Bool {
        get { self.bytes[0] & 0x40 != 0 }
        set { self.setBit(0x40, ofByte: 0, to: newValue) }
    }

    /// The Final bit (byte 1, 0x80) of the PDUs that have one.
    public var isFinal: Bool {
        get { self.bytes[1] & 0x80 != 0 }
        set { self.setBit(0x80, ofByte: 1, to: newValue) }
    }

    /// TotalAHSLength in bytes (the wire field counts 4-byte words).
    public var totalAHSLength: Int {
        get { Int(self.bytes[4]) * 4 }
        set { self.bytes[4] = UInt8(truncatingIfNeeded: newValue / 4) }
    }

    /// DataSegmentLength in bytes, without padding (a 24-bit field).
    public var dataSegmentLength: Int {
        get { Int(self.bytes[5]) << 16 | Int(self.bytes[6]) << 8 | Int(self.bytes[7]) }
        set {
            self.bytes[5] = UInt8(truncatingIfNeeded: newValue >> 16)
            self.bytes[6] = UInt8(truncatingIfNeeded: newValue >> 8)
            self.bytes[7] = UInt8(truncatingIfNeeded: newValue)
        }
    }

    /// The 8-byte LUN field (bytes 8-15) of the PDUs that carry one, in its SAM encoding.
    public var logicalUnitNumber: UInt64 {
        get { self.uint64(at: 8) }
        set { self.setUInt64(newValue, at: 8) }
    }

    /// The Initiator Task Tag (bytes 16-19).
    public var initiatorTaskTag: UInt32 {
        get { self.uint32(at: 16) }
        set { self.setUInt32(newValue, at: 16) }
    }

    /// Reads a big-endian 16-bit value at `offset`.
    public func uint16(at offset: Int) -> UInt16 {
        UInt16(self.bytes[offset]) << 8 | UInt16(self.bytes[offset + 1])
    }

    /// Reads a big-endian 32-bit value at `offset`.
    public func uint32(at offset: Int) -> UInt32 {
        UInt32(self.uint16(at: offset)) << 16 | UInt32(self.uint16(at: offset + 2))
    }

    /// Reads a big-endian 64-bit value at `offset`.
    public func uint64(at offset: Int) -> UInt64 {
        UInt64(self.uint32(at: offset)) << 32 | UInt64(self.uint32(at: offset + 4))
    }

    /// Writes a big-endian 16-bit value at `offset`.
    public mutating func setUInt16(_ value: UInt16, at offset: Int) {
        self.bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self.bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Writes a big-endian 32-bit value at `offset`.
    public mutating func setUInt32(_ value: UInt32, at offset: Int) {
        self.store(value.bigEndian, at: offset)
    }

    /// Writes a big-endian 64-bit value at `offset`.
    public mutating func setUInt64(_ value: UInt64, at offset: Int) {
        self.store(value.bigEndian, at: offset)
    }

    /// Stores `value`'s bytes at `offset` in one (unaligned) store: byte by byte, a header's ten 32-bit fields cost
    /// a bounds check per byte and about 200 instructions per response.
    private mutating func store<Value: FixedWidthInteger>(_ value: Value, at offset: Int) {
        precondition(offset >= 0 && offset + MemoryLayout<Value>.size <= Self.byteCount, "field outside the header")
        withUnsafeMutableBytes(of: &self.bytes) { raw in
            raw.storeBytes(of: value, toByteOffset: offset, as: Value.self)
        }
    }

    /// Sets or clears `mask` in byte `index`.
    public mutating func setBit(_ mask: UInt8, ofByte index: Int, to isSet: Bool) {
        if isSet {
            self.bytes[index] |= mask
        } else {
            self.bytes[index] &= ~mask
        }
    }

    /// Appends the 48 header bytes to `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        withUnsafeBytes(of: self.bytes) { raw in
            _ = buffer.writeBytes(raw)
        }
    }
}

extension ISCSIBasicHeaderSegment: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        for index in 0..<Self.byteCount where lhs.bytes[index] != rhs.bytes[index] {
            return false
        }
        return true
    }
}
