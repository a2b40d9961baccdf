/// The CHAP settings of a target node, a portal group or discovery (`disable_chap`, `require_chap`,
/// `mutual_chap`, `chap_group`), validated as SPDK's `iscsi_check_chap_params` does.
public struct CHAPRule: Hashable, Sendable {
    /// The four combinations SPDK accepts.
    public enum Requirement: Hashable, Sendable {
        /// "Auto" (no flag): the initiator decides between `AuthMethod=None` and CHAP, one-way or mutual.
        case initiatorDecides
        /// "None" (`disable_chap`): only `AuthMethod=None`.
        case disabled
        /// "CHAP" (`require_chap`): CHAP is mandatory, mutual CHAP is up to the initiator.
        case required
        /// "CHAP Mutual" (`require_chap` and `mutual_chap`): mutual CHAP is mandatory.
        case requiredMutual
    }

    /// Why a combination of CHAP parameters is refused.
    public enum ValidationError: Error, Hashable, Sendable {
        /// `chap_group` is negative.
        case negativeGroup
        /// The flags are not one of the four valid combinations (for example `disable_chap` with `require_chap`,
        /// or `mutual_chap` without `require_chap`).
        case invalidCombination
    }

    /// What the rule demands.
    public var requirement: Requirement
    /// The auth group holding the secrets; 0 means none.
    public var group: Int32

    /// Creates a rule from a requirement and a group.
    public init(requirement: Requirement, group: Int32 = 0) {
        self.requirement = requirement
        self.group = group
    }

    /// Validates the RPC flags: group ≥ 0 and (disable, require, mutual) one of (F,F,F), (T,F,F), (F,T,F), (F,T,T).
    public init(disable: Bool, require: Bool, mutual: Bool, group: Int32) throws(ValidationError) {
        guard group >= 0 else {
            throw .negativeGroup
        }
        switch (disable, require, mutual) {
        case (false, false, false): self.requirement = .initiatorDecides
        case (true, false, false): self.requirement = .disabled
        case (false, true, false): self.requirement = .required
        case (false, true, true): self.requirement = .requiredMutual
        default: throw .invalidCombination
        }
        self.group = group
    }

    /// `disable_chap` as the get RPCs report it.
    public var disableCHAP: Bool { self.requirement == .disabled }
    /// `require_chap` as the get RPCs report it.
    public var requireCHAP: Bool { self.requirement == .required || self.requirement == .requiredMutual }
    /// `mutual_chap` as the get RPCs report it.
    public var mutualCHAP: Bool { self.requirement == .requiredMutual }

    /// The `AuthMethod` values the login accepts under this rule.
    public var authenticationPolicy: LoginAuthenticationPolicy {
        switch self.requirement {
        case .initiatorDecides: .optional
        case .disabled: .none
        case .required, .requiredMutual: .required
        }
    }

    /// The CHAP configuration for a login under this rule, with the accepted `algorithms`.
    public func configuration(algorithms: Set<CHAPAlgorithm> = [.md5]) -> CHAPConfiguration {
        CHAPConfiguration(algorithms: algorithms, requiresMutualAuthentication: self.requirement == .requiredMutual)
    }
}
