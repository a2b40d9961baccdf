import ISCSIProtocol
import ISCSIWire
import NIOCore
import Testing

@testable import ISCSITarget

/// CHAP logins through the connection handler, with the secrets of the configuration's auth groups.
@Suite struct ConnectionCHAPLoginTests {
    private static let user = "chapo"
    private static let secret = "123456789123"
    private static let mutualUser = "mchapo"
    private static let mutualSecret = "321978654321"

    /// The default snapshot with auth group 1 holding `chapo` (and its mutual credentials), and `chap` as the
    /// target's policy.
    private static func snapshot(target chap: CHAPPolicy, discovery: CHAPPolicy = CHAPPolicy()) -> ConfigurationSnapshot
    {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.targets[0].auth = chap
        snapshot.portalGroups[0].auth = discovery
        snapshot.authGroups = [
            AuthGroup(
                tag: 1,
                secrets: [
                    .init(
                        user: Self.user,
                        secret: Self.secret,
                        mutualUser: Self.mutualUser,
                        mutualSecret: Self.mutualSecret
                    )
                ]
            )
        ]
        return snapshot
    }

    private static let normalSession = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
    ]

    /// Sends one login request and returns the response and its text.
    private func exchange(
        _ initiator: ConnectionTestInitiator,
        stage: ISCSILoginStage = .securityNegotiation,
        next: ISCSILoginStage = .loginOperationalNegotiation,
        transit: Bool,
        _ keys: [(String, String)]
    ) throws -> (LoginResponsePDU, TextKeyValues) {
        var text = TextKeyValues()
        for (key, value) in keys {
            text.append(key: key, value: value)
        }
        try initiator.send(
            LoginRequestPDU(
                isTransit: transit,
                currentStage: stage,
                nextStage: next,
                isid: 0x8000_0000_0001,
                tsih: 0,
                initiatorTaskTag: 1,
                cid: 0,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN,
                data: text.encoded()
            ).makePDU()
        )
        let response = try LoginResponsePDU(try #require(try initiator.receiveAll().last))
        initiator.expStatSN = response.statSN &+ 1
        return (response, try TextKeyValues(parsing: response.data))
    }

    /// Runs the security stage up to the target's challenge; returns its identifier and challenge.
    private func startCHAP(
        _ initiator: ConnectionTestInitiator,
        session: [String: String] = Self.normalSession,
        offering algorithms: String = "5",
        expecting algorithm: CHAPAlgorithm = .md5
    ) throws -> (identifier: UInt8, challenge: [UInt8]) {
        let first =
            [("InitiatorName", ConnectionTestInitiator.initiatorName)]
            + session.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("AuthMethod", "CHAP,None")]
        let (offer, offerText) = try self.exchange(initiator, transit: false, first)
        #expect(offer.status == .success)
        #expect(offerText["AuthMethod"] == "CHAP")
        let (challenge, challengeText) = try self.exchange(initiator, transit: false, [("CHAP_A", algorithms)])
        #expect(challenge.status == .success && !challenge.isTransit)
        #expect(challengeText["CHAP_A"] == String(algorithm.rawValue))
        let identifier = try #require(challengeText["CHAP_I"].flatMap { UInt8($0) })
        let bytes = try #require(challengeText["CHAP_C"].flatMap(Self.bytes(hex:)))
        return (identifier, bytes)
    }

    /// The `CHAP_R` answering `challenge` with `secret`.
    private static func response(
        _ challenge: (identifier: UInt8, challenge: [UInt8]),
        secret: String,
        algorithm: CHAPAlgorithm = .md5
    ) -> String {
        Self.hex(
            algorithm.response(
                identifier: challenge.identifier,
                secret: CHAPSecret(secret),
                challenge: challenge.challenge
            )
        )
    }

    /// Ends the operational stage and returns the final login response.
    private func finish(_ initiator: ConnectionTestInitiator) throws -> LoginResponsePDU {
        try self.exchange(
            initiator,
            stage: .loginOperationalNegotiation,
            next: .fullFeaturePhase,
            transit: true,
            [("MaxRecvDataSegmentLength", "8192")]
        ).0
    }

    @Test func oneWayCHAPLogsIn() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, group: 1))
        )
        let challenge = try self.startCHAP(initiator)
        let (verified, text) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: Self.secret))]
        )
        #expect(verified.status == .success)
        #expect(verified.isTransit && verified.nextStage == .loginOperationalNegotiation)
        #expect(text["CHAP_N"] == nil && text["CHAP_R"] == nil)
        let final = try self.finish(initiator)
        #expect(final.status == .success && final.nextStage == .fullFeaturePhase && final.tsih != 0)
        #expect(initiator.channel.isActive)
    }

    @Test func theInitiatorsFirstSupportedAlgorithmWins() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, group: 1))
        )
        let challenge = try self.startCHAP(initiator, offering: "7,5", expecting: .sha256)
        #expect(challenge.challenge.count == CHAPAlgorithm.sha256.challengeLength)
        let (verified, _) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: Self.secret, algorithm: .sha256))]
        )
        #expect(verified.status == .success && verified.isTransit)
    }

    @Test func wrongSecretFailsAuthenticationAndCloses() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, group: 1))
        )
        let challenge = try self.startCHAP(initiator)
        let (failed, _) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: "not the secret"))]
        )
        #expect(failed.status == .authenticationFailure)
        #expect(!initiator.channel.isActive)
    }

    @Test func unknownUserFailsAuthentication() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, group: 1))
        )
        let challenge = try self.startCHAP(initiator)
        let (failed, _) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", "stranger"), ("CHAP_R", Self.response(challenge, secret: Self.secret))]
        )
        #expect(failed.status == .authenticationFailure)
        #expect(!initiator.channel.isActive)
    }

    @Test func secretsComeOnlyFromThePolicysGroup() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, group: 2))
        )
        let challenge = try self.startCHAP(initiator)
        let (failed, _) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: Self.secret))]
        )
        #expect(failed.status == .authenticationFailure)
    }

    @Test func requiredCHAPRefusesAnInitiatorWithoutCredentials() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, group: 1))
        )
        let login = try initiator.login(keys: Self.normalSession)
        #expect(login.status == .authenticationFailure)
        #expect(!initiator.channel.isActive)
    }

    @Test func mutualCHAPAnswersTheInitiatorsChallenge() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, mutual: true, group: 1))
        )
        let challenge = try self.startCHAP(initiator)
        let mine: [UInt8] = Array(0..<16)
        let (verified, text) = try self.exchange(
            initiator,
            transit: true,
            [
                ("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: Self.secret)),
                ("CHAP_I", "77"), ("CHAP_C", Self.hex(mine)),
            ]
        )
        #expect(verified.status == .success && verified.isTransit)
        #expect(text["CHAP_N"] == Self.mutualUser)
        #expect(text["CHAP_R"] == Self.response((77, mine), secret: Self.mutualSecret))
        #expect(try self.finish(initiator).status == .success)
    }

    @Test func requiredMutualCHAPFailsAOneWayInitiator() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(require: true, mutual: true, group: 1))
        )
        let challenge = try self.startCHAP(initiator)
        let (failed, _) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: Self.secret))]
        )
        #expect(failed.status == .authenticationFailure)
    }

    @Test func autoLetsTheInitiatorChooseNone() throws {
        let initiator = try ConnectionTestInitiator(snapshot: Self.snapshot(target: CHAPPolicy(group: 1)))
        let (response, text) = try self.exchange(
            initiator,
            transit: true,
            [("InitiatorName", ConnectionTestInitiator.initiatorName)]
                + Self.normalSession.sorted { $0.key < $1.key }
                .map { ($0.key, $0.value) } + [("AuthMethod", "None")]
        )
        #expect(response.status == .success && response.isTransit)
        #expect(text["AuthMethod"] == "None")
    }

    @Test func disabledCHAPFailsAnInitiatorOfferingOnlyCHAP() throws {
        let initiator = try ConnectionTestInitiator(
            snapshot: Self.snapshot(target: CHAPPolicy(disable: true, group: 1))
        )
        let (response, text) = try self.exchange(
            initiator,
            transit: false,
            [("InitiatorName", ConnectionTestInitiator.initiatorName)]
                + Self.normalSession.sorted { $0.key < $1.key }
                .map { ($0.key, $0.value) } + [("AuthMethod", "CHAP")]
        )
        #expect(response.status == .initiatorError && text["AuthMethod"] == nil)
        #expect(!initiator.channel.isActive)
    }

    @Test func discoveryUsesThePortalGroupsPolicy() throws {
        let snapshot = Self.snapshot(target: CHAPPolicy(), discovery: CHAPPolicy(require: true, group: 1))
        let refused = try ConnectionTestInitiator(snapshot: snapshot)
        #expect(try refused.login(keys: ["SessionType": "Discovery"]).status == .authenticationFailure)

        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        let challenge = try self.startCHAP(initiator, session: ["SessionType": "Discovery"])
        let (verified, _) = try self.exchange(
            initiator,
            transit: true,
            [("CHAP_N", Self.user), ("CHAP_R", Self.response(challenge, secret: Self.secret))]
        )
        #expect(verified.status == .success && verified.isTransit)
        #expect(try self.finish(initiator).status == .success)
    }

    @Test func normalLoginsIgnoreTheDiscoveryPolicy() throws {
        let snapshot = Self.snapshot(target: CHAPPolicy(), discovery: CHAPPolicy(require: true, group: 1))
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        #expect(try initiator.login(keys: Self.normalSession).status == .success)
    }

    // MARK: - Hexadecimal

    private static func hex(_ bytes: [UInt8]) -> String {
        "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private static func bytes(hex text: String) -> [UInt8]? {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { return nil }
        let digits = Array(text.utf8.dropFirst(2))
        guard digits.count.isMultiple(of: 2) else { return nil }
        return stride(from: 0, to: digits.count, by: 2).compactMap {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)
        }
    }
}
