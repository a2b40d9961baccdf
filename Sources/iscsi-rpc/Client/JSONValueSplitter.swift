/// Finds where the first complete JSON value in a receive buffer ends, like Python's
/// `JSONDecoder.raw_decode` after `lstrip()`: rpc.py reads responses from an accumulating buffer.
enum JSONValueSplitter {
    /// The range of the first value (leading whitespace skipped), or nil when it is not complete yet.
    /// Only nesting and string quoting are tracked; the caller parses the slice.
    static func firstValue(in buffer: [UInt8]) -> Range<Int>? {
        guard let start = buffer.firstIndex(where: { !isWhitespace($0) }) else { return nil }
        switch buffer[start] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return containerEnd(buffer, from: start).map { start..<$0 }
        case UInt8(ascii: "\""):
            return stringEnd(buffer, from: start).map { start..<$0 }
        default:
            guard let end = buffer[start...].firstIndex(where: isDelimiter) else { return nil }
            return start..<end
        }
    }

    private static func containerEnd(_ buffer: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var index = start
        while index < buffer.count {
            switch buffer[index] {
            case UInt8(ascii: "\""):
                guard let end = stringEnd(buffer, from: index) else { return nil }
                index = end
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return index + 1 }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// The index just past the closing quote of the string starting at `start`.
    private static func stringEnd(_ buffer: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        while index < buffer.count {
            switch buffer[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[")
            || byte == UInt8(ascii: "\"")
    }
}
