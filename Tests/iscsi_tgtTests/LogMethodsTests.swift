import JSONRPC
import Testing

@testable import iscsi_tgt

@Suite struct LogMethodsTests {
    let settings = LogSettings()
    let table = RPCMethodTable()

    init() {
        table.register(LogMethods.make(settings: settings))
    }

    func expectError(_ method: String, _ params: JSONValue?, code: Int, message: String) async {
        do {
            _ = try await table.call(method, params: params)
            Issue.record("\(method) succeeded")
        } catch {
            #expect(error == RPCError(code: code, message: message))
        }
    }

    @Test func flagsInBothStates() async throws {
        #expect(try await table.call("log_set_flag", params: ["flag": "rpc"]) == true)
        table.setState(.runtime)
        let flags = try await table.call("log_get_flags", params: nil)
        #expect(flags.objectValue?["rpc"] == true)
        #expect(flags.objectValue?["iscsi"] == false)
        #expect(try await table.call("log_clear_flag", params: ["flag": "rpc"]) == true)
        #expect(try await table.call("log_get_flags", params: nil).objectValue?["rpc"] == false)
    }

    @Test func flagErrors() async {
        await expectError("log_set_flag", ["flag": "bogus"], code: -32602, message: "invalid log flag")
        await expectError("log_set_flag", [:], code: -32603, message: "spdk_json_decode_object failed")
        await expectError("log_clear_flag", ["flag": 1], code: -32603, message: "spdk_json_decode_object failed")
        await expectError("log_get_flags", [:], code: -32602, message: "log_get_flags requires no parameters")
    }

    @Test func levels() async throws {
        #expect(try await table.call("log_get_level", params: nil) == "NOTICE")
        #expect(try await table.call("log_get_print_level", params: nil) == "INFO")
        #expect(try await table.call("log_set_level", params: ["level": "DEBUG"]) == true)
        #expect(try await table.call("log_set_print_level", params: ["level": "ERROR"]) == true)
        #expect(try await table.call("log_get_level", params: nil) == "DEBUG")
        #expect(try await table.call("log_get_print_level", params: nil) == "ERROR")
        #expect(settings.printLevel == .error)
        await expectError("log_set_level", ["level": "LOUD"], code: -32603, message: "spdk_json_decode_object failed")
        await expectError("log_get_level", ["x": 1], code: -32602, message: "log_get_level requires no parameters")
    }
}
