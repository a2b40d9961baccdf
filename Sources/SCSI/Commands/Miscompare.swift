import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The byte comparison shared by COMPARE AND WRITE, VERIFY and WRITE AND VERIFY, and the sense they report when
/// it fails (SBC-3 §5.2, §5.24): MISCOMPARE / MISCOMPARE DURING VERIFY OPERATION with the offset of the first
/// differing byte in INFORMATION (VALID set).
enum Miscompare {
    /// The offset of the first byte where `stored` and `expected` differ, comparing `expected.count` bytes of
    /// `stored` from `storedOffset`; nil when they are equal.
    static func firstDifference(
        stored: ByteBuffer,
        from storedOffset: Int = 0,
        expected: ByteBufferView
    ) -> Int? {
        stored.withUnsafeReadableBytes { storedBytes in
            expected.withUnsafeBytes { expectedBytes in
                let count = min(max(0, storedBytes.count - storedOffset), expectedBytes.count)
                guard count > 0, let storedBase = storedBytes.baseAddress, let expectedBase = expectedBytes.baseAddress
                else {
                    return nil
                }
                let storedStart = storedBase + storedOffset
                // memcmp finds equal data fast: first the differing 64-byte chunk, then the byte inside it.
                guard memcmp(storedStart, expectedBase, count) != 0 else {
                    return nil
                }
                var chunk = 0
                while chunk + 64 < count, memcmp(storedStart + chunk, expectedBase + chunk, 64) == 0 {
                    chunk += 64
                }
                return (chunk..<count).first { storedBytes[storedOffset + $0] != expectedBytes[$0] }
            }
        }
    }

    /// MISCOMPARE sense pointing at byte `offset` of the compared data.
    static func sense(at offset: Int) -> SenseData {
        SenseData(key: .miscompare, code: .miscompareDuringVerify, information: UInt32(truncatingIfNeeded: offset))
    }
}
