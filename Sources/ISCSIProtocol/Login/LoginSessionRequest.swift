/// Who is logging in to what, taken from the first complete login request. The connection resolves it
/// against the configuration (target lookup, ACL, redirection, existing session) and answers the login
/// state machine with a `LoginSessionResolution`.
public struct LoginSessionRequest: Hashable, Sendable {
    /// `InitiatorName`.
    public var initiatorName: String
    /// `InitiatorAlias`, if sent.
    public var initiatorAlias: String?
    /// `SessionType` (Normal when absent on a connection joining a session).
    public var sessionType: SessionType
    /// `TargetName`; always present for Normal sessions.
    public var targetName: String?
    /// The initiator session ID.
    public var isid: UInt64
    /// 0 for a new session, else the session this connection wants to join.
    public var tsih: UInt16
    /// The connection ID.
    public var cid: UInt16
    /// CmdSN of the first login request: the session's first ExpCmdSN.
    public var cmdSN: UInt32
    /// ExpStatSN of the first login request.
    public var expStatSN: UInt32
}

/// What the target grants a login it accepted, from the target node (or the discovery settings).
public struct LoginSessionGrant: Sendable {
    /// `TargetAlias`, declared in the first response of a Normal session when set.
    public var targetAlias: String?
    /// `TargetPortalGroupTag` of the portal the connection arrived on, declared in the first response of a
    /// Normal session.
    public var portalGroupTag: UInt16
    /// The target requires `HeaderDigest=CRC32C`.
    public var headerDigestRequired: Bool
    /// The target requires `DataDigest=CRC32C`.
    public var dataDigestRequired: Bool
    /// Which `AuthMethod` values are acceptable.
    public var authentication: LoginAuthenticationPolicy
    /// Runs CHAP when `AuthMethod=CHAP` is negotiated; without one, CHAP logins fail authentication.
    public var authenticator: (any LoginAuthenticator)?
    /// The parameters of the open session this login adds a connection to (TSIH ≠ 0); nil for a new session.
    public var openSession: NegotiatedParameters?

    /// Creates a grant.
    public init(
        targetAlias: String? = nil,
        portalGroupTag: UInt16,
        headerDigestRequired: Bool = false,
        dataDigestRequired: Bool = false,
        authentication: LoginAuthenticationPolicy = .optional,
        authenticator: (any LoginAuthenticator)? = nil,
        openSession: NegotiatedParameters? = nil
    ) {
        self.targetAlias = targetAlias
        self.portalGroupTag = portalGroupTag
        self.headerDigestRequired = headerDigestRequired
        self.dataDigestRequired = dataDigestRequired
        self.authentication = authentication
        self.authenticator = authenticator
        self.openSession = openSession
    }
}

/// The connection's answer to `LoginAction.resolveSession`.
public enum LoginSessionResolution: Sendable {
    /// The login may proceed.
    case accepted(LoginSessionGrant)
    /// The login ends with this refusal.
    case refused(LoginSessionRefusal)
}

/// Why the target refuses a login once it knows who logs in to what.
public enum LoginSessionRefusal: Hashable, Sendable {
    /// No target has this name (0x0203).
    case targetNotFound
    /// The target is being deleted (0x0204).
    case targetRemoved
    /// The initiator's name or address is not allowed (0x0202).
    case accessDenied
    /// The target is redirected to `address` ("host:port"), sent as `TargetAddress` (0x0101).
    case redirected(address: String)
    /// TSIH names no existing session (0x020a).
    case sessionDoesNotExist
    /// The session already has MaxConnections connections (0x0206).
    case tooManyConnections
    /// The connection cannot join that session (0x0208).
    case cannotIncludeInSession
    /// The target cannot allocate the session (0x0302).
    case outOfResources

    /// The failure response that tells the initiator.
    public var response: LoginResponse {
        switch self {
        case .targetNotFound: .failure(.targetNotFound)
        case .targetRemoved: .failure(.targetRemoved)
        case .accessDenied: .failure(.authorizationFailure)
        case .redirected(let address):
            .failure(.targetMovedTemporarily, keys: [TextParameter(key: LoginKey.targetAddress.name, value: address)])
        case .sessionDoesNotExist: .failure(.sessionDoesNotExist)
        case .tooManyConnections: .failure(.tooManyConnections)
        case .cannotIncludeInSession: .failure(.cannotIncludeInSession)
        case .outOfResources: .failure(.outOfResources)
        }
    }
}
