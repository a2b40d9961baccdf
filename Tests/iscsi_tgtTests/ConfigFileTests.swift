import JSONRPC
import Testing

@testable import iscsi_tgt

@Suite struct ConfigFileTests {
    func parse(_ text: String) throws -> ConfigFile {
        try ConfigFile(path: "test.json", value: JSONValue.parse(text, allowComments: true))
    }

    @Test func entriesInFileOrderWithBatchesFlattened() throws {
        let file = try parse(
            """
            // a comment
            { "subsystems": [
                { "subsystem": "bdev", "config": [
                    { "method": "bdev_malloc_create", "params": { "num_blocks": 8, "block_size": 512 } },
                    [ { "method": "a" }, { "params": {}, "method": "b" } ]
                ] },
                /* no config writer */
                { "subsystem": "scsi", "config": null },
                { "subsystem": "iscsi", "config": [ { "method": "iscsi_get_options" } ] }
            ] }
            """
        )
        #expect(file.entries.map(\.method) == ["bdev_malloc_create", "a", "b", "iscsi_get_options"])
        #expect(file.entries.map(\.subsystem) == ["bdev", "bdev", "bdev", "iscsi"])
        #expect(file.entries[0].params == ["num_blocks": 8, "block_size": 512])
        #expect(file.entries[1].params == nil)
        #expect(!file.lacksSubsystems)
    }

    @Test func missingSubsystemsIsOnlyAWarning() throws {
        let file = try parse("{}")
        #expect(file.entries.isEmpty)
        #expect(file.lacksSubsystems)
    }

    @Test(arguments: [
        "[]", #"{"subsystems": {}}"#, #"{"subsystems": [1]}"#, #"{"subsystems": [{"config": []}]}"#,
        #"{"subsystems": [{"subsystem": "bdev", "config": {}}]}"#,
        #"{"subsystems": [{"subsystem": "bdev", "config": [{"params": {}}]}]}"#,
        #"{"subsystems": [{"subsystem": "bdev", "config": [{"method": "x", "params": []}]}]}"#,
    ])
    func badStructureIsRefused(text: String) {
        #expect(throws: ConfigFileError.self) { try parse(text) }
    }

    @Test func unreadableFileNamesPathAndReason() {
        #expect(throws: ConfigFileError.unreadable(path: "/nonexistent/x.json", errno: 2)) {
            try ConfigFile.read(path: "/nonexistent/x.json")
        }
        let error = ConfigFileError.unreadable(path: "/nonexistent/x.json", errno: 2)
        #expect(
            error.description == "Read JSON configuration file /nonexistent/x.json failed: No such file or directory"
        )
    }

    @Test func invalidJSONNamesTheFile() throws {
        let directory = "/tmp/config-file-test-\(UInt32.random(in: 0...UInt32.max))"
        let path = directory + ".json"
        try writeFile(path, "{ \"subsystems\": [ ")
        defer { removeFile(path) }
        do {
            _ = try ConfigFile.read(path: path)
            Issue.record("expected a failure")
        } catch {
            guard case .invalidJSON(let failingPath, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(failingPath == path)
            #expect(error.description.hasPrefix("Parsing JSON configuration file \(path) failed"))
        }
    }
}
