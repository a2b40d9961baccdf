extension JSONValue {
    /// The compact form SPDK writes responses in: no whitespace at all, e.g. `{"a":1,"b":[true,null]}`.
    ///
    /// Strings are escaped as Python's `json.dumps` does by default (non-ASCII as `\uXXXX`).
    public func compactText() -> String {
        var writer = JSONTextWriter(indent: nil)
        writer.write(self)
        return writer.text
    }

    /// The text Python's `json.dumps(value, indent=indent)` produces, byte for byte.
    ///
    /// That is what rpc.py prints and sends: `"key": value` members, one element per line,
    /// `[]`/`{}` for empty containers, non-ASCII escaped as `\uXXXX` (surrogate pairs beyond
    /// the BMP) and floats formatted like Python's `repr`.
    public func prettyText(indent: Int) -> String {
        var writer = JSONTextWriter(indent: max(indent, 0))
        writer.write(self)
        return writer.text
    }
}

/// Serialises a ``JSONValue`` compactly (`indent == nil`) or indented like Python's `json` module.
struct JSONTextWriter {
    private let indent: Int?
    private var level = 0
    private(set) var text = ""

    init(indent: Int?) {
        self.indent = indent
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            self.text += "null"
        case .bool(let value):
            self.text += value ? "true" : "false"
        case .integer(let value):
            self.text += String(value)
        case .unsignedInteger(let value):
            self.text += String(value)
        case .double(let value):
            self.writeDouble(value)
        case .string(let value):
            self.writeString(value)
        case .array(let elements):
            self.writeContainer(elements, open: "[", close: "]") { writer, element in
                writer.write(element)
            }
        case .object(let object):
            self.writeContainer(object.members, open: "{", close: "}") { writer, member in
                writer.writeString(member.key)
                writer.text += writer.indent == nil ? ":" : ": "
                writer.write(member.value)
            }
        }
    }

    private mutating func writeContainer<Element>(
        _ elements: [Element],
        open: String,
        close: String,
        writeElement: (inout JSONTextWriter, Element) -> Void
    ) {
        self.text += open
        guard !elements.isEmpty else {
            self.text += close
            return
        }
        self.level += 1
        for (position, element) in elements.enumerated() {
            if position > 0 {
                self.text += ","
            }
            self.writeLineBreak()
            writeElement(&self, element)
        }
        self.level -= 1
        self.writeLineBreak()
        self.text += close
    }

    private mutating func writeLineBreak() {
        guard let indent = self.indent else { return }
        self.text += "\n"
        self.text += String(repeating: " ", count: indent * self.level)
    }

    /// Python's `float.__repr__`, which Swift's shortest round-trip `description` matches,
    /// and Python's spellings of the non-finite values.
    private mutating func writeDouble(_ value: Double) {
        if value.isNaN {
            self.text += "NaN"
        } else if value.isInfinite {
            self.text += value < 0 ? "-Infinity" : "Infinity"
        } else {
            self.text += value.description
        }
    }

    /// Escapes like Python's `json.dumps` with `ensure_ascii=True`.
    private mutating func writeString(_ value: String) {
        self.text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": self.text += "\\\""
            case "\\": self.text += "\\\\"
            case "\n": self.text += "\\n"
            case "\r": self.text += "\\r"
            case "\t": self.text += "\\t"
            case "\u{08}": self.text += "\\b"
            case "\u{0C}": self.text += "\\f"
            case " "..."~": self.text.unicodeScalars.append(scalar)
            default:
                for unit in String(scalar).utf16 {
                    self.writeUnicodeEscape(unit)
                }
            }
        }
        self.text += "\""
    }

    private mutating func writeUnicodeEscape(_ unit: UInt16) {
        let hex = String(unit, radix: 16)
        self.text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
