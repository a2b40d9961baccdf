import JSONRPC
import Testing

@Suite struct JSONValueParsingTests {
    @Test func parsesScalars() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse(" true ") == .bool(true))
        #expect(try JSONValue.parse("\nfalse\t") == .bool(false))
        #expect(try JSONValue.parse("\"hi\"") == .string("hi"))
        #expect(try JSONValue.parse("-0") == .integer(0))
        #expect(try JSONValue.parse("42") == .integer(42))
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONValue.parse("18446744073709551615") == .unsignedInteger(.max))
        #expect(try JSONValue.parse("18446744073709551616") == .double(18_446_744_073_709_551_616))
        #expect(try JSONValue.parse("1.0") == .double(1))
        #expect(try JSONValue.parse("1e3") == .double(1000))
        #expect(try JSONValue.parse("-2.5E-1") == .double(-0.25))
    }

    @Test func keepsMemberOrderAndDuplicates() throws {
        let value = try JSONValue.parse(#"{"b":1,"a":[true,null],"b":2}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "b"])
        #expect(object.hasDuplicateKeys)
        #expect(object["b"] == .integer(1))
    }

    @Test func decodesEscapes() throws {
        let value = try JSONValue.parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0000""#)
        #expect(value == .string("a\"\\/\u{08}\u{0C}\n\r\t\u{E9}\u{1F600}\u{0}"))
        #expect(try JSONValue.parse("\"h\u{E9}\"") == .string("h\u{E9}"))
    }

    @Test(
        arguments: [
            "", " ", "tru", "nul", "[1,", "{\"a\":", "\"abc", "-", "1.", "1e", "{", "[", "\"\\u12",
        ]
    )
    func reportsIncompleteInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.kind == .incomplete)
        }
    }

    @Test(
        arguments: [
            "01", "+1", ".5", "1.e5", "[1,]", "{\"a\":1,}", "{a:1}", "[1 2]", "{\"a\" 1}", "truex", "nulL",
            "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "1 2", "{}}", "]",
            "NaN", "'a'", "[1]x", "// c\n1",
        ]
    )
    func rejectsInvalidInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC0, 0xAF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func acceptsCommentsOnlyWhenAllowed() throws {
        let text = "// header\n{ /* inline */ \"a\": 1 // tail\n}\n/* end */"
        #expect(try JSONValue.parse(text, allowComments: true) == ["a": 1])
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("/* open", allowComments: true) }
    }

    @Test func countsValuesLikeSPDK() throws {
        // {"a":[1,2]} is object begin, name, array begin, 1, 2, array end, object end: 7 values.
        #expect(try JSONValue.parse(#"{"a":[1,2]}"#, maxValues: 7) == ["a": [1, 2]])
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a":[1,2]}"#, maxValues: 6) }
    }

    @Test func limitsNesting() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONValue.parse(ok)
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }
}

@Suite struct JSONValueTextTests {
    static let sample: JSONValue = [
        "a": 1,
        "b": [true, nil],
        "c": .object([:]),
        "d": [],
        "e": "h\u{E9}\u{1F600}\"\\/\n\u{01}\u{7F}",
        "f": 1.5,
        "g": ["x": [1, ["y": 2]]],
        "h": 1e20,
        "i": .unsignedInteger(.max),
    ]

    @Test func compactTextHasNoWhitespace() {
        #expect(
            Self.sample.compactText()
                == #"{"a":1,"b":[true,null],"c":{},"d":[],"e":"h\u00e9\ud83d\ude00\"\\/\n\u0001\u007f","f":1.5,"#
                + #""g":{"x":[1,{"y":2}]},"h":1e+20,"i":18446744073709551615}"#
        )
    }

    /// Expected strings are `json.dumps(sample, indent=N)` from Python 3.11.
    @Test func prettyTextMatchesPythonIndent2() {
        let expected = #"""
            {
              "a": 1,
              "b": [
                true,
                null
              ],
              "c": {},
              "d": [],
              "e": "h\u00e9\ud83d\ude00\"\\/\n\u0001\u007f",
              "f": 1.5,
              "g": {
                "x": [
                  1,
                  {
                    "y": 2
                  }
                ]
              },
              "h": 1e+20,
              "i": 18446744073709551615
            }
            """#
        #expect(Self.sample.prettyText(indent: 2) == expected)
    }

    @Test func prettyTextMatchesPythonIndent0() {
        let expected = #"""
            {
            "a": 1,
            "b": [
            true,
            null
            ],
            "c": {},
            "d": [],
            "e": "h\u00e9\ud83d\ude00\"\\/\n\u0001\u007f",
            "f": 1.5,
            "g": {
            "x": [
            1,
            {
            "y": 2
            }
            ]
            },
            "h": 1e+20,
            "i": 18446744073709551615
            }
            """#
        #expect(Self.sample.prettyText(indent: 0) == expected)
    }

    @Test func emptyContainersAndScalars() {
        #expect(JSONValue.array([]).prettyText(indent: 4) == "[]")
        #expect(JSONValue.object([:]).prettyText(indent: 4) == "{}")
        #expect(JSONValue.string("x").prettyText(indent: 2) == "\"x\"")
        #expect(JSONValue.double(1e-5).compactText() == "1e-05")
        #expect(JSONValue.double(1e15).compactText() == "1000000000000000.0")
        #expect(JSONValue.double(-0.0).compactText() == "-0.0")
        #expect(JSONValue.double(.infinity).compactText() == "Infinity")
    }

    @Test func roundTrips() throws {
        #expect(try JSONValue.parse(Self.sample.compactText()) == Self.sample)
        #expect(try JSONValue.parse(Self.sample.prettyText(indent: 2)) == Self.sample)
    }

    @Test func objectSubscriptSetsAndRemoves() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == 3)
        object["b"] = nil
        #expect(JSONValue.object(object).compactText() == #"{"a":3,"c":4}"#)
    }
}
