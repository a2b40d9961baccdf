import JSONRPC
import Testing

@testable import iscsi_rpc

@Suite("Python conversions rpc.py relies on")
struct ConversionTests {
    @Test func pythonInt() {
        #expect(PythonNumberParser.integer(" 42 ") == 42)
        #expect(PythonNumberParser.integer("-7") == -7)
        #expect(PythonNumberParser.integer("1_000") == 1000)
        #expect(PythonNumberParser.integer("18446744073709551615") == .unsignedInteger(.max))
        #expect(PythonNumberParser.integer("0x10") == nil)
        #expect(PythonNumberParser.integer("1__0") == nil)
        #expect(PythonNumberParser.integer("") == nil)
    }

    @Test func pythonFloat() {
        #expect(PythonNumberParser.float("64") == 64)
        #expect(PythonNumberParser.float("1e-3") == 0.001)
        #expect(PythonNumberParser.float("-inf") == -.infinity)
        #expect(PythonNumberParser.float("0x1p3") == nil)
        #expect(PythonNumberParser.float("abc") == nil)
    }

    @Test func mallocBlockCountUsesFloatFloorDivision() throws {
        #expect(try ParamConversions.mallocBlockCount(sizeMiB: 64.0, blockSize: 512) == 131072)
        #expect(try ParamConversions.mallocBlockCount(sizeMiB: 1.3, blockSize: 512) == 2662)
        #expect(throws: CommandAbort.self) { try ParamConversions.mallocBlockCount(sizeMiB: 1.0, blockSize: 0) }
    }

    @Test func listArguments() throws {
        #expect(
            try ParamConversions.pgIgMaps(["1:2", "", "3:4"])
                == [["pg_tag": 1, "ig_tag": 2], ["pg_tag": 3, "ig_tag": 4]]
        )
        #expect(try ParamConversions.portals(["10.0.0.1:3260"]) == [["host": "10.0.0.1", "port": "3260"]])
        #expect(try ParamConversions.secrets([]) == .null)
        #expect(
            try ParamConversions.secrets(["user:u secret:s", "user:v secret:t"])
                == [["user": "u", "secret": "s"], ["user": "v", "secret": "t"]]
        )
        #expect(throws: CommandAbort.self) { try ParamConversions.luns(["Malloc0"]) }
        #expect(throws: CommandAbort.self) { try ParamConversions.keyValues(["novalue"], option: "--config") }
    }

    @Test func shellWords() throws {
        #expect(try ShellWords.split("a 'b c'  \"d\\\"e\\x\" f\\ g") == ["a", "b c", "d\"e\\x", "f g"])
        #expect(try ShellWords.split("''") == [""])
        #expect(throws: ShellWords.UnterminatedQuote.self) { try ShellWords.split("'open") }
    }

    @Test func responseSplitting() {
        let buffer = Array("  {\"a\":\"}\\\"\"} [1]".utf8)
        #expect(JSONValueSplitter.firstValue(in: buffer) == 2..<13)
        #expect(JSONValueSplitter.firstValue(in: Array("{\"a\":[1".utf8)) == nil)
        #expect(JSONValueSplitter.firstValue(in: Array("true".utf8)) == nil)
        #expect(JSONValueSplitter.firstValue(in: Array("true ".utf8)) == 0..<4)
    }

    @Test func pythonJSONLayouts() {
        let value: JSONValue = ["a": [1, "x"], "b": [:]]
        #expect(PythonJSON.dumps(value, indent: nil) == "{\"a\": [1, \"x\"], \"b\": {}}")
        #expect(PythonJSON.dumps(value, indent: 0) == "{\n\"a\": [\n1,\n\"x\"\n],\n\"b\": {}\n}")
        #expect(PythonJSON.printJSONText("Malloc0") == "Malloc0")
        #expect(PythonJSON.printJSONText(true) == "true")
    }
}
