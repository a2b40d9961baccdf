/// The target side of CHAP in the security stage (RFC 7143 §12.1.3, RFC 1994), one-way or mutual.
///
/// The exchange, one call of `authenticate(_:)` per complete Login Request text:
/// 1. The request that negotiates `AuthMethod=CHAP` may carry no CHAP key: the answer is empty.
/// 2. `CHAP_A=<list>` → `CHAP_A=<chosen>`, `CHAP_I=<identifier>`, `CHAP_C=<challenge>`, both random.
/// 3. `CHAP_N`, `CHAP_R` (and for mutual CHAP `CHAP_I`, `CHAP_C`) → success, with `CHAP_N`/`CHAP_R` of the
///    target for mutual CHAP.
///
/// Every instance issues a fresh challenge, so a response recorded from an earlier login does not verify.
/// Secrets come from `credentials`, looked up by the `CHAP_N` the initiator sends; they are never part of an
/// answer, a failure reason or a description.
public struct CHAPAuthenticator: LoginAuthenticator {
    /// Finds the credentials of an auth group user by name, or nil when the user is unknown.
    public typealias CredentialLookup = @Sendable (_ user: String) -> CHAPCredentials?

    private enum State: Sendable {
        /// Nothing received yet.
        case initial
        /// `AuthMethod=CHAP` was negotiated; `CHAP_A` must come next.
        case awaitingAlgorithm
        /// The challenge was sent; `CHAP_N` and `CHAP_R` must come next.
        case awaitingResponse(IssuedChallenge)
        /// The initiator (and for mutual CHAP the target) is authenticated.
        case succeeded
        /// The exchange failed.
        case failed(CHAPFailure)
    }

    /// The target's challenge, kept to verify the initiator's response.
    private struct IssuedChallenge: Sendable {
        var algorithm: CHAPAlgorithm
        var identifier: UInt8
        var challenge: [UInt8]
    }

    private var state: State = .initial
    private let configuration: CHAPConfiguration
    private let credentials: CredentialLookup
    private var randomNumberGenerator: any RandomNumberGenerator & Sendable

    /// Creates an authenticator for one login; challenges come from the system's secure random source.
    public init(configuration: CHAPConfiguration = CHAPConfiguration(), credentials: @escaping CredentialLookup) {
        self.init(
            configuration: configuration,
            credentials: credentials,
            randomNumberGenerator: SystemRandomNumberGenerator()
        )
    }

    /// Creates an authenticator drawing identifiers and challenges from `randomNumberGenerator` (tests only).
    init(
        configuration: CHAPConfiguration,
        credentials: @escaping CredentialLookup,
        randomNumberGenerator: some RandomNumberGenerator & Sendable
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.randomNumberGenerator = randomNumberGenerator
    }

    /// Why the exchange failed, once it has; safe to log.
    public var failure: CHAPFailure? {
        if case .failed(let failure) = self.state {
            return failure
        }
        return nil
    }

    public mutating func authenticate(_ keys: [TextParameter]) -> LoginAuthenticationStep {
        let received = CHAPKeys(keys)
        switch self.state {
        case .initial where received.isEmpty:
            self.state = .awaitingAlgorithm
            return .inProgress([])
        case .initial, .awaitingAlgorithm:
            return self.conclude(self.issueChallenge(received))
        case .awaitingResponse(let issued):
            return self.conclude(self.verify(received, against: issued))
        case .succeeded, .failed:
            return self.conclude(.failure(.exchangeFinished))
        }
    }

    // MARK: - Steps

    /// The outcome of one step, before it is recorded in the state.
    private enum StepResult {
        case challenge(IssuedChallenge, [TextParameter])
        case success([TextParameter])
        case failure(CHAPFailure)
    }

    private mutating func conclude(_ result: StepResult) -> LoginAuthenticationStep {
        switch result {
        case .challenge(let issued, let answers):
            self.state = .awaitingResponse(issued)
            return .inProgress(answers)
        case .success(let answers):
            self.state = .succeeded
            return .succeeded(answers)
        case .failure(let failure):
            if case .failed = self.state {
                return .failed
            }
            self.state = .failed(failure)
            return .failed
        }
    }

    /// Step 2: picks the algorithm and sends a fresh identifier and challenge.
    private mutating func issueChallenge(_ received: CHAPKeys) -> StepResult {
        guard let offered = received.algorithms else {
            return .failure(.missingKey(LoginKey.chapA.name))
        }
        if let unexpected = received.firstPresent(of: [.chapN, .chapR, .chapI, .chapC]) {
            return .failure(.unexpectedKey(unexpected.name))
        }
        let chosen = offered.split(separator: ",").lazy
            .compactMap { Self.number($0).flatMap(UInt8.init(exactly:)).flatMap(CHAPAlgorithm.init(rawValue:)) }
            .first { self.configuration.algorithms.contains($0) }
        guard let algorithm = chosen else {
            return .failure(.noAcceptableAlgorithm)
        }
        let identifier = UInt8.random(in: .min ... .max, using: &self.randomNumberGenerator)
        let challenge = (0..<algorithm.challengeLength).map { _ in
            UInt8.random(in: .min ... .max, using: &self.randomNumberGenerator)
        }
        let issued = IssuedChallenge(algorithm: algorithm, identifier: identifier, challenge: challenge)
        return .challenge(
            issued,
            [
                TextParameter(key: LoginKey.chapA.name, value: String(algorithm.rawValue)),
                TextParameter(key: LoginKey.chapI.name, value: String(identifier)),
                TextParameter(key: LoginKey.chapC.name, value: CHAPBinaryValue.encodeHex(challenge)),
            ]
        )
    }

    /// Step 3: verifies the initiator's response, then answers its challenge for mutual CHAP.
    private func verify(_ received: CHAPKeys, against issued: IssuedChallenge) -> StepResult {
        if received.value(of: .chapA) != nil {
            return .failure(.unexpectedKey(LoginKey.chapA.name))
        }
        guard let user = received.value(of: .chapN) else {
            return .failure(.missingKey(LoginKey.chapN.name))
        }
        guard let encodedResponse = received.value(of: .chapR) else {
            return .failure(.missingKey(LoginKey.chapR.name))
        }
        let mutualIdentifier = received.value(of: .chapI)
        let mutualChallenge = received.value(of: .chapC)
        switch (mutualIdentifier, mutualChallenge) {
        case (.some, nil): return .failure(.missingKey(LoginKey.chapC.name))
        case (nil, .some): return .failure(.missingKey(LoginKey.chapI.name))
        case (nil, nil) where self.configuration.requiresMutualAuthentication:
            return .failure(.mutualAuthenticationRequired)
        default: break
        }
        guard let response = CHAPBinaryValue.decode(encodedResponse) else {
            return .failure(.malformedValue(key: LoginKey.chapR.name))
        }
        guard response.count == issued.algorithm.digestLength else {
            return .failure(.wrongResponseLength)
        }
        guard let credentials = self.credentials(user), credentials.secret.count > 0 else {
            return .failure(.unknownUser)
        }
        let expected = issued.algorithm.response(
            identifier: issued.identifier,
            secret: credentials.secret,
            challenge: issued.challenge
        )
        guard Self.constantTimeEquals(response, expected) else {
            return .failure(.wrongResponse)
        }
        if let mutualSecret = credentials.mutualSecret {
            let targetOwn = issued.algorithm.response(
                identifier: issued.identifier,
                secret: mutualSecret,
                challenge: issued.challenge
            )
            if Self.constantTimeEquals(response, targetOwn) {
                return .failure(.secretUsedInBothDirections)
            }
        }
        guard let mutualIdentifier, let mutualChallenge else {
            return .success([])
        }
        return self.answerMutualChallenge(
            identifier: mutualIdentifier,
            challenge: mutualChallenge,
            credentials: credentials,
            issued: issued
        )
    }

    /// The target's `CHAP_N` and `CHAP_R` for the initiator's challenge.
    private func answerMutualChallenge(
        identifier encodedIdentifier: String,
        challenge encodedChallenge: String,
        credentials: CHAPCredentials,
        issued: IssuedChallenge
    ) -> StepResult {
        guard let target = credentials.targetCredentials else {
            return .failure(.mutualCredentialsNotConfigured)
        }
        guard let number = Self.number(Substring(encodedIdentifier)), let identifier = UInt8(exactly: number) else {
            return .failure(.malformedValue(key: LoginKey.chapI.name))
        }
        guard let challenge = CHAPBinaryValue.decode(encodedChallenge) else {
            return .failure(.malformedValue(key: LoginKey.chapC.name))
        }
        guard challenge != issued.challenge else {
            return .failure(.reflectedChallenge)
        }
        guard challenge.count >= self.configuration.minimumInitiatorChallengeLength else {
            return .failure(.challengeTooShort)
        }
        let response = issued.algorithm.response(identifier: identifier, secret: target.secret, challenge: challenge)
        return .success([
            TextParameter(key: LoginKey.chapN.name, value: target.user),
            TextParameter(key: LoginKey.chapR.name, value: CHAPBinaryValue.encodeHex(response)),
        ])
    }

    // MARK: - Helpers

    /// A decimal or `0x` hexadecimal number (RFC 7143 §6.1), as `CHAP_A` and `CHAP_I` carry.
    private static func number(_ text: Substring) -> UInt64? {
        let hexadecimal = text.hasPrefix("0x") || text.hasPrefix("0X")
        let digits = hexadecimal ? text.dropFirst(2) : text
        let isDigit: (Character) -> Bool = hexadecimal ? \.isHexDigit : \.isWholeNumber
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && isDigit($0) }) else {
            return nil
        }
        return UInt64(digits, radix: hexadecimal ? 16 : 10)
    }

    /// Compares two digests in time that depends only on their length.
    private static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else {
            return false
        }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}

/// The CHAP keys of one request, looked up the way SPDK matches keys (case-insensitively).
private struct CHAPKeys {
    private var values: [LoginKey: String] = [:]

    init(_ parameters: [TextParameter]) {
        for parameter in parameters {
            if let key = LoginKey.named(parameter.key), key.isCHAPKey {
                self.values[key] = parameter.value
            }
        }
    }

    var isEmpty: Bool { self.values.isEmpty }

    /// The raw `CHAP_A` list.
    var algorithms: String? { self.values[.chapA] }

    func value(of key: LoginKey) -> String? {
        self.values[key]
    }

    func firstPresent(of keys: [LoginKey]) -> LoginKey? {
        keys.first { self.values[$0] != nil }
    }
}
