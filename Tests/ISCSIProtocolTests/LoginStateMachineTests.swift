import Testing

@testable import ISCSIProtocol

/// A CHAP stand-in that needs two exchanges, for driving the authenticator extension point.
private struct TwoStepAuthenticator: LoginAuthenticator {
    var steps = 0
    var acceptsResponse: Bool

    mutating func authenticate(_ keys: [TextParameter]) -> LoginAuthenticationStep {
        self.steps += 1
        if self.steps == 1 {
            return .inProgress([TextParameter(key: "CHAP_A", value: "5")])
        }
        return keys.contains { $0.key == "CHAP_R" } && self.acceptsResponse ? .succeeded([]) : .failed
    }
}

@Suite struct LoginStateMachineTests {
    private static let security = LoginStage.securityNegotiation.rawValue
    private static let operational = LoginStage.operationalNegotiation.rawValue
    private static let fullFeature = LoginStage.fullFeaturePhase.rawValue
    private static let normalKeys: KeyValuePairs<String, String> = [
        "InitiatorName": "iqn.1994-05.com.redhat:host", "SessionType": "Normal",
        "TargetName": "iqn.2016-06.io.spdk:disk1", "AuthMethod": "None",
    ]

    private static func text(_ pairs: KeyValuePairs<String, String>) -> [UInt8] {
        pairs.flatMap { Array("\($0.key)=\($0.value)".utf8) + [0] }
    }

    private static func request(
        csg: UInt8 = security,
        nsg: UInt8 = operational,
        transit: Bool = true,
        continues: Bool = false,
        tsih: UInt16 = 0,
        versionMin: UInt8 = 0,
        _ pairs: KeyValuePairs<String, String> = [:]
    ) -> LoginRequest {
        LoginRequest(
            transit: transit,
            continuesText: continues,
            currentStage: csg,
            nextStage: nsg,
            versionMin: versionMin,
            isid: 0x23D0_0000_0001,
            tsih: tsih,
            cid: 0,
            cmdSN: 7,
            text: Self.text(pairs)
        )
    }

    private func expectFailure(
        _ action: LoginAction,
        _ status: LoginStatus,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .sendFailure(let response) = action else {
            Issue.record("expected failure \(status), got \(action)", sourceLocation: sourceLocation)
            return
        }
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.transit == false, sourceLocation: sourceLocation)
        #expect(response.currentStage == .securityNegotiation, sourceLocation: sourceLocation)
    }

    private func response(_ action: LoginAction, sourceLocation: SourceLocation = #_sourceLocation) -> LoginResponse? {
        guard case .sendResponse(let response) = action else {
            Issue.record("expected a response, got \(action)", sourceLocation: sourceLocation)
            return nil
        }
        return response
    }

    /// Sends the first request and accepts the session with `grant`.
    private func start(
        _ machine: inout LoginStateMachine,
        _ request: LoginRequest,
        grant: LoginSessionGrant = LoginSessionGrant(targetAlias: "disk one", portalGroupTag: 1)
    ) -> LoginAction {
        guard case .resolveSession = machine.receive(request) else {
            Issue.record("expected session resolution")
            return .sendFailure(.failure(.targetError))
        }
        return machine.sessionResolved(.accepted(grant))
    }

    @Test func normalLoginThroughBothStages() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        guard case .resolveSession(let session) = machine.receive(Self.request(Self.normalKeys)) else {
            Issue.record("expected session resolution")
            return
        }
        #expect(session.initiatorName == "iqn.1994-05.com.redhat:host")
        #expect(session.sessionType == .normal)
        #expect(session.targetName == "iqn.2016-06.io.spdk:disk1")
        #expect(session.isid == 0x23D0_0000_0001)
        #expect(session.cmdSN == 7)

        let first = try #require(
            self.response(
                machine.sessionResolved(.accepted(LoginSessionGrant(targetAlias: "disk one", portalGroupTag: 1)))
            )
        )
        #expect(first.status == .success)
        #expect(
            first.transit && first.currentStage == .securityNegotiation && first.nextStage == .operationalNegotiation
        )
        #expect(
            first.keys == [
                TextParameter(key: "TargetAlias", value: "disk one"), .init(key: "TargetPortalGroupTag", value: "1"),
                .init(key: "AuthMethod", value: "None"),
            ]
        )
        #expect(machine.currentStage == .operationalNegotiation)

        let action = machine.receive(
            Self.request(
                csg: Self.operational,
                nsg: Self.fullFeature,
                ["HeaderDigest": "None,CRC32C", "MaxRecvDataSegmentLength": "262144", "ImmediateData": "Yes"]
            )
        )
        guard case .enterFullFeature(let final, let parameters) = action else {
            Issue.record("expected full feature, got \(action)")
            return
        }
        #expect(final.transit && final.currentStage == .operationalNegotiation && final.nextStage == .fullFeaturePhase)
        #expect(
            final.keys == [
                TextParameter(key: "HeaderDigest", value: "None"),
                .init(key: "MaxRecvDataSegmentLength", value: "65536"),
                .init(key: "ImmediateData", value: "Yes"),
            ]
        )
        #expect(parameters.headerDigest == false)
        #expect(parameters.initiatorMaxRecvDataSegmentLength == 65536)
        #expect(machine.currentStage == .fullFeaturePhase)
    }

    @Test func discoveryLoginStraightToOperationalDeclaresNothing() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let request = Self.request(
            csg: Self.operational,
            nsg: Self.fullFeature,
            ["InitiatorName": "iqn.x", "SessionType": "Discovery", "MaxConnections": "1"]
        )
        guard case .resolveSession(let session) = machine.receive(request) else {
            Issue.record("expected session resolution")
            return
        }
        #expect(session.sessionType == .discovery)
        #expect(session.targetName == nil)
        guard
            case .enterFullFeature(let response, let parameters) = machine.sessionResolved(
                .accepted(LoginSessionGrant(portalGroupTag: 1, authentication: .none))
            )
        else {
            Issue.record("expected full feature")
            return
        }
        #expect(response.keys == [TextParameter(key: "MaxConnections", value: "Irrelevant")])
        #expect(parameters.maxConnections == 1)
    }

    @Test func missingInitiatorNameSessionTypeOrTargetName() {
        var noInitiator = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(noInitiator.receive(Self.request(["SessionType": "Normal"])), .missingParameter)

        var noSessionType = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(noSessionType.receive(Self.request(["InitiatorName": "iqn.x"])), .missingParameter)

        var badSessionType = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(
            badSessionType.receive(Self.request(["InitiatorName": "iqn.x", "SessionType": "Fancy"])),
            .missingParameter
        )

        var noTarget = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(
            noTarget.receive(Self.request(["InitiatorName": "iqn.x", "SessionType": "Normal"])),
            .missingParameter
        )
    }

    @Test func joiningSessionWithoutSessionTypeIsNormal() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let action = machine.receive(Self.request(tsih: 5, ["InitiatorName": "iqn.x", "TargetName": "iqn.t"]))
        guard case .resolveSession(let session) = action else {
            Issue.record("expected session resolution, got \(action)")
            return
        }
        #expect(session.sessionType == .normal)
        #expect(session.tsih == 5)
        self.expectFailure(machine.sessionResolved(.refused(.sessionDoesNotExist)), .sessionDoesNotExist)
    }

    @Test func refusalsMapToStatusCodes() {
        let cases: [(LoginSessionRefusal, LoginStatus)] = [
            (.targetNotFound, .targetNotFound), (.targetRemoved, .targetRemoved),
            (.accessDenied, .authorizationFailure),
            (.tooManyConnections, .tooManyConnections), (.cannotIncludeInSession, .cannotIncludeInSession),
            (.outOfResources, .outOfResources),
        ]
        for (refusal, status) in cases {
            var machine = LoginStateMachine(settings: TargetLoginSettings())
            _ = machine.receive(Self.request(Self.normalKeys))
            self.expectFailure(machine.sessionResolved(.refused(refusal)), status)
        }
    }

    @Test func redirectionCarriesTargetAddress() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = machine.receive(Self.request(Self.normalKeys))
        let action = machine.sessionResolved(.refused(.redirected(address: "127.0.0.1:3389")))
        self.expectFailure(action, .targetMovedTemporarily)
        if case .sendFailure(let response) = action {
            #expect(response.keys == [TextParameter(key: "TargetAddress", value: "127.0.0.1:3389")])
        }
    }

    @Test func headerChecks() {
        var both = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(both.receive(Self.request(transit: true, continues: true, Self.normalKeys)), .initiatorError)

        var version = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(version.receive(Self.request(versionMin: 1, Self.normalKeys)), .unsupportedVersion)

        var reservedNext = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(reservedNext.receive(Self.request(nsg: 2, Self.normalKeys)), .initiatorError)

        var fullFeatureCurrent = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(
            fullFeatureCurrent.receive(Self.request(csg: Self.fullFeature, nsg: Self.fullFeature, Self.normalKeys)),
            .initiatorError
        )

        var backwards = LoginStateMachine(settings: TargetLoginSettings())
        self.expectFailure(
            backwards.receive(Self.request(csg: Self.operational, nsg: Self.security, Self.normalKeys)),
            .initiatorError
        )
    }

    @Test func wrongCurrentStageAfterTransit() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(&machine, Self.request(Self.normalKeys))
        self.expectFailure(machine.receive(Self.request(csg: Self.security, nsg: Self.operational)), .initiatorError)
    }

    @Test func negotiationFailuresAreInitiatorErrors() {
        var repeated = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(&repeated, Self.request(transit: false, Self.normalKeys))
        self.expectFailure(repeated.receive(Self.request(["AuthMethod": "None"])), .initiatorError)

        var outOfRange = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(&outOfRange, Self.request(Self.normalKeys))
        self.expectFailure(
            outOfRange.receive(Self.request(csg: Self.operational, nsg: Self.fullFeature, ["MaxBurstLength": "1"])),
            .initiatorError
        )

        var malformed = LoginStateMachine(settings: TargetLoginSettings())
        var request = Self.request(Self.normalKeys)
        request.text += Array("garbage".utf8) + [0]
        self.expectFailure(malformed.receive(request), .initiatorError)
    }

    @Test func requiredDigestRefusedByInitiator() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(
            &machine,
            Self.request(Self.normalKeys),
            grant: LoginSessionGrant(portalGroupTag: 1, headerDigestRequired: true)
        )
        self.expectFailure(
            machine.receive(Self.request(csg: Self.operational, nsg: Self.fullFeature, ["HeaderDigest": "None"])),
            .initiatorError
        )
    }

    @Test func requiredDigestNeverOfferedFailsTheLogin() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(
            &machine,
            Self.request(Self.normalKeys),
            grant: LoginSessionGrant(portalGroupTag: 1, dataDigestRequired: true)
        )
        self.expectFailure(
            machine.receive(Self.request(csg: Self.operational, nsg: Self.fullFeature, ["MaxBurstLength": "262144"])),
            .missingParameter
        )
    }

    @Test func requiredDigestOfferedReachesFullFeature() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(
            &machine,
            Self.request(Self.normalKeys),
            grant: LoginSessionGrant(portalGroupTag: 1, headerDigestRequired: true)
        )
        guard
            case .enterFullFeature(_, let parameters) = machine.receive(
                Self.request(csg: Self.operational, nsg: Self.fullFeature, ["HeaderDigest": "CRC32C,None"])
            )
        else {
            Issue.record("expected full feature phase")
            return
        }
        #expect(parameters.headerDigest)
    }

    @Test func unknownKeysAreAnsweredNotUnderstood() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(&machine, Self.request(Self.normalKeys))
        let response = try #require(
            self.response(
                machine.receive(
                    Self.request(csg: Self.operational, nsg: Self.operational, transit: false, ["Foo": "1"])
                )
            )
        )
        #expect(response.keys == [TextParameter(key: "Foo", value: "NotUnderstood")])
        #expect(response.transit == false)
    }

    @Test func continuedTextIsAccumulatedAcrossRequests() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let whole = Self.text(Self.normalKeys)
        let cut = 20
        var first = Self.request(transit: false, continues: true)
        first.text = Array(whole[..<cut])
        let empty = try #require(self.response(machine.receive(first)))
        #expect(empty.keys.isEmpty && empty.transit == false && empty.status == .success)

        var second = Self.request()
        second.text = Array(whole[cut...])
        guard case .resolveSession(let session) = machine.receive(second) else {
            Issue.record("expected session resolution")
            return
        }
        #expect(session.initiatorName == "iqn.1994-05.com.redhat:host")
    }

    @Test func textBeyondTheLimitFails() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        var request = Self.request(transit: false, continues: true)
        request.text = [UInt8](repeating: 0x41, count: LoginStateMachine.maximumTextLength + 1)
        self.expectFailure(machine.receive(request), .initiatorError)
    }

    @Test func chapRequiredButSecurityStageSkipped() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = machine.receive(Self.request(csg: Self.operational, nsg: Self.fullFeature, Self.normalKeys))
        self.expectFailure(
            machine.sessionResolved(.accepted(LoginSessionGrant(portalGroupTag: 1, authentication: .required))),
            .authenticationFailure
        )
    }

    @Test func chapWithoutAuthenticatorFails() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let action = self.start(
            &machine,
            Self.request(["InitiatorName": "iqn.x", "SessionType": "Discovery", "AuthMethod": "CHAP"]),
            grant: LoginSessionGrant(portalGroupTag: 1, authentication: .required)
        )
        self.expectFailure(action, .authenticationFailure)
    }

    @Test func chapRunsThroughTheAuthenticator() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let grant = LoginSessionGrant(
            portalGroupTag: 1,
            authentication: .required,
            authenticator: TwoStepAuthenticator(acceptsResponse: true)
        )
        let keys: KeyValuePairs<String, String> = [
            "InitiatorName": "iqn.x", "SessionType": "Discovery", "AuthMethod": "CHAP,None",
        ]
        let challenge = try #require(self.response(self.start(&machine, Self.request(keys), grant: grant)))
        #expect(challenge.transit == false)
        #expect(challenge.keys == [TextParameter(key: "AuthMethod", value: "CHAP"), .init(key: "CHAP_A", value: "5")])
        #expect(machine.currentStage == .securityNegotiation)

        let done = try #require(self.response(machine.receive(Self.request(["CHAP_N": "user", "CHAP_R": "0x00"]))))
        #expect(done.transit && done.nextStage == .operationalNegotiation)
        #expect(machine.currentStage == .operationalNegotiation)
    }

    @Test func chapRejectedResponseFails() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let grant = LoginSessionGrant(
            portalGroupTag: 1,
            authentication: .optional,
            authenticator: TwoStepAuthenticator(acceptsResponse: false)
        )
        _ = self.start(
            &machine,
            Self.request(["InitiatorName": "iqn.x", "SessionType": "Discovery", "AuthMethod": "CHAP"]),
            grant: grant
        )
        self.expectFailure(machine.receive(Self.request(["CHAP_R": "0x00"])), .authenticationFailure)
    }

    @Test func requestsAfterTheLoginEndedAreInvalid() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = machine.receive(Self.request(["SessionType": "Normal"]))
        self.expectFailure(machine.receive(Self.request(Self.normalKeys)), .invalidDuringLogin)
        self.expectFailure(machine.sessionResolved(.refused(.targetNotFound)), .targetError)
    }

    @Test func changedConnectionIdentityFails() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(&machine, Self.request(Self.normalKeys))
        var request = Self.request(csg: Self.operational, nsg: Self.fullFeature)
        request.cid = 9
        self.expectFailure(machine.receive(request), .initiatorError)
    }

    @Test func securityStageMayGoStraightToFullFeature() {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let action = self.start(
            &machine,
            Self.request(nsg: Self.fullFeature, Self.normalKeys),
            grant: LoginSessionGrant(portalGroupTag: 3)
        )
        guard case .enterFullFeature(let response, let parameters) = action else {
            Issue.record("expected full feature, got \(action)")
            return
        }
        #expect(response.currentStage == .securityNegotiation && response.nextStage == .fullFeaturePhase)
        #expect(
            response.keys == [
                TextParameter(key: "TargetPortalGroupTag", value: "3"), .init(key: "AuthMethod", value: "None"),
            ]
        )
        #expect(parameters.maxBurstLength == 1_048_576)
    }

    @Test func staysInStageWithoutTransit() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        let first = try #require(self.response(self.start(&machine, Self.request(transit: false, Self.normalKeys))))
        #expect(first.transit == false && first.currentStage == .securityNegotiation)
        #expect(machine.currentStage == .securityNegotiation)
        let second = try #require(self.response(machine.receive(Self.request(transit: true))))
        #expect(second.transit && second.nextStage == .operationalNegotiation && second.keys.isEmpty)
    }

    @Test func continuedTextDuringOperationalStage() throws {
        var machine = LoginStateMachine(settings: TargetLoginSettings())
        _ = self.start(&machine, Self.request(Self.normalKeys))
        let whole = Self.text(["MaxBurstLength": "65536", "ImmediateData": "No"])
        var first = Self.request(csg: Self.operational, transit: false, continues: true)
        first.text = Array(whole[..<5])
        let empty = try #require(self.response(machine.receive(first)))
        #expect(empty.keys.isEmpty && empty.currentStage == .operationalNegotiation)

        var last = Self.request(csg: Self.operational, nsg: Self.fullFeature)
        last.text = Array(whole[5...])
        guard case .enterFullFeature(let response, let parameters) = machine.receive(last) else {
            Issue.record("expected full feature")
            return
        }
        #expect(
            response.keys == [
                TextParameter(key: "MaxBurstLength", value: "65536"), .init(key: "FirstBurstLength", value: "8192"),
                .init(key: "ImmediateData", value: "No"),
            ]
        )
        #expect(parameters.maxBurstLength == 65536 && parameters.immediateData == false)
    }
}
