/// Which CHAP authentication a login must perform, and with which auth group.
///
/// Used for discovery sessions (global), portal groups and target nodes. Only four combinations of
/// the three flags are meaningful (see `isValid`).
public struct CHAPPolicy: Sendable, Equatable {
    /// No CHAP: only `AuthMethod=None` is accepted.
    public var disable: Bool
    /// CHAP is mandatory.
    public var require: Bool
    /// Mutual CHAP is mandatory (needs `require`).
    public var mutual: Bool
    /// Auth group holding the secrets; 0 means "no group".
    public var group: Int32

    public init(disable: Bool = false, require: Bool = false, mutual: Bool = false, group: Int32 = 0) {
        self.disable = disable
        self.require = require
        self.mutual = mutual
        self.group = group
    }

    /// SPDK's `iscsi_check_chap_params`: a non-negative group and one of the combinations
    /// Auto (no flag), None (`disable`), CHAP (`require`) or CHAP Mutual (`require` + `mutual`).
    public var isValid: Bool {
        guard self.group >= 0 else { return false }
        if self.disable { return !self.require && !self.mutual }
        return self.require || !self.mutual
    }
}
