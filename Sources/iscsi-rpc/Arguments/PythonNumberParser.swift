import JSONRPC

/// Python's `int()` and `float()` string conversions and float floor division, which rpc.py relies on.
enum PythonNumberParser {
    /// Python `int(text)` for base 10; nil on `ValueError`. Values beyond 64 bits are rejected too.
    static func integer(_ text: String) -> JSONValue? {
        var body = Substring(trimmingWhitespace(text))
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let digits = digitsWithUnderscores(body) else { return nil }
        if negative {
            guard let magnitude = UInt64(digits), magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return .integer(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        if let value = Int64(digits) { return .integer(value) }
        return UInt64(digits).map(JSONValue.unsignedInteger)
    }

    /// Python `float(text)`; nil on `ValueError`.
    static func float(_ text: String) -> Double? {
        let trimmed = trimmingWhitespace(text)
        var body = Substring(trimmed)
        var sign = 1.0
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        let allowed = body.allSatisfy { $0.isASCII && ($0.isNumber || "._eE+-".contains($0)) }
        guard allowed, body.contains(where: \.isNumber), validUnderscores(body) else { return nil }
        let plain = String(body.filter { $0 != "_" })
        guard let magnitude = Double(plain) else { return nil }
        return sign * magnitude
    }

    /// Python's `a // b` for floats (`float_floor_div`), so computed block counts match rpc.py exactly.
    static func floorDivide(_ dividend: Double, _ divisor: Double) -> Double {
        let remainder = dividend.truncatingRemainder(dividingBy: divisor)
        var quotient = (dividend - remainder) / divisor
        if remainder != 0, (divisor < 0) != (remainder < 0) {
            quotient -= 1
        }
        var floored = quotient.rounded(.down)
        if quotient - floored > 0.5 {
            floored += 1
        }
        return floored
    }

    private static func trimmingWhitespace(_ text: String) -> String {
        let characters = Array(text)
        guard let start = characters.firstIndex(where: { !$0.isWhitespace }),
            let end = characters.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(characters[start...end])
    }

    /// Decimal digits where single underscores may separate digits; returns the digits alone.
    private static func digitsWithUnderscores(_ text: Substring) -> String? {
        guard !text.isEmpty, validUnderscores(text),
            text.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) })
        else { return nil }
        return String(text.filter { $0 != "_" })
    }

    /// Underscores are allowed only between two digits.
    private static func validUnderscores(_ text: Substring) -> Bool {
        let characters = Array(text)
        for (index, character) in characters.enumerated() where character == "_" {
            guard index > 0, index + 1 < characters.count, characters[index - 1].isNumber,
                characters[index + 1].isNumber
            else { return false }
        }
        return true
    }
}
