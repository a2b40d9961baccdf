import NIOCore
import Testing

@testable import ISCSIWire

/// AHS are defined for SCSI Commands only (RFC 7143 §11.2.2): every other request carrying some is malformed.
@Suite struct AdditionalHeaderSegmentTests {
    private static let requestsWithoutAHS: [ISCSIOpcode] = [
        .nopOut, .taskManagementRequest, .loginRequest, .textRequest, .scsiDataOut, .logoutRequest, .snackRequest,
    ]

    private static func pdu(_ opcode: ISCSIOpcode, ahsBytes: Int) -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: opcode, isImmediate: true)
        header.bytes[1] = 0x80
        return ISCSIPDU(header: header, additionalHeaderSegments: ByteBuffer(repeating: 0xff, count: ahsBytes))
    }

    @Test(arguments: Self.requestsWithoutAHS)
    func aRequestOtherThanASCSICommandMustNotCarryAHS(_ opcode: ISCSIOpcode) throws {
        _ = try ISCSIInitiatorMessage(Self.pdu(opcode, ahsBytes: 0))
        #expect {
            _ = try ISCSIInitiatorMessage(Self.pdu(opcode, ahsBytes: 1020))
        } throws: { error in
            guard case .malformedAdditionalHeaderSegment = error as? ISCSIWireError else { return false }
            return true
        }
    }
}
