import Testing

@testable import ISCSIProtocol

/// Known answers computed with Python's hashlib: H(0x2a || "123456789123" || 00 01 02 … n-1), n = digest length.
@Suite struct CHAPAlgorithmTests {
    private static let secret = CHAPSecret("123456789123")

    @Test(
        arguments: [
            (CHAPAlgorithm.md5, "0x0268cbf106689d384ec6cba0764c0e55"),
            (.sha1, "0x8083cfa3b0049d2b93e570052bd5957a295fe281"),
            (.sha256, "0x33d360eddc4e0af27e6c3dc8ab4ce7423b8717d53147245bf16a7488d399083f"),
            (.sha3_256, "0x347654ff893aeeea4cb40a93a329f2fba7eaa5cbefa872a3b5d67235da6efc13"),
        ]
    )
    func knownAnswer(algorithm: CHAPAlgorithm, expected: String) {
        let challenge = (0..<algorithm.digestLength).map { UInt8($0) }
        let response = algorithm.response(identifier: 0x2a, secret: Self.secret, challenge: challenge)
        #expect(CHAPBinaryValue.encodeHex(response) == expected)
        #expect(response.count == algorithm.digestLength)
    }

    @Test func wireNumbersAndLengths() {
        #expect(CHAPAlgorithm.allCases.map(\.rawValue) == [5, 6, 7, 8])
        #expect(CHAPAlgorithm.allCases.map(\.challengeLength) == [16, 20, 32, 32])
    }

    @Test func secretsAreRedacted() {
        let secret = CHAPSecret("do-not-print-me")
        let credentials = CHAPCredentials(
            user: "chapo",
            secret: secret,
            mutualUser: "mchapo",
            mutualSecret: CHAPSecret("nor-me-either")
        )
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [
            "\(secret)", String(reflecting: secret), "\(credentials)", String(reflecting: credentials), dumped,
        ] {
            #expect(!text.contains("print-me") && !text.contains("either"), "\(text)")
        }
        #expect("\(credentials)".contains("chapo"))
    }
}

@Suite struct CHAPBinaryValueTests {
    @Test func decodesHexInEitherCase() {
        #expect(CHAPBinaryValue.decode("0x00ff10Ab") == [0x00, 0xff, 0x10, 0xab])
        #expect(CHAPBinaryValue.decode("0XABC") == [0x0a, 0xbc])
    }

    @Test func decodesBase64WithAndWithoutPadding() {
        #expect(CHAPBinaryValue.decode("0bAAECAwQFBgcICQoLDA0ODw==") == (0..<16).map { UInt8($0) })
        #expect(CHAPBinaryValue.decode("0bAAECAwQFBgcICQoLDA0ODw") == (0..<16).map { UInt8($0) })
        #expect(CHAPBinaryValue.decode("0B//4=") == [0xff, 0xfe])
    }

    @Test(arguments: [
        "", "0x", "0b", "ab", "12", "0y00", "0xg0", "0x 0", "0b*A==", "0bA", "0bAB=", "0bAA=A", "0b//5=", "0bAAA===",
    ])
    func rejectsMalformedValues(_ text: String) {
        #expect(CHAPBinaryValue.decode(text) == nil)
    }

    @Test func rejectsValuesLongerThan1024Bytes() {
        #expect(CHAPBinaryValue.decode("0x" + String(repeating: "ab", count: 1024))?.count == 1024)
        #expect(CHAPBinaryValue.decode("0x" + String(repeating: "ab", count: 1025)) == nil)
    }

    @Test func encodesLowercaseHex() {
        #expect(CHAPBinaryValue.encodeHex([0x00, 0x9f, 0xa0]) == "0x009fa0")
    }
}
