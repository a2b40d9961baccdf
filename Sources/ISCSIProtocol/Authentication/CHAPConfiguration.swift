/// What the target demands of a CHAP exchange.
public struct CHAPConfiguration: Hashable, Sendable {
    /// The algorithms the target accepts. The first one of the initiator's `CHAP_A` list that is in this set
    /// wins. SPDK accepts MD5 only, which is the default.
    public var algorithms: Set<CHAPAlgorithm>
    /// Mutual CHAP is required (the `mutual_chap` flag): an initiator that does not challenge the target fails.
    public var requiresMutualAuthentication: Bool
    /// The shortest `CHAP_C` accepted from the initiator, in bytes. The default, 16, is MD5's digest length and
    /// what open-iscsi sends at least (libiscsi sends 32).
    public var minimumInitiatorChallengeLength: Int

    /// Creates a configuration; by default MD5 only, mutual CHAP left to the initiator.
    public init(
        algorithms: Set<CHAPAlgorithm> = [.md5],
        requiresMutualAuthentication: Bool = false,
        minimumInitiatorChallengeLength: Int = 16
    ) {
        self.algorithms = algorithms
        self.requiresMutualAuthentication = requiresMutualAuthentication
        self.minimumInitiatorChallengeLength = minimumInitiatorChallengeLength
    }
}
