/// The six-bit opcode in byte 0 of every Basic Header Segment (RFC 7143 §11.2.1.2).
///
/// Unknown values are representable so that a target can answer them with a Reject PDU.
public struct ISCSIOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The opcode value, 0x00...0x3f.
    public let rawValue: UInt8

    /// Creates an opcode from the low six bits of `rawValue`.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x3f
    }

    // Initiator opcodes.
    public static let nopOut = ISCSIOpcode(rawValue: 0x00)
    public static let scsiCommand = ISCSIOpcode(rawValue: 0x01)
    public static let taskManagementRequest = ISCSIOpcode(rawValue: 0x02)
    public static let loginRequest = ISCSIOpcode(rawValue: 0x03)
    public static let textRequest = ISCSIOpcode(rawValue: 0x04)
    public static let scsiDataOut = ISCSIOpcode(rawValue: 0x05)
    public static let logoutRequest = ISCSIOpcode(rawValue: 0x06)
    public static let snackRequest = ISCSIOpcode(rawValue: 0x10)

    // Target opcodes.
    public static let nopIn = ISCSIOpcode(rawValue: 0x20)
    public static let scsiResponse = ISCSIOpcode(rawValue: 0x21)
    public static let taskManagementResponse = ISCSIOpcode(rawValue: 0x22)
    public static let loginResponse = ISCSIOpcode(rawValue: 0x23)
    public static let textResponse = ISCSIOpcode(rawValue: 0x24)
    public static let scsiDataIn = ISCSIOpcode(rawValue: 0x25)
    public static let logoutResponse = ISCSIOpcode(rawValue: 0x26)
    public static let readyToTransfer = ISCSIOpcode(rawValue: 0x31)
    public static let asyncMessage = ISCSIOpcode(rawValue: 0x32)
    public static let reject = ISCSIOpcode(rawValue: 0x3f)

    public var description: String {
        switch self {
        case .nopOut: "NOP-Out"
        case .scsiCommand: "SCSI Command"
        case .taskManagementRequest: "Task Management Function Request"
        case .loginRequest: "Login Request"
        case .textRequest: "Text Request"
        case .scsiDataOut: "SCSI Data-Out"
        case .logoutRequest: "Logout Request"
        case .snackRequest: "SNACK Request"
        case .nopIn: "NOP-In"
        case .scsiResponse: "SCSI Response"
        case .taskManagementResponse: "Task Management Function Response"
        case .loginResponse: "Login Response"
        case .textResponse: "Text Response"
        case .scsiDataIn: "SCSI Data-In"
        case .logoutResponse: "Logout Response"
        case .readyToTransfer: "Ready To Transfer (R2T)"
        case .asyncMessage: "Asynchronous Message"
        case .reject: "Reject"
        default: "opcode 0x" + String(self.rawValue, radix: 16)
        }
    }
}
