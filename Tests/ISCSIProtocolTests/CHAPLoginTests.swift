import Testing

@testable import ISCSIProtocol

/// The login state machine driven end to end with the real `CHAPAuthenticator`.
@Suite struct CHAPLoginTests {
    private static let security = LoginStage.securityNegotiation.rawValue
    private static let operational = LoginStage.operationalNegotiation.rawValue
    private static let fullFeature = LoginStage.fullFeaturePhase.rawValue
    private static let secret = CHAPSecret("123456789123")
    private static let mutualSecret = CHAPSecret("321978654321")
    private static let lookup: CHAPAuthenticator.CredentialLookup = { user in
        user == "chapo"
            ? CHAPCredentials(user: "chapo", secret: secret, mutualUser: "mchapo", mutualSecret: mutualSecret) : nil
    }

    private static func request(
        csg: UInt8 = security,
        nsg: UInt8 = operational,
        transit: Bool,
        _ pairs: KeyValuePairs<String, String>
    ) -> LoginRequest {
        LoginRequest(
            transit: transit,
            continuesText: false,
            currentStage: csg,
            nextStage: nsg,
            versionMin: 0,
            isid: 0x23D0_0000_0001,
            tsih: 0,
            cid: 0,
            cmdSN: 1,
            text: pairs.flatMap { Array("\($0.key)=\($0.value)".utf8) + [0] }
        )
    }

    private static func value(_ key: String, in response: LoginResponse) -> String? {
        response.keys.first { $0.key == key }?.value
    }

    private static let normalSession: KeyValuePairs<String, String> = [
        "InitiatorName": "iqn.1994-05.com.redhat:host", "SessionType": "Normal",
        "TargetName": "iqn.2016-06.io.spdk:disk1", "AuthMethod": "CHAP,None",
    ]
    private static let discoverySession: KeyValuePairs<String, String> = [
        "InitiatorName": "iqn.1994-05.com.redhat:host", "SessionType": "Discovery", "AuthMethod": "CHAP,None",
    ]

    /// Starts a login (a Normal session unless `keys` say otherwise) offering CHAP under `rule`, and returns the
    /// first response.
    private static func start(
        _ machine: inout LoginStateMachine,
        rule: CHAPRule,
        algorithms: Set<CHAPAlgorithm> = [.md5],
        keys: KeyValuePairs<String, String> = normalSession
    ) throws -> LoginResponse {
        let first = Self.request(transit: true, keys)
        guard case .resolveSession = machine.receive(first) else {
            throw LoginError.unexpectedAction
        }
        let grant = LoginSessionGrant(
            portalGroupTag: 1,
            authentication: rule.authenticationPolicy,
            authenticator: CHAPAuthenticator(configuration: rule.configuration(algorithms: algorithms)) {
                Self.lookup($0)
            }
        )
        guard case .sendResponse(let response) = machine.sessionResolved(.accepted(grant)) else {
            throw LoginError.unexpectedAction
        }
        return response
    }

    /// Sends `CHAP_A` and decodes the challenge.
    private static func challenge(
        _ machine: inout LoginStateMachine,
        offering algorithms: String = "5"
    ) throws -> (algorithm: CHAPAlgorithm, identifier: UInt8, challenge: [UInt8]) {
        guard
            case .sendResponse(let response) = machine.receive(Self.request(transit: false, ["CHAP_A": algorithms]))
        else {
            throw LoginError.unexpectedAction
        }
        #expect(!response.transit && response.currentStage == .securityNegotiation)
        let algorithm = try #require(
            Self.value("CHAP_A", in: response).flatMap(UInt8.init).flatMap(CHAPAlgorithm.init(rawValue:))
        )
        let identifier = try #require(Self.value("CHAP_I", in: response).flatMap(UInt8.init))
        let challenge = try #require(Self.value("CHAP_C", in: response).flatMap(CHAPBinaryValue.decode))
        return (algorithm, identifier, challenge)
    }

    private enum LoginError: Error {
        case unexpectedAction
    }

    @Test func oneWayCHAPReachesFullFeaturePhase() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let rule = CHAPRule(requirement: .required, group: 1)
        let first = try Self.start(&machine, rule: rule)
        #expect(Self.value("AuthMethod", in: first) == "CHAP")
        #expect(!first.transit)

        let (algorithm, identifier, challenge) = try Self.challenge(&machine)
        #expect(algorithm == .md5)
        let response = algorithm.response(identifier: identifier, secret: Self.secret, challenge: challenge)
        let answer = machine.receive(
            Self.request(transit: true, ["CHAP_N": "chapo", "CHAP_R": CHAPBinaryValue.encodeHex(response)])
        )
        guard case .sendResponse(let authenticated) = answer else {
            Issue.record("expected a response, got \(answer)")
            return
        }
        #expect(authenticated.status == .success)
        #expect(authenticated.transit && authenticated.nextStage == .operationalNegotiation)
        #expect(authenticated.keys.isEmpty)
        #expect(machine.currentStage == .operationalNegotiation)

        let operational = machine.receive(
            Self.request(csg: Self.operational, nsg: Self.fullFeature, transit: true, ["HeaderDigest": "None"])
        )
        guard case .enterFullFeature(let final, _) = operational else {
            Issue.record("expected full feature phase, got \(operational)")
            return
        }
        #expect(final.transit && final.nextStage == .fullFeaturePhase)
        #expect(machine.currentStage == .fullFeaturePhase)
    }

    @Test func mutualSHA256CHAPAuthenticatesTheTarget() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let rule = CHAPRule(requirement: .requiredMutual, group: 1)
        _ = try Self.start(&machine, rule: rule, algorithms: [.md5, .sha256])
        let (algorithm, identifier, challenge) = try Self.challenge(&machine, offering: "7,5")
        #expect(algorithm == .sha256)

        let initiatorChallenge = (0..<32).map { UInt8(255 - $0) }
        let response = algorithm.response(identifier: identifier, secret: Self.secret, challenge: challenge)
        let answer = machine.receive(
            Self.request(
                transit: true,
                [
                    "CHAP_N": "chapo", "CHAP_R": CHAPBinaryValue.encodeHex(response), "CHAP_I": "200",
                    "CHAP_C": CHAPBinaryValue.encodeHex(initiatorChallenge),
                ]
            )
        )
        guard case .sendResponse(let authenticated) = answer else {
            Issue.record("expected a response, got \(answer)")
            return
        }
        let expected = algorithm.response(identifier: 200, secret: Self.mutualSecret, challenge: initiatorChallenge)
        #expect(Self.value("CHAP_N", in: authenticated) == "mchapo")
        #expect(Self.value("CHAP_R", in: authenticated) == CHAPBinaryValue.encodeHex(expected))
        #expect(authenticated.transit && machine.currentStage == .operationalNegotiation)
    }

    /// SPDK's chap_discovery scenario: `iscsi_set_discovery_auth -r -m -g 1`, an initiator with mutual secrets.
    @Test func mutualCHAPOnADiscoverySession() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let rule = try CHAPRule(disable: false, require: true, mutual: true, group: 1)
        let first = try Self.start(&machine, rule: rule, keys: Self.discoverySession)
        #expect(Self.value("AuthMethod", in: first) == "CHAP")
        let (algorithm, identifier, challenge) = try Self.challenge(&machine)
        let initiatorChallenge = Array(repeating: UInt8(0x42), count: 16)
        let response = algorithm.response(identifier: identifier, secret: Self.secret, challenge: challenge)
        let answer = machine.receive(
            Self.request(
                transit: true,
                [
                    "CHAP_N": "chapo", "CHAP_R": CHAPBinaryValue.encodeHex(response), "CHAP_I": "1",
                    "CHAP_C": CHAPBinaryValue.encodeHex(initiatorChallenge),
                ]
            )
        )
        guard case .sendResponse(let authenticated) = answer else {
            Issue.record("expected a response, got \(answer)")
            return
        }
        let expected = algorithm.response(identifier: 1, secret: Self.mutualSecret, challenge: initiatorChallenge)
        #expect(Self.value("CHAP_R", in: authenticated) == CHAPBinaryValue.encodeHex(expected))

        let operational = machine.receive(
            Self.request(
                csg: Self.operational,
                nsg: Self.fullFeature,
                transit: true,
                ["MaxRecvDataSegmentLength": "8192"]
            )
        )
        guard case .enterFullFeature = operational else {
            Issue.record("expected full feature phase, got \(operational)")
            return
        }
    }

    @Test func wrongSecretFailsTheLoginWithAuthenticationFailure() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = try Self.start(&machine, rule: CHAPRule(requirement: .required, group: 1))
        let (algorithm, identifier, challenge) = try Self.challenge(&machine)
        let response = algorithm.response(
            identifier: identifier,
            secret: CHAPSecret("wrong-secret"),
            challenge: challenge
        )
        let answer = machine.receive(
            Self.request(transit: true, ["CHAP_N": "chapo", "CHAP_R": CHAPBinaryValue.encodeHex(response)])
        )
        guard case .sendFailure(let failure) = answer else {
            Issue.record("expected a failure, got \(answer)")
            return
        }
        #expect(failure.status == .authenticationFailure)
        #expect(machine.currentStage == nil)
    }

    @Test func mutualRuleRefusesOneWayInitiator() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = try Self.start(&machine, rule: CHAPRule(requirement: .requiredMutual, group: 1))
        let (algorithm, identifier, challenge) = try Self.challenge(&machine)
        let response = algorithm.response(identifier: identifier, secret: Self.secret, challenge: challenge)
        let answer = machine.receive(
            Self.request(transit: true, ["CHAP_N": "chapo", "CHAP_R": CHAPBinaryValue.encodeHex(response)])
        )
        guard case .sendFailure(let failure) = answer else {
            Issue.record("expected a failure, got \(answer)")
            return
        }
        #expect(failure.status == .authenticationFailure)
    }
}
