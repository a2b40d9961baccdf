/// The encodings of the binary CHAP values `CHAP_C` and `CHAP_R` (RFC 7143 §6.1): hexadecimal after `0x`
/// and base64 (RFC 4648, padding optional) after `0b`.
enum CHAPBinaryValue {
    /// The longest binary value RFC 7143 §12.1.3 allows for `CHAP_C` and `CHAP_R`.
    static let maximumLength = 1024

    /// The bytes of an encoded value, or nil when it is malformed, empty or longer than `maximumLength`.
    ///
    /// Hexadecimal with an odd number of digits has an implied leading zero, as open-iscsi reads it.
    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count > 2, utf8[0] == UInt8(ascii: "0") else {
            return nil
        }
        let body = utf8[2...]
        let bytes: [UInt8]?
        switch utf8[1] {
        case UInt8(ascii: "x"), UInt8(ascii: "X"): bytes = Self.decodeHex(body)
        case UInt8(ascii: "b"), UInt8(ascii: "B"): bytes = Self.decodeBase64(body)
        default: bytes = nil
        }
        guard let bytes, !bytes.isEmpty, bytes.count <= Self.maximumLength else {
            return nil
        }
        return bytes
    }

    /// `bytes` as `0x` followed by two lowercase hexadecimal digits per byte.
    static func encodeHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func decodeHex(_ digits: ArraySlice<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((digits.count + 1) / 2)
        var pending: UInt8? = digits.count % 2 == 1 ? 0 : nil
        for digit in digits {
            guard let value = Self.hexValue(digit) else {
                return nil
            }
            if let high = pending {
                bytes.append(high << 4 | value)
                pending = nil
            } else {
                pending = value
            }
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Strict base64: only the RFC 4648 alphabet, padding only at the end and only as much as the length needs,
    /// and no stray bits in the last symbol.
    private static func decodeBase64(_ symbols: ArraySlice<UInt8>) -> [UInt8]? {
        let padding = symbols.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        let data = symbols.dropLast(padding)
        let remainder = data.count % 4
        guard remainder != 1, padding == 0 || (data.count + padding) % 4 == 0, padding <= 2 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in data {
            guard let value = Self.base64Value(symbol) else {
                return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else {
            return nil
        }
        return bytes
    }

    private static func base64Value(_ symbol: UInt8) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): symbol - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): symbol - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): symbol - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
