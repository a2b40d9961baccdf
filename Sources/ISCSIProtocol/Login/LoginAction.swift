/// What the connection must do after feeding the login state machine.
public enum LoginAction: Sendable {
    /// Send this Login Response and wait for the next Login Request.
    case sendResponse(LoginResponse)
    /// Resolve who is logging in to what, then call `LoginStateMachine.sessionResolved(_:)`.
    case resolveSession(LoginSessionRequest)
    /// Send this failure response, then close the connection.
    case sendFailure(LoginResponse)
    /// Create or join the session, send this response with the session's TSIH, and enter full feature
    /// phase with these parameters.
    case enterFullFeature(LoginResponse, NegotiatedParameters)
}
