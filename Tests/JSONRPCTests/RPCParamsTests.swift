import JSONRPC
import Testing

private struct Portal: RPCParamObject, Equatable {
    var host: String
    var port: String

    init(host: String, port: String) {
        self.host = host
        self.port = port
    }

    init(params: inout RPCParams) throws {
        self.host = try params.required("host")
        self.port = try params.required("port")
    }
}

private func decodePortals(_ text: String) throws -> [Portal] {
    var params = try RPCParams(try JSONValue.parse(text), failure: .invalidParameters)
    let portals: [Portal] = try params.required("portals")
    try params.finish()
    return portals
}

@Suite struct RPCParamsTests {
    @Test func decodesRequiredAndOptionalMembers() throws {
        var params = try RPCParams(
            try JSONValue.parse(#"{"name":"n","depth":2.0,"flag":true,"big":18446744073709551615}"#),
            failure: .invalidParameters
        )
        #expect(try params.required("name", as: String.self) == "n")
        #expect(try params.required("depth", as: UInt32.self) == 2)
        #expect(try params.optional("flag", as: Bool.self) == true)
        #expect(try params.optional("missing", as: Int.self) == nil)
        #expect(try params.required("big", as: UInt64.self) == .max)
        try params.finish()
    }

    @Test func absentOrNullParamsAreEmpty() throws {
        var absent = try RPCParams(nil, failure: .invalidParameters)
        #expect(try absent.optional("x", as: Int.self) == nil)
        try absent.finish()
        let null = try RPCParams(.null, failure: .invalidParameters)
        try null.finish()
    }

    @Test func rejectsNonObjectParams() {
        #expect(throws: RPCError.decodeFailed) { try RPCParams([1, 2], failure: .decodeFailed) }
        #expect(throws: RPCError.invalidParameters) { try RPCParams("x", failure: .invalidParameters) }
    }

    @Test func rejectsUnknownKey() throws {
        var params = try RPCParams(["name": "a", "extra": 1], failure: .decodeFailed)
        _ = try params.required("name", as: String.self)
        #expect(throws: RPCError.decodeFailed) { try params.finish() }
    }

    @Test func rejectsDuplicateKey() throws {
        let value = try JSONValue.parse(#"{"name":"a","name":"b"}"#)
        #expect(throws: RPCError.invalidParameters) { try RPCParams(value, failure: .invalidParameters) }
    }

    @Test func rejectsMissingRequiredKey() throws {
        var params = try RPCParams(.object([:]), failure: .invalidParameters)
        #expect(throws: RPCError.invalidParameters) { try params.required("name", as: String.self) }
    }

    @Test(
        arguments: [
            (#"{"v":"1"}"#, "string for an integer"),
            (#"{"v":1.5}"#, "fraction"),
            (#"{"v":-1}"#, "negative for unsigned"),
            (#"{"v":4294967296}"#, "out of UInt32 range"),
            (#"{"v":1e10}"#, "exponent out of range"),
            (#"{"v":null}"#, "null"),
            (#"{"v":true}"#, "bool for an integer"),
        ]
    )
    func rejectsBadUInt32(_ text: String, _ reason: String) throws {
        var params = try RPCParams(try JSONValue.parse(text), failure: .invalidParameters)
        #expect(throws: RPCError.invalidParameters, "\(reason)") { try params.required("v", as: UInt32.self) }
    }

    @Test func acceptsExactIntegerDoubles() throws {
        var params = try RPCParams(try JSONValue.parse(#"{"a":1e3,"b":-2.0,"c":255}"#), failure: .invalidParameters)
        #expect(try params.required("a", as: Int32.self) == 1000)
        #expect(try params.required("b", as: Int.self) == -2)
        #expect(try params.required("c", as: UInt8.self) == 255)
    }

    @Test func typeChecksBoolsAndStrings() throws {
        var params = try RPCParams(["b": 1, "s": 2, "d": "x"], failure: .invalidParameters)
        #expect(throws: RPCError.invalidParameters) { try params.required("b", as: Bool.self) }
        #expect(throws: RPCError.invalidParameters) { try params.required("s", as: String.self) }
        #expect(throws: RPCError.invalidParameters) { try params.required("d", as: Double.self) }
    }

    @Test func decodesNestedObjectsStrictly() throws {
        #expect(
            try decodePortals(#"{"portals":[{"host":"1.2.3.4","port":"3260"}]}"#) == [
                Portal(host: "1.2.3.4", port: "3260")
            ]
        )
        #expect(throws: RPCError.invalidParameters) {
            try decodePortals(#"{"portals":[{"host":"h","port":"1","x":1}]}"#)
        }
        #expect(throws: RPCError.invalidParameters) { try decodePortals(#"{"portals":[{"host":"h"}]}"#) }
        #expect(throws: RPCError.invalidParameters) { try decodePortals(#"{"portals":[null]}"#) }
        #expect(throws: RPCError.invalidParameters) {
            try decodePortals(#"{"portals":[{"host":"h","port":"1","port":"2"}]}"#)
        }
        #expect(throws: RPCError.invalidParameters) { try decodePortals(#"{"portals":{"host":"h","port":"1"}}"#) }
    }

    @Test func passesCustomErrorsThrough() throws {
        struct Picky: RPCParamValue {
            init(rpcValue: JSONValue) throws {
                throw RPCError.invalidParameters("Picky says no")
            }
        }
        var params = try RPCParams(["p": 1], failure: .decodeFailed)
        #expect(throws: RPCError.invalidParameters("Picky says no")) { try params.required("p", as: Picky.self) }
    }

    @Test func expectNoneRejectsEvenEmptyObject() throws {
        let error = RPCError.invalidParameters("x requires no parameters")
        try RPCParams.expectNone(nil, error: error)
        try RPCParams.expectNone(.null, error: error)
        #expect(throws: error) { try RPCParams.expectNone(.object([:]), error: error) }
        #expect(throws: error) { try RPCParams.expectNone([], error: error) }
    }

    @Test func errnoErrorsUseStrerror() {
        #expect(RPCError.errno(17) == RPCError(code: -17, message: "File exists"))
        #expect(RPCError.errno(19) == RPCError(code: -19, message: "No such device"))
        #expect(RPCError.errno(22).message == "Invalid argument")
    }
}
