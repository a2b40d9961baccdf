/// Why a CHAP exchange failed. Safe to log: it never carries a secret, a challenge or a response.
public enum CHAPFailure: Hashable, Sendable {
    /// None of the initiator's `CHAP_A` values is an algorithm the target accepts.
    case noAcceptableAlgorithm
    /// A key the current step needs is absent (`CHAP_A`, `CHAP_N`, `CHAP_R`, or one of `CHAP_I`/`CHAP_C`
    /// without the other).
    case missingKey(String)
    /// A CHAP key arrived in a step where it has no meaning.
    case unexpectedKey(String)
    /// A value is not a valid number, or not valid hexadecimal or base64.
    case malformedValue(key: String)
    /// No secret, or an empty one, is configured for the `CHAP_N` the initiator sent.
    case unknownUser
    /// `CHAP_R` is not as long as the negotiated algorithm's digest.
    case wrongResponseLength
    /// `CHAP_R` does not match the secret configured for the user.
    case wrongResponse
    /// The initiator answered with the target's own mutual secret: RFC 7143 §12.1.3 forbids using one secret in
    /// both directions.
    case secretUsedInBothDirections
    /// The initiator asked for mutual CHAP but the user has no `muser`/`msecret`.
    case mutualCredentialsNotConfigured
    /// Mutual CHAP is required but the initiator did not send `CHAP_I` and `CHAP_C`.
    case mutualAuthenticationRequired
    /// The initiator's `CHAP_C` is the target's own challenge sent back (a reflection attack).
    case reflectedChallenge
    /// The initiator's `CHAP_C` is shorter than the configured minimum.
    case challengeTooShort
    /// Keys arrived after the exchange had already ended.
    case exchangeFinished
}
