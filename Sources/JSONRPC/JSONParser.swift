/// Why a byte sequence is not exactly one JSON value.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Sendable, Hashable {
        /// The input ended inside a value (or held no value at all).
        case incomplete
        /// A byte that the grammar does not allow here.
        case unexpectedByte
        /// A string that is not valid UTF-8, holds a raw control character or a bad escape.
        case invalidString
        /// Non-whitespace after the value.
        case trailingData
        /// More values than the caller allows (SPDK counts names and container ends too).
        case tooManyValues
        /// Containers nested deeper than ``JSONValue/maxNestingDepth``.
        case nestingTooDeep
    }

    /// The kind of failure.
    public var kind: Kind
    /// The byte offset where it was detected.
    public var offset: Int

    public var description: String {
        "JSON parse error (\(self.kind)) at byte \(self.offset)"
    }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts (SPDK: `SPDK_JSON_MAX_NESTING_DEPTH`).
    public static let maxNestingDepth = 64

    /// Parses exactly one JSON value; whitespace around it is allowed.
    ///
    /// - Parameters:
    ///   - bytes: UTF-8 JSON text.
    ///   - maxValues: The most values accepted, counted the way SPDK does: every scalar, every
    ///     object member name, and two for each array or object (begin and end). SPDK's JSON-RPC
    ///     server allows 8192.
    ///   - allowComments: Accept `// …` and `/* … */` wherever whitespace is allowed (config files).
    public static func parse(
        _ bytes: some Collection<UInt8>,
        maxValues: Int = .max,
        allowComments: Bool = false
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: Array(bytes), maxValues: maxValues, allowComments: allowComments)
        return try parser.parseDocument()
    }

    /// Parses exactly one JSON value from text; see the byte-collection overload.
    public static func parse(
        _ text: String,
        maxValues: Int = .max,
        allowComments: Bool = false
    ) throws(JSONParseError) -> JSONValue {
        try self.parse(Array(text.utf8), maxValues: maxValues, allowComments: allowComments)
    }
}

/// A recursive-descent parser over a byte array, strict per RFC 8259 (as SPDK's `spdk_json_parse`).
struct JSONParser {
    private let bytes: [UInt8]
    private let maxValues: Int
    private let allowComments: Bool
    private var index = 0
    private var valueCount = 0
    private var depth = 0

    init(bytes: [UInt8], maxValues: Int, allowComments: Bool) {
        self.bytes = bytes
        self.maxValues = maxValues
        self.allowComments = allowComments
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        try self.skipWhitespace()
        let value = try self.parseValue()
        try self.skipWhitespace()
        guard self.index == self.bytes.count else {
            throw self.error(.trailingData)
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard let byte = self.peek() else {
            throw self.error(.incomplete)
        }
        switch byte {
        case UInt8(ascii: "{"):
            return try self.parseObject()
        case UInt8(ascii: "["):
            return try self.parseArray()
        case UInt8(ascii: "\""):
            try self.countValues(1)
            return .string(try self.parseString())
        case UInt8(ascii: "t"):
            try self.parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.parseLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try self.countValues(1)
            return try self.parseNumber()
        default:
            throw self.error(.unexpectedByte)
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try self.enterContainer()
        var members: [JSONObject.Member] = []
        try self.skipWhitespace()
        if self.peek() == UInt8(ascii: "}") {
            self.index += 1
            self.depth -= 1
            return .object(JSONObject(members))
        }
        while true {
            guard let byte = self.peek() else { throw self.error(.incomplete) }
            guard byte == UInt8(ascii: "\"") else { throw self.error(.unexpectedByte) }
            try self.countValues(1)
            let key = try self.parseString()
            try self.skipWhitespace()
            try self.expect(UInt8(ascii: ":"))
            try self.skipWhitespace()
            let value = try self.parseValue()
            members.append(JSONObject.Member(key: key, value: value))
            try self.skipWhitespace()
            if try self.endOfContainer(closer: UInt8(ascii: "}")) {
                return .object(JSONObject(members))
            }
            try self.skipWhitespace()
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try self.enterContainer()
        var elements: [JSONValue] = []
        try self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.index += 1
            self.depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try self.parseValue())
            try self.skipWhitespace()
            if try self.endOfContainer(closer: UInt8(ascii: "]")) {
                return .array(elements)
            }
            try self.skipWhitespace()
        }
    }

    /// Consumes the opening bracket and accounts for the container's begin and end values.
    private mutating func enterContainer() throws(JSONParseError) {
        self.depth += 1
        guard self.depth <= JSONValue.maxNestingDepth else {
            throw self.error(.nestingTooDeep)
        }
        try self.countValues(2)
        self.index += 1
    }

    /// After an element: consumes `,` (returns false) or the closer (returns true).
    private mutating func endOfContainer(closer: UInt8) throws(JSONParseError) -> Bool {
        guard let byte = self.peek() else { throw self.error(.incomplete) }
        self.index += 1
        if byte == closer {
            self.depth -= 1
            return true
        }
        guard byte == UInt8(ascii: ",") else {
            self.index -= 1
            throw self.error(.unexpectedByte)
        }
        return false
    }

    private mutating func parseLiteral(_ literal: String) throws(JSONParseError) {
        try self.countValues(1)
        for expected in literal.utf8 {
            guard let byte = self.peek() else { throw self.error(.incomplete) }
            guard byte == expected else { throw self.error(.unexpectedByte) }
            self.index += 1
        }
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = self.index
        var isPlainInteger = true
        if self.peek() == UInt8(ascii: "-") {
            self.index += 1
        }
        guard let first = self.peek() else { throw self.error(.incomplete) }
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else if Self.isDigit(first) {
            self.skipDigits()
        } else {
            throw self.error(.unexpectedByte)
        }
        if self.peek() == UInt8(ascii: ".") {
            isPlainInteger = false
            self.index += 1
            try self.requireDigits()
        }
        if let byte = self.peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            isPlainInteger = false
            self.index += 1
            if let sign = self.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                self.index += 1
            }
            try self.requireDigits()
        }
        let text = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        if isPlainInteger {
            if let value = Int64(text) { return .integer(value) }
            if let value = UInt64(text) { return .unsignedInteger(value) }
        }
        guard let value = Double(text) else {
            throw JSONParseError(kind: .unexpectedByte, offset: start)
        }
        return .double(value)
    }

    private mutating func requireDigits() throws(JSONParseError) {
        guard let byte = self.peek() else { throw self.error(.incomplete) }
        guard Self.isDigit(byte) else { throw self.error(.unexpectedByte) }
        self.skipDigits()
    }

    private mutating func skipDigits() {
        while let byte = self.peek(), Self.isDigit(byte) {
            self.index += 1
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        let start = self.index
        self.index += 1
        var decoded: [UInt8] = []
        while true {
            guard let byte = self.peek() else { throw self.error(.incomplete) }
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: decoded, as: UTF8.self) else {
                    throw JSONParseError(kind: .invalidString, offset: start)
                }
                return string
            case UInt8(ascii: "\\"):
                try self.parseEscape(into: &decoded)
            case 0..<0x20:
                self.index -= 1
                throw self.error(.invalidString)
            default:
                decoded.append(byte)
            }
        }
    }

    /// Decodes the escape after a backslash and appends its UTF-8 encoding.
    private mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        guard let byte = self.peek() else { throw self.error(.incomplete) }
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            let scalar = try self.parseUnicodeEscape()
            decoded.append(contentsOf: String(Character(scalar)).utf8)
        default:
            self.index -= 1
            throw self.error(.invalidString)
        }
    }

    /// Decodes `XXXX` after `\u`, combining a surrogate pair; lone surrogates are errors.
    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try self.parseHex4()
        switch first {
        case 0xD800..<0xDC00:
            try self.expect(UInt8(ascii: "\\"))
            try self.expect(UInt8(ascii: "u"))
            let second = try self.parseHex4()
            guard (0xDC00..<0xE000).contains(second) else {
                throw self.error(.invalidString)
            }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else { throw self.error(.invalidString) }
            return scalar
        default:
            guard let scalar = Unicode.Scalar(first) else { throw self.error(.invalidString) }
            return scalar
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = self.peek() else { throw self.error(.incomplete) }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.error(.invalidString)
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }

    // MARK: Whitespace and comments

    private mutating func skipWhitespace() throws(JSONParseError) {
        while let byte = self.peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                self.index += 1
            case UInt8(ascii: "/") where self.allowComments:
                try self.skipComment()
            default:
                return
            }
        }
    }

    private mutating func skipComment() throws(JSONParseError) {
        self.index += 1
        guard let kind = self.peek() else { throw self.error(.incomplete) }
        self.index += 1
        switch kind {
        case UInt8(ascii: "/"):
            while let byte = self.peek(), byte != UInt8(ascii: "\n") {
                self.index += 1
            }
        case UInt8(ascii: "*"):
            while true {
                guard let byte = self.peek() else { throw self.error(.incomplete) }
                self.index += 1
                if byte == UInt8(ascii: "*"), self.peek() == UInt8(ascii: "/") {
                    self.index += 1
                    return
                }
            }
        default:
            self.index -= 1
            throw self.error(.unexpectedByte)
        }
    }

    // MARK: Helpers

    private func peek() -> UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    private mutating func expect(_ expected: UInt8) throws(JSONParseError) {
        guard let byte = self.peek() else { throw self.error(.incomplete) }
        guard byte == expected else { throw self.error(.unexpectedByte) }
        self.index += 1
    }

    private mutating func countValues(_ count: Int) throws(JSONParseError) {
        self.valueCount += count
        guard self.valueCount <= self.maxValues else {
            throw self.error(.tooManyValues)
        }
    }

    private func error(_ kind: JSONParseError.Kind) -> JSONParseError {
        JSONParseError(kind: kind, offset: self.index)
    }
}
