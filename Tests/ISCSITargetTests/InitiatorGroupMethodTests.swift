import JSONRPC
import Testing

@testable import ISCSITarget

@Suite struct InitiatorGroupMethodTests {
    /// rpc_config.py's initiator-group sequence: one group per character of the netmask argument.
    @Test func rpcConfigSequence() async throws {
        let harness = try await RPCHarness()
        let characters = "10.0.0.2/32".map { String($0) }
        #expect(try await harness.call("iscsi_get_initiator_groups") == [])
        for (index, character) in characters.enumerated() {
            try await harness.call(
                "iscsi_create_initiator_group",
                ["tag": .integer(Int64(index + 1)), "initiators": ["ANY"], "netmasks": [.string(character)]]
            )
            #expect(try await harness.call("iscsi_get_initiator_groups").arrayValue?.count == index + 1)
        }
        func expected(_ full: Bool, from first: Int = 0) -> JSONValue {
            .array(
                characters.enumerated().dropFirst(first).map { index, character in
                    [
                        "tag": .integer(Int64(index + 1)), "initiators": full ? ["ANY"] : [],
                        "netmasks": full ? [.string(character)] : [],
                    ]
                }
            )
        }
        #expect(try await harness.call("iscsi_get_initiator_groups") == expected(true))
        for (index, character) in characters.enumerated() {
            try await harness.call(
                "iscsi_initiator_group_remove_initiators",
                ["tag": .integer(Int64(index + 1)), "initiators": ["ANY"], "netmasks": [.string(character)]]
            )
        }
        #expect(try await harness.call("iscsi_get_initiator_groups") == expected(false))
        for (index, character) in characters.enumerated() {
            try await harness.call(
                "iscsi_initiator_group_add_initiators",
                ["tag": .integer(Int64(index + 1)), "initiators": ["ANY"], "netmasks": [.string(character)]]
            )
        }
        #expect(try await harness.call("iscsi_get_initiator_groups") == expected(true))
        for index in characters.indices {
            try await harness.call("iscsi_delete_initiator_group", ["tag": .integer(Int64(index + 1))])
            #expect(try await harness.call("iscsi_get_initiator_groups") == expected(true, from: index + 1))
        }
        await harness.shutdown()
    }

    @Test func errorsRollBack() async throws {
        let harness = try await RPCHarness()
        try await harness.call(
            "iscsi_create_initiator_group",
            ["tag": 1, "initiators": ["iqn.a", "ALL"], "netmasks": ["ANY"]]
        )
        #expect(harness.service.configuration.snapshot.initiatorGroup(tag: 1)?.initiators == ["iqn.a", "ANY"])
        for (method, params): (String, JSONValue) in [
            ("iscsi_create_initiator_group", ["tag": 1, "initiators": ["x"], "netmasks": ["y"]]),
            ("iscsi_create_initiator_group", ["tag": 2, "initiators": [], "netmasks": ["y"]]),
            ("iscsi_create_initiator_group", ["tag": 2, "initiators": ["x"], "netmasks": []]),
            ("iscsi_create_initiator_group", ["tag": 2, "initiators": ["x", "x"], "netmasks": ["y"]]),
            ("iscsi_create_initiator_group", ["tag": 2, "initiators": ["x"]]),
            ("iscsi_initiator_group_add_initiators", ["tag": 1, "initiators": ["iqn.b", "iqn.a"]]),
            ("iscsi_initiator_group_add_initiators", ["tag": 1, "initiators": ["iqn.c"], "netmasks": ["ANY"]]),
            ("iscsi_initiator_group_add_initiators", ["tag": 9, "initiators": ["iqn.c"]]),
            ("iscsi_initiator_group_remove_initiators", ["tag": 1, "initiators": ["iqn.a", "iqn.z"]]),
            ("iscsi_initiator_group_remove_initiators", ["tag": 1, "netmasks": ["1.2.3.4"]]),
            ("iscsi_delete_initiator_group", ["tag": 9]),
        ] {
            #expect(await harness.error(method, params) == .invalidParameters, "\(method) \(params)")
        }
        let group = harness.service.configuration.snapshot.initiatorGroups
        #expect(group.map(\.tag) == [1])
        #expect(group.first?.initiators == ["iqn.a", "ANY"])
        #expect(group.first?.netmasks == ["ANY"])
        await harness.shutdown()
    }
}
