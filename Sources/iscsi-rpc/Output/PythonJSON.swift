import JSONRPC

/// Python's `json.dumps(value, indent=...)`, the only serialisation rpc.py uses for what it prints and sends.
enum PythonJSON {
    /// `json.dumps(value, indent=indent)`: nil gives the single-line form with `", "` and `": "`
    /// separators; a number gives one member per line indented by that many spaces per level.
    static func dumps(_ value: JSONValue, indent: Int?) -> String {
        guard let indent else { return singleLine(value) }
        if indent > 0 {
            return value.prettyText(indent: indent)
        }
        return multiLine(value, indent: String(repeating: " ", count: max(indent, 0)), level: 0)
    }

    /// rpc.py's `print_json`: the indented dump with every leading and trailing `"` stripped.
    static func printJSONText(_ value: JSONValue) -> String {
        let text = value.prettyText(indent: 2)
        let characters = Array(text)
        guard let start = characters.firstIndex(where: { $0 != "\"" }),
            let end = characters.lastIndex(where: { $0 != "\"" })
        else { return "" }
        return String(characters[start...end])
    }

    private static func singleLine(_ value: JSONValue) -> String {
        switch value {
        case .array(let elements):
            return "[" + elements.map(singleLine).joined(separator: ", ") + "]"
        case .object(let object):
            let members = object.map { member in
                scalar(.string(member.key)) + ": " + singleLine(member.value)
            }
            return "{" + members.joined(separator: ", ") + "}"
        default:
            return scalar(value)
        }
    }

    /// Indented output for `indent=0`, which Python still breaks into lines.
    private static func multiLine(_ value: JSONValue, indent: String, level: Int) -> String {
        let inner = "\n" + String(repeating: indent, count: level + 1)
        let outer = "\n" + String(repeating: indent, count: level)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            let items = elements.map { multiLine($0, indent: indent, level: level + 1) }
            return "[" + inner + items.joined(separator: "," + inner) + outer + "]"
        case .object(let object) where !object.isEmpty:
            let items = object.map { member in
                scalar(.string(member.key)) + ": " + multiLine(member.value, indent: indent, level: level + 1)
            }
            return "{" + inner + items.joined(separator: "," + inner) + outer + "}"
        default:
            return scalar(value)
        }
    }

    /// A scalar or empty container; its indented form is already Python's.
    private static func scalar(_ value: JSONValue) -> String {
        value.prettyText(indent: 2)
    }
}
