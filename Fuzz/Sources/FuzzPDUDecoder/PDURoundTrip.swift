import ISCSIWire
import NIOCore

/// The invariants every decoded PDU must keep; a violation traps, which libFuzzer reports as a crash.
enum PDURoundTrip {
    /// Every typed view of a PDU, target and initiator side.
    private static let typedViews: [any ISCSIPDUConvertible.Type] = [
        NOPOutPDU.self, NOPInPDU.self, SCSICommandPDU.self, SCSIResponsePDU.self, TaskManagementRequestPDU.self,
        TaskManagementResponsePDU.self, LoginRequestPDU.self, LoginResponsePDU.self, TextRequestPDU.self,
        TextResponsePDU.self, SCSIDataOutPDU.self, SCSIDataInPDU.self, LogoutRequestPDU.self,
        LogoutResponsePDU.self, ReadyToTransferPDU.self, AsyncMessagePDU.self, RejectPDU.self, SNACKRequestPDU.self,
    ]

    /// Checks `pdu`, decoded under `configuration`:
    /// - encoding it with the same digests and decoding the bytes again gives the same PDU;
    /// - a typed view that accepts it reproduces its own `makePDU()`;
    /// - a text segment that parses re-parses to the same pairs after encoding.
    static func check(_ pdu: ISCSIPDU, configuration: ISCSIPDUDecoder.Configuration) {
        let encoder = ISCSIPDUEncoder(headerDigest: configuration.headerDigest, dataDigest: configuration.dataDigest)
        var encoded = ByteBuffer()
        encoder.encode(pdu, into: &encoded)
        precondition(encoded.readableBytes == encoder.encodedLength(of: pdu), "encodedLength disagrees with encode")
        var decoder = ISCSIPDUDecoder(configuration: configuration)
        let decodedAgain = try? decoder.decode(buffer: &encoded)
        precondition(decodedAgain == pdu, "a re-encoded \(pdu.opcode) PDU decodes differently")
        precondition(encoded.readableBytes == 0, "re-encoding a PDU left extra bytes")

        for view in Self.typedViews {
            Self.checkTypedView(view, of: pdu)
        }
        if pdu.opcode == .loginRequest || pdu.opcode == .textRequest {
            Self.checkText(pdu.dataSegment)
        }
    }

    /// A typed view decoded from its own `makePDU()` makes the same PDU again.
    private static func checkTypedView<View: ISCSIPDUConvertible>(_: View.Type, of pdu: ISCSIPDU) {
        guard let view = try? View(pdu) else { return }
        let made = view.makePDU()
        guard let viewAgain = try? View(made) else {
            preconditionFailure("\(View.self) rejects the PDU its makePDU() built")
        }
        precondition(viewAgain.makePDU() == made, "\(View.self) does not round-trip through makePDU()")
    }

    /// Parsed `key=value` text encodes to bytes that parse to the same pairs.
    private static func checkText(_ segment: ByteBuffer) {
        guard let text = try? TextKeyValues(parsing: segment) else { return }
        let reparsed = try? TextKeyValues(parsing: text.encoded())
        precondition(reparsed == text, "text key=value pairs do not round-trip")
    }
}
