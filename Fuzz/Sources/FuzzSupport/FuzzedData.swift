/// A fuzzer's input consumed front to back as typed values.
///
/// Reading past the end yields zeros (and empty byte arrays) instead of failing, so every input drives
/// the target somewhere; ``isExhausted`` tells a harness when to stop looping.
public struct FuzzedData {
    private let bytes: [UInt8]
    private var offset = 0

    /// Wraps a copy of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Wraps a copy of the `count` bytes at `start`, as libFuzzer passes them.
    public init(start: UnsafeRawPointer, count: Int) {
        self.init(Array(UnsafeRawBufferPointer(start: start, count: count)))
    }

    /// Whether every byte has been consumed.
    public var isExhausted: Bool { self.offset >= self.bytes.count }

    /// How many bytes are left.
    public var remainingCount: Int { self.bytes.count - self.offset }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard self.offset < self.bytes.count else { return 0 }
        defer { self.offset += 1 }
        return self.bytes[self.offset]
    }

    /// The next byte as a Boolean (its low bit).
    public mutating func bool() -> Bool {
        self.byte() & 1 == 1
    }

    /// The next `T.bitWidth / 8` bytes as a big-endian integer.
    public mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) -> T {
        var value: T = 0
        for _ in 0..<(T.bitWidth / 8) {
            value = value << 8 | T(self.byte())
        }
        return value
    }

    /// One element of `choices`, picked by the next byte.
    public mutating func pick<Element>(_ choices: [Element]) -> Element {
        choices[Int(self.byte()) % choices.count]
    }

    /// The next `count` bytes, fewer if the input ends first.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(self.bytes.count, self.offset + max(0, count))
        defer { self.offset = max(self.offset, end) }
        return Array(self.bytes[min(self.offset, end)..<end])
    }

    /// A length-prefixed byte string: a 16-bit length, then up to that many bytes.
    public mutating func lengthPrefixedBytes() -> [UInt8] {
        self.bytes(Int(self.integer(UInt16.self)))
    }

    /// Everything not yet consumed.
    public mutating func remainingBytes() -> [UInt8] {
        self.bytes(self.remainingCount)
    }
}
