/// The `SessionType` an initiator declares in its first login request.
public enum SessionType: String, Hashable, Sendable {
    /// A session to a target node, for SCSI commands.
    case normal = "Normal"
    /// A session that may only ask for `SendTargets`.
    case discovery = "Discovery"

    /// Parses the key's value, case-insensitively as SPDK does; nil for anything else.
    public init?(keyValue: String) {
        switch keyValue.lowercased() {
        case "normal": self = .normal
        case "discovery": self = .discovery
        default: return nil
        }
    }
}
