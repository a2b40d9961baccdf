import JSONRPC
import NIOCore
import NIOTestUtils
import Testing

@Suite struct JSONValueFramerTests {
    /// Feeds `input` through the framer on every split the verifier tries and expects `values`.
    private func verify(_ input: String, yields values: [String]) throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [(input, values.map { ByteBuffer(string: $0) })],
            decoderFactory: { JSONValueFramer() }
        )
    }

    @Test func framesOneObject() throws {
        try self.verify(#"{"jsonrpc":"2.0","method":"m","id":1}"#, yields: [#"{"jsonrpc":"2.0","method":"m","id":1}"#])
    }

    @Test func framesPrettyRequestsJoinedByNewlines() throws {
        // What rpc.py sends: json.dumps(request, indent=2) per request, joined with "\n".
        let first = JSONValue.object(["jsonrpc": "2.0", "method": "spdk_get_version", "id": 1]).prettyText(indent: 2)
        let second = JSONValue.object([
            "jsonrpc": "2.0", "method": "rpc_get_methods", "id": 2, "params": ["current": true],
        ])
        .prettyText(indent: 2)
        try self.verify(first + "\n" + second, yields: [first, second])
    }

    @Test func framesBackToBackValuesAndSkipsWhitespace() throws {
        try self.verify(
            " \r\n\t{}[]\n{\"a\":[{}]} [1,[2,{\"b\":3}]]\n\n",
            yields: ["{}", "[]", #"{"a":[{}]}"#, #"[1,[2,{"b":3}]]"#]
        )
    }

    @Test func ignoresBracketsAndQuotesInsideStrings() throws {
        let tricky = #"{"s":"}]{[\"\\","t":"\\"}"#
        try self.verify(tricky + #"["\"]"]"#, yields: [tricky, #"["\"]"]"#])
    }

    @Test func framesTopLevelScalars() throws {
        try self.verify(
            #""a}b" true false null 12 -3.5e2 "#,
            yields: [#""a}b""#, "true", "false", "null", "12", "-3.5e2"]
        )
        try self.verify("7{}", yields: ["7", "{}"])
    }

    @Test func waitsForTheEndOfATopLevelNumber() throws {
        var framer = JSONValueFramer()
        var buffer = ByteBuffer(string: "123")
        #expect(try framer.decode(buffer: &buffer) == nil)
        buffer.writeString("4\n")
        #expect(try framer.decode(buffer: &buffer) == ByteBuffer(string: "1234"))
    }

    @Test func resumesScanningAcrossTrickledBytes() throws {
        let request = JSONValue.object(["jsonrpc": "2.0", "method": "m", "id": "x{"]).prettyText(indent: 2)
        var framer = JSONValueFramer()
        var buffer = ByteBuffer()
        var framed: [ByteBuffer] = []
        for byte in Array((request + "\n" + request).utf8) {
            buffer.writeInteger(byte)
            while let value = try framer.decode(buffer: &buffer) {
                framed.append(value)
            }
        }
        #expect(framed == [ByteBuffer(string: request), ByteBuffer(string: request)])
    }

    @Test(arguments: ["x", "}", "]", "{]", "[1}", "{\"a\":[}", "\"a\u{01}\"", "'a'", "{\"a\":1}\u{00}"])
    func rejectsGarbage(_ input: String) throws {
        var framer = JSONValueFramer()
        var buffer = ByteBuffer(string: input)
        #expect(throws: JSONFramingError.invalidJSON) {
            while try framer.decode(buffer: &buffer) != nil {}
        }
    }

    @Test func rejectsOversizeValues() throws {
        var framer = JSONValueFramer(maximumValueLength: 16)
        var buffer = ByteBuffer(string: #"{"a":"0123456789"}"#)
        #expect(throws: JSONFramingError.valueTooLarge(limit: 16)) { try framer.decode(buffer: &buffer) }

        var fits = JSONValueFramer(maximumValueLength: 16)
        var small = ByteBuffer(string: #"{"a":"01234567"}"#)
        #expect(try fits.decode(buffer: &small) == ByteBuffer(string: #"{"a":"01234567"}"#))
    }

    @Test func defaultLimitAcceptsLargeRequests() throws {
        let big = JSONValue.object(["s": .string(String(repeating: "a", count: 200_000))]).compactText()
        var framer = JSONValueFramer()
        var buffer = ByteBuffer(string: big)
        #expect(try framer.decode(buffer: &buffer) == ByteBuffer(string: big))
    }

    @Test func rejectsNestingDeeperThanTheParserAllows() throws {
        var framer = JSONValueFramer()
        var buffer = ByteBuffer(string: String(repeating: "[", count: 65))
        #expect(throws: JSONFramingError.invalidJSON) { try framer.decode(buffer: &buffer) }
    }
}
