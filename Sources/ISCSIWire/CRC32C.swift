import CCRC32C
import NIOCore

/// CRC32C (Castagnoli) as iSCSI uses it for header and data digests (RFC 7143 §13.1).
public enum CRC32C {
    /// Extends `crc` (0 to start) over the readable bytes of `buffer`.
    public static func checksum(_ buffer: ByteBuffer, extending crc: UInt32 = 0) -> UInt32 {
        buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return crc }
            return crc32c_extend(crc, base, raw.count)
        }
    }

    /// Extends `crc` over `length` zero padding bytes (at most three).
    static func extendOverPadding(_ crc: UInt32, length: Int) -> UInt32 {
        guard length > 0 else { return crc }
        let zeroes: UInt32 = 0
        return withUnsafeBytes(of: zeroes) { raw in
            crc32c_extend(crc, raw.baseAddress, length)
        }
    }

    /// The CRC of `length` readable bytes of `buffer` starting at `index` (0 when out of range).
    static func checksum(_ buffer: ByteBuffer, at index: Int, length: Int) -> UInt32 {
        // A pointer into the readable bytes, not a slice: a slice costs a retain, a release and its setup per digest.
        let offset = index - buffer.readerIndex
        guard offset >= 0, length >= 0, offset + length <= buffer.readableBytes else { return 0 }
        return buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return 0 }
            return crc32c_extend(0, base + offset, length)
        }
    }
}

extension ISCSIPDU {
    /// The number of zero bytes that pad a data segment of `length` bytes to a multiple of four.
    static func paddingLength(forDataSegmentLength length: Int) -> Int {
        (4 - length % 4) % 4
    }
}
