import Testing

@testable import ISCSIProtocol

/// A generator that always yields zero, so identifiers and challenges are all zero bytes.
private struct ZeroGenerator: RandomNumberGenerator, Sendable {
    mutating func next() -> UInt64 { 0 }
}

/// The CHAP_A/CHAP_I/CHAP_C answer of the target, decoded.
private struct IssuedChallenge {
    var algorithm: CHAPAlgorithm
    var identifier: UInt8
    var challenge: [UInt8]
}

@Suite struct CHAPAuthenticatorTests {
    private static let secret = CHAPSecret("123456789123")
    private static let mutualSecret = CHAPSecret("321978654321")
    /// The users of the auth group in SPDK's chap_discovery scenario, plus a one-way user and a user who reuses
    /// one secret in both directions.
    private static let lookup: CHAPAuthenticator.CredentialLookup = { user in
        switch user {
        case "chapo":
            CHAPCredentials(user: "chapo", secret: secret, mutualUser: "mchapo", mutualSecret: mutualSecret)
        case "oneway":
            CHAPCredentials(user: "oneway", secret: secret)
        case "empty":
            CHAPCredentials(user: "empty", secret: CHAPSecret(""))
        case "lazy":
            CHAPCredentials(user: "lazy", secret: secret, mutualUser: "mlazy", mutualSecret: secret)
        default:
            nil
        }
    }

    private static func keys(_ pairs: KeyValuePairs<String, String>) -> [TextParameter] {
        pairs.map { TextParameter(key: $0.key, value: $0.value) }
    }

    private static func authenticator(_ configuration: CHAPConfiguration = CHAPConfiguration()) -> CHAPAuthenticator {
        CHAPAuthenticator(configuration: configuration, credentials: Self.lookup)
    }

    /// Runs the AuthMethod exchange and `CHAP_A`, and decodes the target's challenge.
    private static func challenge(
        _ authenticator: inout CHAPAuthenticator,
        offering algorithms: String = "5",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> IssuedChallenge {
        guard case .inProgress(let first) = authenticator.authenticate([]), first.isEmpty else {
            throw ExchangeError.unexpectedStep
        }
        guard case .inProgress(let answer) = authenticator.authenticate(Self.keys(["CHAP_A": algorithms])) else {
            throw ExchangeError.unexpectedStep
        }
        #expect(answer.map(\.key) == ["CHAP_A", "CHAP_I", "CHAP_C"], sourceLocation: sourceLocation)
        let algorithm = try #require(UInt8(answer[0].value).flatMap(CHAPAlgorithm.init(rawValue:)))
        let identifier = try #require(UInt8(answer[1].value))
        let challenge = try #require(CHAPBinaryValue.decode(answer[2].value))
        #expect(answer[2].value.hasPrefix("0x"), sourceLocation: sourceLocation)
        #expect(challenge.count == algorithm.challengeLength, sourceLocation: sourceLocation)
        return IssuedChallenge(algorithm: algorithm, identifier: identifier, challenge: challenge)
    }

    /// The initiator's `CHAP_R` for `issued` with `secret`, hex encoded.
    private static func response(to issued: IssuedChallenge, secret: CHAPSecret = secret) -> String {
        CHAPBinaryValue.encodeHex(
            issued.algorithm.response(identifier: issued.identifier, secret: secret, challenge: issued.challenge)
        )
    }

    private enum ExchangeError: Error {
        case unexpectedStep
    }

    /// Expects `step` to fail with `failure`.
    private static func expectFailure(
        _ step: LoginAuthenticationStep,
        _ authenticator: CHAPAuthenticator,
        _ failure: CHAPFailure,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .failed = step else {
            Issue.record("expected failure \(failure), got \(step)", sourceLocation: sourceLocation)
            return
        }
        #expect(authenticator.failure == failure, sourceLocation: sourceLocation)
    }

    // MARK: - Known answers through the whole exchange

    @Test func oneWayMD5KnownAnswer() {
        var authenticator = CHAPAuthenticator(
            configuration: CHAPConfiguration(),
            credentials: Self.lookup,
            randomNumberGenerator: ZeroGenerator()
        )
        guard case .inProgress(let first) = authenticator.authenticate([]) else {
            Issue.record("expected the AuthMethod exchange to continue")
            return
        }
        #expect(first.isEmpty)
        guard case .inProgress(let challenge) = authenticator.authenticate(Self.keys(["CHAP_A": "5"])) else {
            Issue.record("expected a challenge")
            return
        }
        #expect(
            challenge
                == Self.keys(["CHAP_A": "5", "CHAP_I": "0", "CHAP_C": "0x" + String(repeating: "00", count: 16)])
        )
        // Python: hashlib.md5(b"\0" + b"123456789123" + b"\0" * 16)
        let step = authenticator.authenticate(
            Self.keys(["CHAP_N": "chapo", "CHAP_R": "0x9e816cb579a7d893256ea8836f227526"])
        )
        guard case .succeeded(let answers) = step else {
            Issue.record("expected success, got \(step)")
            return
        }
        #expect(answers.isEmpty)
        #expect(authenticator.failure == nil)
    }

    @Test func mutualSHA256KnownAnswer() {
        var authenticator = CHAPAuthenticator(
            configuration: CHAPConfiguration(algorithms: [.md5, .sha256]),
            credentials: Self.lookup,
            randomNumberGenerator: ZeroGenerator()
        )
        _ = authenticator.authenticate([])
        guard case .inProgress(let challenge) = authenticator.authenticate(Self.keys(["CHAP_A": "7,5"])) else {
            Issue.record("expected a challenge")
            return
        }
        #expect(challenge.first == TextParameter(key: "CHAP_A", value: "7"))
        // Python: hashlib.sha256(b"\0" + b"123456789123" + b"\0" * 32), and for the target
        // hashlib.sha256(bytes([7]) + b"321978654321" + bytes(range(0xa0, 0xc0))).
        let step = authenticator.authenticate(
            Self.keys([
                "CHAP_N": "chapo", "CHAP_R": "0x51354dbdb01e6710a5401b662477a0d8be855c119ce7b43e35d847f3ef9a8266",
                "CHAP_I": "7", "CHAP_C": CHAPBinaryValue.encodeHex(Array(0xa0...0xbf)),
            ])
        )
        guard case .succeeded(let answers) = step else {
            Issue.record("expected success, got \(step)")
            return
        }
        #expect(
            answers
                == Self.keys([
                    "CHAP_N": "mchapo",
                    "CHAP_R": "0xb2511e3a10b903c133638a042d9d73bd3bb0fa35b0fcc131709b385522efd7e4",
                ])
        )
    }

    // MARK: - Happy paths

    @Test(arguments: CHAPAlgorithm.allCases)
    func oneWaySucceedsWithEveryAlgorithm(_ algorithm: CHAPAlgorithm) throws {
        var authenticator = Self.authenticator(CHAPConfiguration(algorithms: Set(CHAPAlgorithm.allCases)))
        let issued = try Self.challenge(&authenticator, offering: String(algorithm.rawValue))
        #expect(issued.algorithm == algorithm)
        let step = authenticator.authenticate(Self.keys(["CHAP_N": "oneway", "CHAP_R": Self.response(to: issued)]))
        guard case .succeeded(let answers) = step else {
            Issue.record("expected success, got \(step)")
            return
        }
        #expect(answers.isEmpty)
    }

    @Test func acceptsBase64Response() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let digest = issued.algorithm.response(
            identifier: issued.identifier,
            secret: Self.secret,
            challenge: issued.challenge
        )
        let step = authenticator.authenticate(Self.keys(["CHAP_N": "oneway", "CHAP_R": "0b" + Self.base64(digest)]))
        guard case .succeeded = step else {
            Issue.record("expected success, got \(step)")
            return
        }
    }

    @Test func mutualAnswersWithTheTargetSecret() throws {
        var authenticator = Self.authenticator(CHAPConfiguration(requiresMutualAuthentication: true))
        let issued = try Self.challenge(&authenticator)
        let initiatorChallenge = (0..<16).map { UInt8($0 * 3) }
        let step = authenticator.authenticate(
            Self.keys([
                "CHAP_N": "chapo", "CHAP_R": Self.response(to: issued), "CHAP_I": "0x2A",
                "CHAP_C": "0b" + Self.base64(initiatorChallenge),
            ])
        )
        guard case .succeeded(let answers) = step else {
            Issue.record("expected success, got \(step)")
            return
        }
        let expected = CHAPAlgorithm.md5.response(
            identifier: 42,
            secret: Self.mutualSecret,
            challenge: initiatorChallenge
        )
        #expect(answers == Self.keys(["CHAP_N": "mchapo", "CHAP_R": CHAPBinaryValue.encodeHex(expected)]))
    }

    @Test func algorithmIsTheInitiatorsFirstAcceptable() throws {
        var defaults = Self.authenticator()
        #expect(try Self.challenge(&defaults, offering: "8,7,6,5").algorithm == .md5)

        var several = Self.authenticator(CHAPConfiguration(algorithms: [.md5, .sha1, .sha256]))
        #expect(try Self.challenge(&several, offering: "8,7,6,5").algorithm == .sha256)

        var skipsJunk = Self.authenticator(CHAPConfiguration(algorithms: [.sha1]))
        #expect(try Self.challenge(&skipsJunk, offering: "x,,261,0x06,5").algorithm == .sha1)
    }

    @Test func chapAAlongsideAuthMethodIsAnsweredAtOnce() {
        var authenticator = Self.authenticator()
        guard case .inProgress(let answer) = authenticator.authenticate(Self.keys(["CHAP_A": "5"])) else {
            Issue.record("expected a challenge")
            return
        }
        #expect(answer.map(\.key) == ["CHAP_A", "CHAP_I", "CHAP_C"])
    }

    // MARK: - Fresh challenges and replay

    @Test func everyLoginGetsAFreshChallenge() throws {
        var first = Self.authenticator()
        var second = Self.authenticator()
        #expect(try Self.challenge(&first).challenge != Self.challenge(&second).challenge)
    }

    @Test func replayedResponseFails() throws {
        var recorded = Self.authenticator()
        let issued = try Self.challenge(&recorded)
        let response = Self.keys(["CHAP_N": "oneway", "CHAP_R": Self.response(to: issued)])
        guard case .succeeded = recorded.authenticate(response) else {
            Issue.record("the recorded login should succeed")
            return
        }

        var replayed = Self.authenticator()
        _ = try Self.challenge(&replayed)
        Self.expectFailure(replayed.authenticate(response), replayed, .wrongResponse)
    }

    // MARK: - Refusals

    @Test func unknownUserFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(Self.keys(["CHAP_N": "mallory", "CHAP_R": Self.response(to: issued)]))
        Self.expectFailure(step, authenticator, .unknownUser)
    }

    @Test func emptyConfiguredSecretFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let response = Self.response(to: issued, secret: CHAPSecret(""))
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_N": "empty", "CHAP_R": response])),
            authenticator,
            .unknownUser
        )
    }

    @Test func wrongSecretFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let response = Self.response(to: issued, secret: CHAPSecret("123456789124"))
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_N": "oneway", "CHAP_R": response])),
            authenticator,
            .wrongResponse
        )
    }

    @Test func noAcceptableAlgorithmFails() {
        var authenticator = Self.authenticator()
        _ = authenticator.authenticate([])
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_A": "7,8"])),
            authenticator,
            .noAcceptableAlgorithm
        )
    }

    @Test func missingAlgorithmFails() {
        var authenticator = Self.authenticator()
        _ = authenticator.authenticate([])
        Self.expectFailure(authenticator.authenticate([]), authenticator, .missingKey("CHAP_A"))
    }

    @Test func responseBeforeChallengeFails() {
        var authenticator = Self.authenticator()
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_A": "5", "CHAP_N": "oneway", "CHAP_R": "0x00"])),
            authenticator,
            .unexpectedKey("CHAP_N")
        )
    }

    @Test func algorithmAgainAfterChallengeFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(
            Self.keys(["CHAP_A": "5", "CHAP_N": "oneway", "CHAP_R": Self.response(to: issued)])
        )
        Self.expectFailure(step, authenticator, .unexpectedKey("CHAP_A"))
    }

    @Test func missingNameOrResponseFails() throws {
        var noName = Self.authenticator()
        let issued = try Self.challenge(&noName)
        Self.expectFailure(
            noName.authenticate(Self.keys(["CHAP_R": Self.response(to: issued)])),
            noName,
            .missingKey("CHAP_N")
        )

        var noResponse = Self.authenticator()
        _ = try Self.challenge(&noResponse)
        Self.expectFailure(
            noResponse.authenticate(Self.keys(["CHAP_N": "oneway"])),
            noResponse,
            .missingKey("CHAP_R")
        )
    }

    @Test(arguments: ["0x12 34", "0xZZ", "12", "0b!!!!", "0b", ""])
    func malformedResponseFails(_ value: String) throws {
        var authenticator = Self.authenticator()
        _ = try Self.challenge(&authenticator)
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_N": "oneway", "CHAP_R": value])),
            authenticator,
            .malformedValue(key: "CHAP_R")
        )
    }

    @Test func responseOfTheWrongLengthFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let response = Self.response(to: issued) + "00"
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_N": "oneway", "CHAP_R": response])),
            authenticator,
            .wrongResponseLength
        )
    }

    @Test func halfAMutualChallengeFails() throws {
        var identifierOnly = Self.authenticator()
        let issued = try Self.challenge(&identifierOnly)
        Self.expectFailure(
            identifierOnly.authenticate(
                Self.keys(["CHAP_N": "chapo", "CHAP_R": Self.response(to: issued), "CHAP_I": "1"])
            ),
            identifierOnly,
            .missingKey("CHAP_C")
        )

        var challengeOnly = Self.authenticator()
        let other = try Self.challenge(&challengeOnly)
        Self.expectFailure(
            challengeOnly.authenticate(
                Self.keys([
                    "CHAP_N": "chapo", "CHAP_R": Self.response(to: other),
                    "CHAP_C": CHAPBinaryValue.encodeHex(Array(repeating: 1, count: 16)),
                ])
            ),
            challengeOnly,
            .missingKey("CHAP_I")
        )
    }

    @Test func reflectedChallengeFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(
            Self.keys([
                "CHAP_N": "chapo", "CHAP_R": Self.response(to: issued), "CHAP_I": String(issued.identifier),
                "CHAP_C": CHAPBinaryValue.encodeHex(issued.challenge),
            ])
        )
        Self.expectFailure(step, authenticator, .reflectedChallenge)
    }

    /// SPDK's chap_mutual_not_set scenario: the initiator asks for mutual CHAP, the user has no mutual secret.
    @Test func mutualRequestedWithoutMutualSecretFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(
            Self.keys([
                "CHAP_N": "oneway", "CHAP_R": Self.response(to: issued), "CHAP_I": "9",
                "CHAP_C": CHAPBinaryValue.encodeHex(Array(repeating: 0x5a, count: 16)),
            ])
        )
        Self.expectFailure(step, authenticator, .mutualCredentialsNotConfigured)
    }

    @Test func mutualRequiredButNotRequestedFails() throws {
        var authenticator = Self.authenticator(CHAPConfiguration(requiresMutualAuthentication: true))
        let issued = try Self.challenge(&authenticator)
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_N": "chapo", "CHAP_R": Self.response(to: issued)])),
            authenticator,
            .mutualAuthenticationRequired
        )
    }

    @Test func shortInitiatorChallengeFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(
            Self.keys([
                "CHAP_N": "chapo", "CHAP_R": Self.response(to: issued), "CHAP_I": "9",
                "CHAP_C": CHAPBinaryValue.encodeHex(Array(repeating: 0x5a, count: 15)),
            ])
        )
        Self.expectFailure(step, authenticator, .challengeTooShort)
    }

    @Test(arguments: ["256", "-1", "+1", "abc", "0x", "0x+1", "0x100", "１", ""])
    func malformedMutualIdentifierFails(_ identifier: String) throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(
            Self.keys([
                "CHAP_N": "chapo", "CHAP_R": Self.response(to: issued), "CHAP_I": identifier,
                "CHAP_C": CHAPBinaryValue.encodeHex(Array(repeating: 0x5a, count: 16)),
            ])
        )
        Self.expectFailure(step, authenticator, .malformedValue(key: "CHAP_I"))
    }

    @Test func malformedMutualChallengeFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        let step = authenticator.authenticate(
            Self.keys(["CHAP_N": "chapo", "CHAP_R": Self.response(to: issued), "CHAP_I": "9", "CHAP_C": "0xq1"])
        )
        Self.expectFailure(step, authenticator, .malformedValue(key: "CHAP_C"))
    }

    @Test func oneSecretInBothDirectionsFails() throws {
        var authenticator = Self.authenticator()
        let issued = try Self.challenge(&authenticator)
        Self.expectFailure(
            authenticator.authenticate(Self.keys(["CHAP_N": "lazy", "CHAP_R": Self.response(to: issued)])),
            authenticator,
            .secretUsedInBothDirections
        )
    }

    @Test func keysAfterTheEndFailAndTheFirstFailureIsKept() throws {
        var succeeded = Self.authenticator()
        let issued = try Self.challenge(&succeeded)
        _ = succeeded.authenticate(Self.keys(["CHAP_N": "oneway", "CHAP_R": Self.response(to: issued)]))
        Self.expectFailure(succeeded.authenticate([]), succeeded, .exchangeFinished)

        var failed = Self.authenticator()
        _ = failed.authenticate([])
        _ = failed.authenticate(Self.keys(["CHAP_A": "99"]))
        Self.expectFailure(failed.authenticate(Self.keys(["CHAP_A": "5"])), failed, .noAcceptableAlgorithm)
    }

    // MARK: - Helpers

    /// Base64 with padding (RFC 4648), to build `0b` values.
    private static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var text = ""
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = Array(bytes[start..<min(start + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for index in 0..<4 {
                text.append(index <= chunk.count ? alphabet[Int(value >> (18 - 6 * UInt32(index)) & 0x3f)] : "=")
            }
        }
        return text
    }
}
