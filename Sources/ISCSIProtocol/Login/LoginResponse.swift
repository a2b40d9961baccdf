/// The fields of a Login Response PDU the login state machine decides (RFC 7143 §11.13). The connection adds
/// ISID, ITT, StatSN, ExpCmdSN/MaxCmdSN, versions, and the TSIH of the session once full feature is reached.
public struct LoginResponse: Hashable, Sendable {
    /// Status-Class and Status-Detail.
    public var status: LoginStatus
    /// The T bit.
    public var transit: Bool
    /// CSG.
    public var currentStage: LoginStage
    /// NSG (security negotiation, i.e. 0, when `transit` is clear).
    public var nextStage: LoginStage
    /// The `key=value` answers, in order.
    public var keys: [TextParameter]

    /// Creates a response.
    public init(
        status: LoginStatus,
        transit: Bool,
        currentStage: LoginStage,
        nextStage: LoginStage,
        keys: [TextParameter]
    ) {
        self.status = status
        self.transit = transit
        self.currentStage = currentStage
        self.nextStage = nextStage
        self.keys = keys
    }

    /// A failed login's response: T, CSG and NSG are zero, as SPDK sends them.
    public static func failure(_ status: LoginStatus, keys: [TextParameter] = []) -> LoginResponse {
        LoginResponse(
            status: status,
            transit: false,
            currentStage: .securityNegotiation,
            nextStage: .securityNegotiation,
            keys: keys
        )
    }
}
