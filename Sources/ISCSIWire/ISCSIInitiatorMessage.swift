/// A PDU an initiator may send to a target, decoded into its typed view.
public enum ISCSIInitiatorMessage: Sendable {
    case nopOut(NOPOutPDU)
    case scsiCommand(SCSICommandPDU)
    case taskManagementRequest(TaskManagementRequestPDU)
    case loginRequest(LoginRequestPDU)
    case textRequest(TextRequestPDU)
    case scsiDataOut(SCSIDataOutPDU)
    case logoutRequest(LogoutRequestPDU)
    case snackRequest(SNACKRequestPDU)

    /// Decodes `pdu`, throwing `ISCSIWireError.unknownOpcode` for target or unknown opcodes.
    public init(_ pdu: ISCSIPDU) throws {
        switch pdu.opcode {
        case .nopOut: self = .nopOut(try NOPOutPDU(pdu))
        case .scsiCommand: self = .scsiCommand(try SCSICommandPDU(pdu))
        case .taskManagementRequest: self = .taskManagementRequest(try TaskManagementRequestPDU(pdu))
        case .loginRequest: self = .loginRequest(try LoginRequestPDU(pdu))
        case .textRequest: self = .textRequest(try TextRequestPDU(pdu))
        case .scsiDataOut: self = .scsiDataOut(try SCSIDataOutPDU(pdu))
        case .logoutRequest: self = .logoutRequest(try LogoutRequestPDU(pdu))
        case .snackRequest: self = .snackRequest(try SNACKRequestPDU(pdu))
        default: throw ISCSIWireError.unknownOpcode(pdu.opcode)
        }
    }
}
