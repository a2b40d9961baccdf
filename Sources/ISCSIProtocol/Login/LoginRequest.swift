/// The fields of a Login Request PDU the login state machine needs (RFC 7143 §11.12), decoupled from the
/// PDU codec. The connection fills it from the decoded PDU.
public struct LoginRequest: Hashable, Sendable {
    /// The T bit: the initiator wants to move to `nextStage`.
    public var transit: Bool
    /// The C bit: the text continues in the next Login Request.
    public var continuesText: Bool
    /// The raw CSG field (0, 1 or 3; 2 is reserved).
    public var currentStage: UInt8
    /// The raw NSG field, meaningful when `transit` is set.
    public var nextStage: UInt8
    /// Version-max.
    public var versionMax: UInt8
    /// Version-min.
    public var versionMin: UInt8
    /// The 48-bit initiator session ID.
    public var isid: UInt64
    /// The target session identifying handle: 0 for a new session.
    public var tsih: UInt16
    /// The connection ID.
    public var cid: UInt16
    /// CmdSN.
    public var cmdSN: UInt32
    /// ExpStatSN.
    public var expStatSN: UInt32
    /// The data segment: NUL-terminated `key=value` text, possibly cut anywhere when `continuesText` is set.
    public var text: [UInt8]

    /// Creates a request; defaults are those of a plain first request in the security stage.
    public init(
        transit: Bool = false,
        continuesText: Bool = false,
        currentStage: UInt8 = LoginStage.securityNegotiation.rawValue,
        nextStage: UInt8 = LoginStage.securityNegotiation.rawValue,
        versionMax: UInt8 = 0,
        versionMin: UInt8 = 0,
        isid: UInt64 = 0,
        tsih: UInt16 = 0,
        cid: UInt16 = 0,
        cmdSN: UInt32 = 0,
        expStatSN: UInt32 = 0,
        text: [UInt8] = []
    ) {
        self.transit = transit
        self.continuesText = continuesText
        self.currentStage = currentStage
        self.nextStage = nextStage
        self.versionMax = versionMax
        self.versionMin = versionMin
        self.isid = isid
        self.tsih = tsih
        self.cid = cid
        self.cmdSN = cmdSN
        self.expStatSN = expStatSN
        self.text = text
    }
}
