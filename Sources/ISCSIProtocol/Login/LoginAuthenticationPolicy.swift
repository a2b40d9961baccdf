/// Which `AuthMethod` values the target accepts for a login, from the CHAP settings of the target
/// node (Normal sessions) or the discovery settings (`disable_chap`/`require_chap`).
public enum LoginAuthenticationPolicy: Hashable, Sendable {
    /// CHAP disabled: only `AuthMethod=None`.
    case none
    /// Either: the initiator's preference wins (SPDK's "Auto").
    case optional
    /// CHAP required: only `AuthMethod=CHAP`; skipping the security stage fails authentication.
    case required

    /// The target's list of acceptable `AuthMethod` values, in preference order.
    var acceptableMethods: [String] {
        switch self {
        case .none: ["None"]
        case .optional: ["CHAP", "None"]
        case .required: ["CHAP"]
        }
    }

    /// The method in force when the initiator does not send `AuthMethod`.
    var defaultMethod: String {
        self == .required ? "CHAP" : "None"
    }
}
