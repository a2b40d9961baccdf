import JSONRPC
import Testing

/// Runs one request text through `respond(to:)` and returns the compact response, or nil.
private func respond(_ table: RPCMethodTable, _ request: String) async throws -> String? {
    await table.respond(to: try JSONValue.parse(request))?.compactText()
}

private func makeTable(allowedMethods: Set<String>? = nil) -> RPCMethodTable {
    let table = RPCMethodTable(allowedMethods: allowedMethods)
    table.register([
        RPCMethod("echo", allowedIn: .both) { params in params ?? "none" },
        RPCMethod("late") { _ in true },
        RPCMethod("early", allowedIn: .startup) { _ in true },
        RPCMethod("fails", allowedIn: .both) { _ in throw RPCError.errno(17) },
        RPCMethod("crashes", allowedIn: .both) { _ in throw CocoaLikeError() },
    ])
    return table
}

private struct CocoaLikeError: Error, CustomStringConvertible {
    var description: String { "something broke" }
}

@Suite struct RPCMethodTableTests {
    @Test func answersWithSPDKMemberOrder() async throws {
        let table = makeTable()
        #expect(
            try await respond(table, #"{"jsonrpc":"2.0","method":"spdk_get_version","id":1}"#)
                == #"{"jsonrpc":"2.0","id":1,"result":{"version":"SPDK v26.09-pre","#
                + #""fields":{"major":26,"minor":9,"patch":0,"suffix":"-pre"}}}"#
        )
        #expect(
            try await respond(table, #"{"id":"abc","method":"echo","params":[1,{"b":2,"a":1}]}"#)
                == #"{"jsonrpc":"2.0","id":"abc","result":[1,{"b":2,"a":1}]}"#
        )
        #expect(
            try await respond(table, #"{"jsonrpc":"2.0","method":"fails","id":2.5}"#)
                == #"{"jsonrpc":"2.0","id":2.5,"error":{"code":-17,"message":"File exists"}}"#
        )
    }

    @Test func nullParamsAreAbsent() async throws {
        let table = makeTable()
        #expect(
            try await respond(table, #"{"method":"echo","params":null,"id":1}"#)
                == #"{"jsonrpc":"2.0","id":1,"result":"none"}"#
        )
    }

    @Test func otherErrorsBecomeInternalErrors() async throws {
        let table = makeTable()
        #expect(
            try await respond(table, #"{"method":"crashes","id":1}"#)
                == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"something broke"}}"#
        )
    }

    @Test func notificationsAnswerOnlyErrors() async throws {
        let table = makeTable()
        #expect(try await respond(table, #"{"jsonrpc":"2.0","method":"echo"}"#) == nil)
        #expect(try await respond(table, #"{"jsonrpc":"2.0","method":"echo","id":null}"#) == nil)
        #expect(
            try await respond(table, #"{"jsonrpc":"2.0","method":"fails"}"#)
                == #"{"jsonrpc":"2.0","id":null,"error":{"code":-17,"message":"File exists"}}"#
        )
        #expect(
            try await respond(table, #"{"method":"nope","id":null}"#)
                == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"Method not found"}}"#
        )
    }

    @Test(
        arguments: [
            (#"{"jsonrpc":"2.0","method":"echo","id":1,"extra":0}"#, "null"),
            (#"{"jsonrpc":"2.0","method":"echo","method":"echo","id":1}"#, "null"),
            (#"{"jsonrpc":"1.0","method":"echo","id":7}"#, "7"),
            (#"{"jsonrpc":2.0,"method":"echo","id":7}"#, "7"),
            (#"{"method":1,"id":"x"}"#, #""x""#),
            (#"{"id":3}"#, "3"),
            (#"{"method":"echo","params":"p","id":4}"#, "4"),
            (#"{"method":"echo","id":{"a":1}}"#, "null"),
            (#"{"method":"echo","id":[1]}"#, "null"),
            (#"{"method":"echo","id":true}"#, "null"),
            (#"{"method":"echo","id":1e400}"#, "null"),
            ("42", "null"),
            (#""str""#, "null"),
            ("null", "null"),
        ]
    )
    func rejectsInvalidRequests(_ request: String, _ id: String) async throws {
        #expect(
            try await respond(makeTable(), request)
                == #"{"jsonrpc":"2.0","id":"# + id + #","error":{"code":-32600,"message":"Invalid request"}}"#
        )
    }

    @Test func answersBatches() async throws {
        let table = makeTable()
        #expect(
            try await respond(table, "[]")
                == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid request"}}"#
        )
        let batch = #"""
            [{"jsonrpc":"2.0","method":"echo","params":{"n":1},"id":1},
             {"jsonrpc":"2.0","method":"echo"},
             5,
             {"jsonrpc":"2.0","method":"nope","id":2},
             {"jsonrpc":"2.0","method":"fails"}]
            """#
        #expect(
            try await respond(table, batch)
                == #"[{"jsonrpc":"2.0","id":1,"result":{"n":1}},"#
                + #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid request"}},"#
                + #"{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found"}},"#
                + #"{"jsonrpc":"2.0","id":null,"error":{"code":-17,"message":"File exists"}}]"#
        )
        #expect(try await respond(table, #"[{"method":"echo"},{"method":"echo","id":null}]"#) == nil)
    }

    @Test func gatesMethodsByState() async throws {
        let table = makeTable()
        #expect(table.state == .startup)
        #expect(
            try await respond(table, #"{"method":"late","id":1}"#)
                == #"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"Method may only be called after "#
                + #"framework is initialized using framework_start_init RPC."}}"#
        )
        #expect(try await respond(table, #"{"method":"early","id":1}"#) == #"{"jsonrpc":"2.0","id":1,"result":true}"#)
        table.setState(.runtime)
        #expect(try await respond(table, #"{"method":"late","id":1}"#) == #"{"jsonrpc":"2.0","id":1,"result":true}"#)
        #expect(
            try await respond(table, #"{"method":"early","id":1}"#)
                == #"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"Method may only be called before "#
                + #"framework is initialized. Use --wait-for-rpc command line parameter and then issue this RPC "#
                + #"before the framework_start_init RPC."}}"#
        )
    }

    @Test func callAppliesTheSameGate() async throws {
        let table = makeTable(allowedMethods: ["echo", "late", "rpc_get_methods"])
        #expect(try await table.call("echo", params: ["a": 1]) == ["a": 1])
        await #expect(throws: RPCError.runtimeOnly) { try await table.call("late", params: nil) }
        await #expect(throws: RPCError.methodNotFound) { try await table.call("early", params: nil) }
        await #expect(throws: RPCError.methodNotFound) { try await table.call("missing", params: nil) }
        #expect(table.allowsInCurrentState("echo") == true)
        #expect(table.allowsInCurrentState("late") == false)
        #expect(table.allowsInCurrentState("early") == nil)
    }

    @Test func listsMethodsNewestFirst() async throws {
        let table = makeTable()
        let all = ["crashes", "fails", "early", "late", "echo", "spdk_get_version", "rpc_get_methods"]
        #expect(table.methodNames(currentOnly: false) == all)
        #expect(
            try await table.call("rpc_get_methods", params: ["current": true])
                == ["crashes", "fails", "early", "echo", "spdk_get_version", "rpc_get_methods"]
        )
        #expect(
            try await table.call("rpc_get_methods", params: ["include_aliases": false])
                == .array(all.map { .string($0) })
        )
        table.register(RPCMethod("echo") { _ in false })
        #expect(
            table.methodNames(currentOnly: true) == [
                "crashes", "fails", "early", "spdk_get_version", "rpc_get_methods",
            ]
        )
    }

    @Test func hidesMethodsOutsideTheAllowList() async throws {
        let table = makeTable(allowedMethods: ["rpc_get_methods", "echo"])
        #expect(try await table.call("rpc_get_methods", params: nil) == ["echo", "rpc_get_methods"])
        #expect(
            try await respond(table, #"{"method":"spdk_get_version","id":1}"#)
                == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#
        )
    }

    @Test func builtinsCheckTheirParams() async throws {
        let table = makeTable()
        await #expect(throws: RPCError.invalidParameters) {
            try await table.call("rpc_get_methods", params: ["current": 1])
        }
        await #expect(throws: RPCError.invalidParameters) {
            try await table.call("rpc_get_methods", params: ["bogus": true])
        }
        await #expect(throws: RPCError.invalidParameters("spdk_get_version method requires no parameters")) {
            try await table.call("spdk_get_version", params: .object([:]))
        }
    }

    @Test func waitUntilRuntimeResumesOnStateChange() async throws {
        let table = makeTable()
        let waiter = Task { await table.waitUntilRuntime() }
        try await Task.sleep(for: .milliseconds(20))
        table.setState(.runtime)
        await waiter.value
        await table.waitUntilRuntime()
    }
}
