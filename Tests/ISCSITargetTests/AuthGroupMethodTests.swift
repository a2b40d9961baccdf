import JSONRPC
import Testing

@testable import ISCSITarget

@Suite struct AuthGroupMethodTests {
    @Test func createGetAndErrors() async throws {
        let harness = try await RPCHarness()
        #expect(try await harness.call("iscsi_get_auth_groups") == [])
        try await harness.call(
            "iscsi_create_auth_group",
            [
                "tag": 1,
                "secrets": [
                    ["user": "u1", "secret": "s1", "muser": "mu1", "msecret": "ms1"], ["user": "u2", "secret": "s2"],
                ],
            ]
        )
        try await harness.call("iscsi_create_auth_group", ["tag": 0])
        let expected = try JSONValue.parse(
            """
            [{"tag":1,"secrets":[{"user":"u1","secret":"s1","muser":"mu1","msecret":"ms1"},{"user":"u2","secret":"s2"}]},
             {"tag":0,"secrets":[]}]
            """
        )
        #expect(try await harness.call("iscsi_get_auth_groups") == expected)
        #expect(
            await harness.error("iscsi_create_auth_group", ["tag": 1])
                == .invalidParameters("Could not add auth group (1), File exists")
        )
        #expect(
            await harness.error(
                "iscsi_create_auth_group",
                ["tag": 2, "secrets": [["user": "a", "secret": "b", "muser": "c"]]]
            )
                == .invalidParameters("Could not add secret to auth group (2), Invalid argument")
        )
        #expect(
            await harness.error(
                "iscsi_create_auth_group",
                ["tag": 3, "secrets": [["user": "a", "secret": "b"], ["user": "a", "secret": "c"]]]
            ) == .invalidParameters("Could not add secret to auth group (3), File exists")
        )
        #expect(
            await harness.error("iscsi_create_auth_group", ["tag": 4, "secrets": [["user": "a"]]]) == .invalidParameters
        )
        #expect(try await harness.call("iscsi_get_auth_groups").arrayValue?.count == 2)
        await harness.shutdown()
    }

    @Test func secretsAndDeletion() async throws {
        let harness = try await RPCHarness()
        try await harness.call("iscsi_create_auth_group", ["tag": 1])
        try await harness.call("iscsi_auth_group_add_secret", ["tag": 1, "user": "u", "secret": "s"])
        #expect(
            await harness.error("iscsi_auth_group_add_secret", ["tag": 1, "user": "u", "secret": "t"])
                == .invalidParameters("Could not add secret to auth group (1), File exists")
        )
        #expect(
            await harness.error("iscsi_auth_group_add_secret", ["tag": 9, "user": "u", "secret": "t"])
                == .invalidParameters("Could not find auth group (9)")
        )
        #expect(
            await harness.error("iscsi_auth_group_remove_secret", ["tag": 1, "user": "x"])
                == .invalidParameters("Could not delete secret from CHAP group (1), No such device")
        )
        #expect(
            await harness.error("iscsi_auth_group_remove_secret", ["tag": 9, "user": "u"])
                == .invalidParameters("Could not find auth group (9)")
        )
        #expect(harness.service.configuration.snapshot.authGroup(tag: 1)?.secrets == [.init(user: "u", secret: "s")])
        try await harness.call("iscsi_auth_group_remove_secret", ["tag": 1, "user": "u"])
        #expect(harness.service.configuration.snapshot.authGroup(tag: 1)?.secrets == [])
        #expect(try await harness.call("iscsi_get_auth_groups") == [["tag": 1, "secrets": []]])
        try await harness.call("iscsi_delete_auth_group", ["tag": 1])
        #expect(
            await harness.error("iscsi_delete_auth_group", ["tag": 1])
                == .invalidParameters("Could not find auth group (1)")
        )
        #expect(try await harness.call("iscsi_get_auth_groups") == [])
        #expect(harness.service.configuration.snapshot.authGroups.isEmpty)
        await harness.shutdown()
    }
}
