/// Finds where one top-level JSON value ends, one byte at a time, so that a scan can resume
/// exactly where it stopped when more bytes arrive.
///
/// It tracks only structure (strings, escapes, bracket nesting, scalar extents) and rejects what
/// can never become JSON (a bad first byte, a mismatched closer, a raw control character in a
/// string, nesting deeper than ``JSONValue/maxNestingDepth``). The complete value is then
/// validated by the full parser.
struct JSONValueScanner {
    /// What the scanner learnt from one byte.
    enum Step: Equatable {
        /// The value continues.
        case needMore
        /// The value ends with this byte.
        case endsWithThisByte
        /// The value ended just before this byte (a number is terminated by what follows it).
        case endedBeforeThisByte
    }

    /// The bytes can never form a JSON value.
    struct InvalidJSON: Error {}

    private enum TopLevel {
        case container
        case string
        case number
        case literal(remaining: Int)
    }

    private var topLevel: TopLevel?
    /// The closers of the open containers, innermost last.
    private var expectedClosers: [UInt8] = []
    private var inString = false
    private var afterBackslash = false

    /// Whether nothing of a value has been seen yet.
    var isAtStart: Bool {
        self.topLevel == nil
    }

    /// Feeds the next byte. At the start the caller must already have skipped whitespace.
    mutating func scan(_ byte: UInt8) throws(InvalidJSON) -> Step {
        guard let topLevel = self.topLevel else {
            return try self.start(byte)
        }
        switch topLevel {
        case .literal(let remaining):
            self.topLevel = .literal(remaining: remaining - 1)
            return remaining == 1 ? .endsWithThisByte : .needMore
        case .number:
            return Self.isNumberByte(byte) ? .needMore : .endedBeforeThisByte
        case .string, .container:
            return try self.scanStructure(byte)
        }
    }

    private mutating func start(_ byte: UInt8) throws(InvalidJSON) -> Step {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            self.topLevel = .container
            return try self.scanStructure(byte)
        case UInt8(ascii: "\""):
            self.topLevel = .string
            self.inString = true
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            self.topLevel = .number
        case UInt8(ascii: "t"), UInt8(ascii: "n"):
            self.topLevel = .literal(remaining: 3)
        case UInt8(ascii: "f"):
            self.topLevel = .literal(remaining: 4)
        default:
            throw InvalidJSON()
        }
        return .needMore
    }

    private mutating func scanStructure(_ byte: UInt8) throws(InvalidJSON) -> Step {
        if self.inString {
            if self.afterBackslash {
                self.afterBackslash = false
            } else if byte == UInt8(ascii: "\\") {
                self.afterBackslash = true
            } else if byte == UInt8(ascii: "\"") {
                self.inString = false
                if case .string = self.topLevel {
                    return .endsWithThisByte
                }
            } else if byte < 0x20 {
                throw InvalidJSON()
            }
            return .needMore
        }
        switch byte {
        case UInt8(ascii: "\""):
            self.inString = true
        case UInt8(ascii: "{"):
            try self.open(closer: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            try self.open(closer: UInt8(ascii: "]"))
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            guard self.expectedClosers.popLast() == byte else {
                throw InvalidJSON()
            }
            if self.expectedClosers.isEmpty {
                return .endsWithThisByte
            }
        default:
            break
        }
        return .needMore
    }

    private mutating func open(closer: UInt8) throws(InvalidJSON) {
        guard self.expectedClosers.count < JSONValue.maxNestingDepth else {
            throw InvalidJSON()
        }
        self.expectedClosers.append(closer)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }
}
