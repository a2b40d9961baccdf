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
        var header: LoginRequest
        var keys: [TextParameter]
        var session: LoginSessionRequest
    }

    /// Everything valid while the login stages run.
    private struct Negotiation: Sendable {
        var stage: LoginStage
        var negotiator: KeyNegotiator
        var session: LoginSessionRequest
        var authentication: LoginAuthenticationPolicy
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
        if let status = Self.headerError(request) {
            return self.fail(status)
        }
        switch self.state {
        case .awaitingFirstRequest(var pendingText):
            switch Self.accumulate(request, into: &pendingText) {
            case .continues:
                self.state = .awaitingFirstRequest(pendingText: pendingText)
                return .sendResponse(Self.continueResponse(request))
            case .complete(let keys):
                return self.receiveFirst(request, keys: keys)
            case .invalid:
                return self.fail(.initiatorError)
            }

        case .negotiating(var negotiation):
            guard
                request.currentStage == negotiation.stage.rawValue, request.isid == negotiation.session.isid,
                request.tsih == negotiation.session.tsih, request.cid == negotiation.session.cid
            else {
                return self.fail(.initiatorError)
            }
            switch Self.accumulate(request, into: &negotiation.pendingText) {
            case .continues:
                self.state = .negotiating(negotiation)
                return .sendResponse(Self.continueResponse(request))
            case .complete(let keys):
                return self.negotiate(request, keys: keys, in: negotiation, declaring: [])
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
        guard case .accepted(let grant) = resolution else {
            self.state = .failed
            return .sendFailure(resolution.failureResponse ?? .failure(.targetError))
        }
        if first.header.currentStage == LoginStage.operationalNegotiation.rawValue
            && grant.authentication == .required
        {
            return self.fail(.authenticationFailure)
        }
        var settings = self.settings
        settings.headerDigestRequired = grant.headerDigestRequired
        settings.dataDigestRequired = grant.dataDigestRequired
        let negotiation = Negotiation(
            stage: first.header.currentStage == LoginStage.operationalNegotiation.rawValue
                ? .operationalNegotiation : .securityNegotiation,
            negotiator: KeyNegotiator(
                settings: settings,
                sessionType: first.session.sessionType,
                authentication: grant.authentication
            ),
            session: first.session,
            authentication: grant.authentication,
            authenticator: grant.authenticator,
            isAuthenticated: first.header.currentStage == LoginStage.operationalNegotiation.rawValue
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
        return self.negotiate(first.header, keys: first.keys, in: negotiation, declaring: declarations)
    }

    // MARK: - Transitions

    private mutating func receiveFirst(_ request: LoginRequest, keys: [TextParameter]) -> LoginAction {
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
        self.state = .resolvingSession(FirstRequest(header: request, keys: keys, session: session))
        return .resolveSession(session)
    }

    private mutating func negotiate(
        _ request: LoginRequest,
        keys: [TextParameter],
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

        var transit = request.transit
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
        guard transit, let nextStage = LoginStage(rawValue: request.nextStage) else {
            self.state = .negotiating(negotiation)
            return .sendResponse(response)
        }
        response.nextStage = nextStage
        if nextStage == .fullFeaturePhase {
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

    /// SPDK's checks on every Login Request header, plus the RFC's stage ordering.
    private static func headerError(_ request: LoginRequest) -> LoginStatus? {
        if request.transit && request.continuesText {
            return .initiatorError
        }
        if request.versionMin > 0 {
            return .unsupportedVersion
        }
        guard let currentStage = LoginStage(rawValue: request.currentStage), currentStage != .fullFeaturePhase
        else {
            return .initiatorError
        }
        if request.transit {
            guard let nextStage = LoginStage(rawValue: request.nextStage),
                nextStage.rawValue > currentStage.rawValue
            else {
                return .initiatorError
            }
        }
        return nil
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
    private static func continueResponse(_ request: LoginRequest) -> LoginResponse {
        LoginResponse(
            status: .success,
            transit: false,
            currentStage: LoginStage(rawValue: request.currentStage) ?? .securityNegotiation,
            nextStage: .securityNegotiation,
            keys: []
        )
    }
}
