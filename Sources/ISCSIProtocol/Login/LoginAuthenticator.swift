/// The outcome of one authentication step in the security stage.
public enum LoginAuthenticationStep: Sendable {
    /// More exchanges are needed: answer these keys and stay in the security stage.
    case inProgress([TextParameter])
    /// The initiator is authenticated: answer these keys (possibly none) and allow the transit.
    case succeeded([TextParameter])
    /// Authentication failed: the login ends with 0x0201.
    case failed
}

/// An authentication method run in the security stage when `AuthMethod` negotiates to something other
/// than `None` (CHAP). The login state machine hands it the `CHAP_*` keys of each complete request.
public protocol LoginAuthenticator: Sendable {
    /// Processes the authentication keys of one complete security-stage text.
    mutating func authenticate(_ keys: [TextParameter]) -> LoginAuthenticationStep
}
