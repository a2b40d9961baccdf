import NIOCore

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
        let storedBytes = stored.readableBytesView.dropFirst(storedOffset)
        for (offset, pair) in zip(storedBytes, expected).enumerated() where pair.0 != pair.1 {
            return offset
        }
        return nil
    }

    /// MISCOMPARE sense pointing at byte `offset` of the compared data.
    static func sense(at offset: Int) -> SenseData {
        SenseData(key: .miscompare, code: .miscompareDuringVerify, information: UInt32(truncatingIfNeeded: offset))
    }
}
