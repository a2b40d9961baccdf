import Testing

@testable import ISCSIProtocol

@Suite struct TextParameterTests {
    private func bytes(_ text: String) -> [UInt8] {
        Array(text.utf8)
    }

    @Test func parsesNulTerminatedPairsInOrder() throws {
        let pairs = try TextParameter.parse(self.bytes("InitiatorName=iqn.x\0SessionType=Normal\0\0\0"))
        #expect(
            pairs == [TextParameter(key: "InitiatorName", value: "iqn.x"), .init(key: "SessionType", value: "Normal")]
        )
    }

    @Test func toleratesMissingFinalNulAndEmptyValues() throws {
        #expect(try TextParameter.parse(self.bytes("TargetAlias=")) == [TextParameter(key: "TargetAlias", value: "")])
    }

    @Test func rejectsMalformedText() {
        #expect(throws: TextParameterFormatError.malformedPair) { try TextParameter.parse(self.bytes("NoEquals\0")) }
        #expect(throws: TextParameterFormatError.malformedPair) { try TextParameter.parse(self.bytes("=x\0")) }
        #expect(throws: TextParameterFormatError.keyTooLong) {
            try TextParameter.parse(self.bytes(String(repeating: "K", count: 64) + "=1\0"))
        }
        #expect(throws: TextParameterFormatError.valueTooLong(key: "TargetAlias")) {
            try TextParameter.parse(self.bytes("TargetAlias=" + String(repeating: "a", count: 256)))
        }
        #expect(throws: TextParameterFormatError.duplicateKey("MaxBurstLength")) {
            try TextParameter.parse(self.bytes("MaxBurstLength=512\0MaxBurstLength=512\0"))
        }
        #expect(throws: TextParameterFormatError.invalidEncoding) { try TextParameter.parse([0x41, 0x3D, 0xFF, 0]) }
    }

    @Test func chapBinaryValuesMayBeLong() throws {
        let challenge = "0x" + String(repeating: "ab", count: 1000)
        #expect(try TextParameter.parse(self.bytes("CHAP_C=\(challenge)\0")).first?.value == challenge)
    }

    @Test func encodesWhatItParses() throws {
        let pairs = [TextParameter(key: "HeaderDigest", value: "None"), .init(key: "TargetAlias", value: "")]
        #expect(pairs.encodedText == self.bytes("HeaderDigest=None\0TargetAlias=\0"))
        #expect(try TextParameter.parse(pairs.encodedText) == pairs)
    }
}
