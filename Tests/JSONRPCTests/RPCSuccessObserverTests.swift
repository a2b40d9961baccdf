import JSONRPC
import Synchronization
import Testing

@Suite struct RPCSuccessObserverTests {
    @Test func seesSuccessfulCallsOnly() async throws {
        let table = RPCMethodTable()
        table.register([
            RPCMethod("works", allowedIn: .both) { _ in true },
            RPCMethod("fails", allowedIn: .both) { _ in throw RPCError.errno(17) },
        ])
        let seen = Mutex<[String]>([])
        table.observeSuccessfulCalls { name in seen.withLock { $0.append(name) } }
        _ = try await table.call("works", params: nil)
        await #expect(throws: RPCError.self) { try await table.call("fails", params: nil) }
        await #expect(throws: RPCError.self) { try await table.call("unknown", params: nil) }
        _ = await table.respond(to: try JSONValue.parse(#"{"jsonrpc":"2.0","method":"works","id":1}"#))
        #expect(seen.withLock { $0 } == ["works", "works"])
    }
}
