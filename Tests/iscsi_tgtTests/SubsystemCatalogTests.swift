import JSONRPC
import Testing

@testable import iscsi_tgt

@Suite struct SubsystemCatalogTests {
    @Test func dependenciesComeFirst() {
        var seen: Set<String> = []
        for subsystem in SubsystemCatalog.subsystems {
            #expect(subsystem.dependsOn.allSatisfy(seen.contains))
            seen.insert(subsystem.name)
        }
        #expect(SubsystemCatalog.subsystems.map(\.name).suffix(4) == ["bdev", "scsi", "nbd", "iscsi"])
    }

    @Test func resultShape() {
        let result = SubsystemCatalog.subsystemsResult
        #expect(result.arrayValue?.last == ["subsystem": "iscsi", "depends_on": ["scsi", "sock"]])
    }

    @Test func flattensBatches() {
        let config: JSONValue = [["method": "a"], [["method": "b"], ["method": "c"]], ["method": "d"]]
        #expect(
            SubsystemCatalog.flattened(config) == [["method": "a"], ["method": "b"], ["method": "c"], ["method": "d"]]
        )
        #expect(SubsystemCatalog.flattened(.null) == .null)
    }
}
