import JSONRPC
import Logging
import Synchronization
import Testing

@testable import iscsi_tgt

@Suite struct ConfigLoaderTests {
    final class CallLog: Sendable {
        let calls = Mutex<[String]>([])
        var names: [String] { calls.withLock { $0 } }
    }

    func table(log: CallLog) -> RPCMethodTable {
        let table = RPCMethodTable()
        func method(_ name: String, _ states: RPCStateMask, failing: Bool = false) -> RPCMethod {
            RPCMethod(name, allowedIn: states) { _ in
                log.calls.withLock { $0.append(name) }
                if failing { throw RPCError.errno(17) }
                return true
            }
        }
        table.register([
            method("startup_only", .startup), method("both", .both), method("runtime_only", .runtime),
            method("runtime_failing", .runtime, failing: true),
        ])
        return table
    }

    func file(_ entries: [(String, String)]) -> ConfigFile {
        ConfigFile(
            path: "test.json",
            entries: entries.map { ConfigFile.Entry(subsystem: $0.0, method: $0.1, params: nil) },
            lacksSubsystems: false
        )
    }

    @Test func twoPassesInFileOrder() async throws {
        let log = CallLog()
        let table = table(log: log)
        let loader = ConfigLoader(
            file: file([("bdev", "runtime_only"), ("bdev", "startup_only"), ("iscsi", "both"), ("nvmf", "nvmf_x")]),
            table: table,
            ignoreErrors: false,
            logger: Logger(label: "test")
        )
        let deferred = try await loader.runStartupPass()
        #expect(log.names == ["startup_only", "both"])
        #expect(deferred.map(\.method) == ["runtime_only"])
        table.setState(.runtime)
        try await loader.runRuntimePass(deferred)
        #expect(log.names == ["startup_only", "both", "runtime_only"])
    }

    @Test func unknownMethodOfOwnSubsystemFails() async {
        let loader = ConfigLoader(
            file: file([("iscsi", "iscsi_bogus")]),
            table: table(log: CallLog()),
            ignoreErrors: false,
            logger: Logger(label: "test")
        )
        await #expect(throws: ConfigLoadError.self) { _ = try await loader.runStartupPass() }
    }

    @Test func failingEntryStopsUnlessIgnored() async throws {
        let log = CallLog()
        let table = table(log: log)
        table.setState(.runtime)
        let entries = [
            ConfigFile.Entry(subsystem: "bdev", method: "runtime_failing", params: nil),
            ConfigFile.Entry(subsystem: "bdev", method: "runtime_only", params: nil),
        ]
        let strict = ConfigLoader(file: file([]), table: table, ignoreErrors: false, logger: Logger(label: "test"))
        await #expect(
            throws: ConfigLoadError(description: "Configuration entry 'runtime_failing' failed: error -17: File exists")
        ) {
            try await strict.runRuntimePass(entries)
        }
        #expect(log.names == ["runtime_failing"])
        let lenient = ConfigLoader(file: file([]), table: table, ignoreErrors: true, logger: Logger(label: "test"))
        try await lenient.runRuntimePass(entries)
        #expect(log.names == ["runtime_failing", "runtime_failing", "runtime_only"])
    }
}
