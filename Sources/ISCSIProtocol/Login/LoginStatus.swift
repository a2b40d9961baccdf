/// The Status-Class and Status-Detail of a Login Response (RFC 7143 §11.13.5).
public struct LoginStatus: Hashable, Sendable, CustomStringConvertible {
    /// 0 success, 1 redirection, 2 initiator error, 3 target error.
    public var statusClass: UInt8
    /// The detail within the class.
    public var statusDetail: UInt8

    /// Creates a status from its two bytes.
    public init(statusClass: UInt8, statusDetail: UInt8) {
        self.statusClass = statusClass
        self.statusDetail = statusDetail
    }

    /// Whether the login may go on.
    public var isSuccess: Bool { self.statusClass == 0 }

    public var description: String {
        "0x" + String(UInt16(self.statusClass) << 8 | UInt16(self.statusDetail), radix: 16)
    }

    /// 0x0000: login is proceeding.
    public static let success = LoginStatus(statusClass: 0, statusDetail: 0)
    /// 0x0101: the target is at the `TargetAddress` in the response, for now.
    public static let targetMovedTemporarily = LoginStatus(statusClass: 1, statusDetail: 1)
    /// 0x0102: the target is at the `TargetAddress` in the response, for good.
    public static let targetMovedPermanently = LoginStatus(statusClass: 1, statusDetail: 2)
    /// 0x0200: miscellaneous initiator error (bad flags, bad keys, failed negotiation).
    public static let initiatorError = LoginStatus(statusClass: 2, statusDetail: 0)
    /// 0x0201: the initiator could not be authenticated.
    public static let authenticationFailure = LoginStatus(statusClass: 2, statusDetail: 1)
    /// 0x0202: the initiator may not access the target.
    public static let authorizationFailure = LoginStatus(statusClass: 2, statusDetail: 2)
    /// 0x0203: no such target.
    public static let targetNotFound = LoginStatus(statusClass: 2, statusDetail: 3)
    /// 0x0204: the target is being removed.
    public static let targetRemoved = LoginStatus(statusClass: 2, statusDetail: 4)
    /// 0x0205: no common protocol version.
    public static let unsupportedVersion = LoginStatus(statusClass: 2, statusDetail: 5)
    /// 0x0206: the session has its maximum number of connections.
    public static let tooManyConnections = LoginStatus(statusClass: 2, statusDetail: 6)
    /// 0x0207: a required key (InitiatorName, SessionType, TargetName) is missing or invalid.
    public static let missingParameter = LoginStatus(statusClass: 2, statusDetail: 7)
    /// 0x0208: the connection cannot be added to the session.
    public static let cannotIncludeInSession = LoginStatus(statusClass: 2, statusDetail: 8)
    /// 0x0209: the session type is not supported.
    public static let sessionTypeNotSupported = LoginStatus(statusClass: 2, statusDetail: 9)
    /// 0x020a: the TSIH names no existing session.
    public static let sessionDoesNotExist = LoginStatus(statusClass: 2, statusDetail: 0x0A)
    /// 0x020b: the request is not valid during login.
    public static let invalidDuringLogin = LoginStatus(statusClass: 2, statusDetail: 0x0B)
    /// 0x0300: the target failed.
    public static let targetError = LoginStatus(statusClass: 3, statusDetail: 0)
    /// 0x0301: the service is unavailable.
    public static let serviceUnavailable = LoginStatus(statusClass: 3, statusDetail: 1)
    /// 0x0302: the target is out of resources.
    public static let outOfResources = LoginStatus(statusClass: 3, statusDetail: 2)
}
