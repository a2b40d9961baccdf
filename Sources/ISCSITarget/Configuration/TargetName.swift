/// iSCSI target naming rules (SPDK `check_iscsi_name` and the node-base prefix).
enum TargetName {
    /// Longest iSCSI name, in bytes.
    static let maximumLength = 223

    /// The stored full name: names not starting with `iqn.`, `eui.` or `naa.` (any case) get
    /// `<nodeBase>:` prepended.
    static func fullName(_ name: String, nodeBase: String) -> String {
        let prefix = name.prefix(4).lowercased()
        if prefix == "iqn." || prefix == "eui." || prefix == "naa." {
            return name
        }
        return "\(nodeBase):\(name)"
    }

    /// Whether a full name is a valid iSCSI name: at most 223 bytes, only letters, digits, `-`, `.`,
    /// `:` and bytes ≥ 0x80, and an `iqn.` name must continue with `YYYY-MM.`.
    static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count <= Self.maximumLength else { return false }
        for byte in bytes where !Self.isAllowed(byte) {
            return false
        }
        guard name.prefix(4).lowercased() == "iqn." else { return true }
        guard bytes.count >= 12 else { return false }
        let digitPositions = [4, 5, 6, 7, 9, 10]
        return digitPositions.allSatisfy { Self.isDigit(bytes[$0]) } && bytes[8] == UInt8(ascii: "-")
            && bytes[11] == UInt8(ascii: ".")
    }

    /// The text after the first `:` (what iscsi_get_connections reports as target_node_name).
    static func shortName(_ name: String) -> String {
        guard let colon = name.firstIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x00...0x2c, 0x2f, 0x3b...0x40, 0x5b...0x60, 0x7b...0x7f: false
        default: true
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
