/// The target side of one connection's login (RFC 7143 §6): security negotiation, operational
/// negotiation, and the transit to full feature phase, with SPDK's checks and status codes.
///
/// The machine performs no I/O. The connection feeds it each Login Request with `receive(_:)` and executes
/// the returned `LoginAction`; when asked to `.resolveSession`, it looks the target and session up and
/// answers with `sessionResolved(_:)`.
public struct LoginStateMachine: Sendable {
    /// The most text one login exchange may accumulate over Continue-bit PDUs.
    public static let maximumTextLength = 65536

    private enum State: Sendable {
        /// No complete request yet; holds text of Continue-bit PDUs.
        case awaitingFirstRequest(pendingText: [UInt8])
        /// The first request is parsed; waiting for the connection to resolve target and session.
        case resolvingSession(FirstRequest)
        /// Negotiating in a login stage.
        case negotiating(Negotiation)
        /// Login succeeded.
        case fullFeature
        /// Login failed; the connection is closing.
        case failed
    }

    /// The first complete request, kept while the session is resolved.
    private struct FirstRequest: Sendable {
        var stages: RequestedStages
        var keys: [TextParameter]
        var session: LoginSessionRequest
    }

    /// The CSG and NSG of a request, validated.
    private struct RequestedStages: Sendable {
        /// CSG: security or operational negotiation.
        var current: LoginStage
        /// NSG when the T bit is set: a later stage than `current`.
        var next: LoginStage?
    }

    /// Everything valid while the login stages run.
    private struct Negotiation: Sendable {
        var stage: LoginStage
        var negotiator: KeyNegotiator
        var session: LoginSessionRequest
        var authenticator: (any LoginAuthenticator)?
        var isAuthenticated = false
        var pendingText: [UInt8] = []
    }

    private var state: State = .awaitingFirstRequest(pendingText: [])
    private let settings: TargetLoginSettings

    /// Starts a login where the target offers `settings`; per-target requirements arrive with the grant.
    public init(settings: TargetLoginSettings) {
        self.settings = settings
    }

    /// The stage the login is in, nil before the first request completes or after failure.
    public var currentStage: LoginStage? {
        switch self.state {
        case .negotiating(let negotiation): negotiation.stage
        case .fullFeature: .fullFeaturePhase
        case .awaitingFirstRequest, .resolvingSession, .failed: nil
        }
    }

    /// Processes one Login Request.
    public mutating func receive(_ request: LoginRequest) -> LoginAction {
        let stages: RequestedStages
        switch Self.validateHeader(request) {
        case .success(let validated): stages = validated
        case .failure(let error): return self.fail(error.status)
        }
        switch self.state {
        case .awaitingFirstRequest(var pendingText):
            switch Self.accumulate(request, into: &pendingText) {
            case .continues:
                self.state = .awaitingFirstRequest(pendingText: pendingText)
                return .sendResponse(Self.continueResponse(stages))
            case .complete(let keys):
                return self.receiveFirst(request, stages: stages, keys: keys)
            case .invalid:
                return self.fail(.initiatorError)
            }

        case .negotiating(var negotiation):
            guard
                stages.current == negotiation.stage, request.isid == negotiation.session.isid,
                request.tsih == negotiation.session.tsih, request.cid == negotiation.session.cid
            else {
                return self.fail(.initiatorError)
            }
            switch Self.accumulate(request, into: &negotiation.pendingText) {
            case .continues:
                self.state = .negotiating(negotiation)
                return .sendResponse(Self.continueResponse(stages))
            case .complete(let keys):
                return self.negotiate(keys, stages: stages, in: negotiation, declaring: [])
            case .invalid:
                return self.fail(.initiatorError)
            }

        case .resolvingSession, .fullFeature, .failed:
            return self.fail(.invalidDuringLogin)
        }
    }

    /// Continues the login with the connection's answer to `.resolveSession`.
    public mutating func sessionResolved(_ resolution: LoginSessionResolution) -> LoginAction {
        guard case .resolvingSession(let first) = self.state else {
            return self.fail(.targetError)
        }
        let grant: LoginSessionGrant
        switch resolution {
        case .accepted(let accepted):
            grant = accepted
        case .refused(let refusal):
            self.state = .failed
            return .sendFailure(refusal.response)
        }
        let skipsSecurity = first.stages.current == .operationalNegotiation
        if skipsSecurity && grant.authentication == .required {
            return self.fail(.authenticationFailure)
        }
        var settings = self.settings
        settings.headerDigestRequired = grant.headerDigestRequired
        settings.dataDigestRequired = grant.dataDigestRequired
        let negotiation = Negotiation(
            stage: first.stages.current,
            negotiator: KeyNegotiator(
                settings: settings,
                sessionType: first.session.sessionType,
                authentication: grant.authentication,
                openSession: grant.openSession
            ),
            session: first.session,
            authenticator: grant.authenticator,
            isAuthenticated: skipsSecurity
        )
        var declarations: [TextParameter] = []
        if first.session.sessionType == .normal {
            if let alias = grant.targetAlias, !alias.isEmpty {
                declarations.append(TextParameter(key: LoginKey.targetAlias.name, value: alias))
            }
            declarations.append(
                TextParameter(key: LoginKey.targetPortalGroupTag.name, value: String(grant.portalGroupTag))
            )
        }
        return self.negotiate(first.keys, stages: first.stages, in: negotiation, declaring: declarations)
    }

    // MARK: - Transitions

    private mutating func receiveFirst(
        _ request: LoginRequest,
        stages: RequestedStages,
        keys: [TextParameter]
    ) -> LoginAction {
        func value(_ key: LoginKey) -> String? {
            keys.last { LoginKey.named($0.key) == key }?.value
        }
        guard let initiatorName = value(.initiatorName), !initiatorName.isEmpty else {
            return self.fail(.missingParameter)
        }
        let sessionType: SessionType
        if let declared = value(.sessionType) {
            guard let parsed = SessionType(keyValue: declared) else {
                return self.fail(.missingParameter)
            }
            sessionType = parsed
        } else {
            guard request.tsih != 0 else {
                return self.fail(.missingParameter)
            }
            sessionType = .normal
        }
        let targetName = value(.targetName)
        if sessionType == .normal && (targetName ?? "").isEmpty {
            return self.fail(.missingParameter)
        }
        let session = LoginSessionRequest(
            initiatorName: initiatorName,
            initiatorAlias: value(.initiatorAlias),
            sessionType: sessionType,
            targetName: sessionType == .normal ? targetName : nil,
            isid: request.isid,
            tsih: request.tsih,
            cid: request.cid,
            cmdSN: request.cmdSN,
            expStatSN: request.expStatSN
        )
        self.state = .resolvingSession(FirstRequest(stages: stages, keys: keys, session: session))
        return .resolveSession(session)
    }

    private mutating func negotiate(
        _ keys: [TextParameter],
        stages: RequestedStages,
        in negotiation: Negotiation,
        declaring declarations: [TextParameter]
    ) -> LoginAction {
        var negotiation = negotiation
        var answers = declarations
        do {
            answers += try negotiation.negotiator.negotiate(keys)
        } catch {
            return self.fail(.initiatorError)
        }

        var transit = stages.next != nil
        if negotiation.stage == .securityNegotiation && !negotiation.isAuthenticated {
            if negotiation.negotiator.value(of: .authMethod).lowercased() == "none" {
                negotiation.isAuthenticated = true
            } else {
                guard var authenticator = negotiation.authenticator else {
                    return self.fail(.authenticationFailure)
                }
                let step = authenticator.authenticate(keys.filter { LoginKey.named($0.key)?.isCHAPKey == true })
                negotiation.authenticator = authenticator
                switch step {
                case .inProgress(let chapAnswers):
                    answers += chapAnswers
                    transit = false
                case .succeeded(let chapAnswers):
                    answers += chapAnswers
                    negotiation.isAuthenticated = true
                case .failed:
                    return self.fail(.authenticationFailure)
                }
            }
        }

        var response = LoginResponse(
            status: .success,
            transit: transit,
            currentStage: negotiation.stage,
            nextStage: .securityNegotiation,
            keys: answers
        )
        guard transit, let nextStage = stages.next else {
            self.state = .negotiating(negotiation)
            return .sendResponse(response)
        }
        response.nextStage = nextStage
        if nextStage == .fullFeaturePhase {
            guard !negotiation.negotiator.lacksRequiredDigest else {
                return self.fail(.missingParameter)
            }
            self.state = .fullFeature
            return .enterFullFeature(response, negotiation.negotiator.parameters)
        }
        negotiation.stage = nextStage
        self.state = .negotiating(negotiation)
        return .sendResponse(response)
    }

    private mutating func fail(_ status: LoginStatus) -> LoginAction {
        self.state = .failed
        return .sendFailure(.failure(status))
    }

    // MARK: - Checks and helpers

    /// A Login Request header that fails SPDK's checks or the RFC's stage ordering.
    private struct HeaderError: Error {
        var status: LoginStatus
    }

    /// SPDK's checks on every Login Request header, plus the RFC's stage ordering: CSG is 0 or 1, and with the
    /// T bit NSG is a later stage.
    private static func validateHeader(_ request: LoginRequest) -> Result<RequestedStages, HeaderError> {
        if request.transit && request.continuesText {
            return .failure(HeaderError(status: .initiatorError))
        }
        if request.versionMin > 0 {
            return .failure(HeaderError(status: .unsupportedVersion))
        }
        guard let current = LoginStage(rawValue: request.currentStage), current != .fullFeaturePhase else {
            return .failure(HeaderError(status: .initiatorError))
        }
        guard request.transit else {
            return .success(RequestedStages(current: current, next: nil))
        }
        guard let next = LoginStage(rawValue: request.nextStage), next.rawValue > current.rawValue else {
            return .failure(HeaderError(status: .initiatorError))
        }
        return .success(RequestedStages(current: current, next: next))
    }

    /// Where the text of a login exchange stands after one request.
    private enum TextProgress {
        /// The C bit is set: more text follows.
        case continues
        /// The text is complete and well-formed.
        case complete([TextParameter])
        /// The text is too long or malformed.
        case invalid
    }

    /// Appends the request's text to `pendingText` and parses it once complete.
    private static func accumulate(_ request: LoginRequest, into pendingText: inout [UInt8]) -> TextProgress {
        guard pendingText.count + request.text.count <= Self.maximumTextLength else {
            return .invalid
        }
        pendingText += request.text
        if request.continuesText {
            return .continues
        }
        defer { pendingText = [] }
        guard let keys = try? TextParameter.parse(pendingText) else {
            return .invalid
        }
        return .complete(keys)
    }

    /// The empty answer to a Continue-bit request (RFC 7143 §6.2).
    private static func continueResponse(_ stages: RequestedStages) -> LoginResponse {
        LoginResponse(
            status: .success,
            transit: false,
            currentStage: stages.current,
            nextStage: .securityNegotiation,
            keys: []
        )
    }
}
