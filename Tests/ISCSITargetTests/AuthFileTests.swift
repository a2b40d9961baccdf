import FoundationEssentials
import Testing

@testable import ISCSITarget

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AuthFileTests {
    @Test func parsesGroupsAndSecrets() throws {
        let groups = try AuthFile.parse(
            """
            # CHAP secrets
            [Global]
              NodeBase iqn.x
            [AuthGroup1]
              Comment "Auth Group1"
              Auth "user1" "secret 1"
              Auth user2 secret2 "muser2" "msecret2"   # mutual
            [AuthGroup3]
            """
        )
        #expect(
            groups == [
                AuthGroup(
                    tag: 1,
                    secrets: [
                        .init(user: "user1", secret: "secret 1"),
                        .init(user: "user2", secret: "secret2", mutualUser: "muser2", mutualSecret: "msecret2"),
                    ]
                ),
                AuthGroup(tag: 3),
            ]
        )
    }

    @Test(arguments: [
        "[AuthGroup0]\n", "[AuthGroupX]\n", "[AuthGroup1\n", "[AuthGroup1]\nAuth \"u\"\n",
        "[AuthGroup1]\nAuth u s\nAuth u t\n", "[AuthGroup1]\n[AuthGroup1]\n",
    ])
    func rejectsMalformedFiles(text: String) {
        #expect(throws: ISCSIOptionsError.self) { try AuthFile.parse(text) }
    }

    @Test func initLoadsTheFileAndIgnoresAMissingOne() async throws {
        let path = "/tmp/iscsi-control-auth-\(UInt32.random(in: 0...UInt32.max)).conf"
        try "[AuthGroup2]\nAuth u s\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { _ = unlink(path) }
        let harness = try await RPCHarness(initialized: false)
        try await harness.call("iscsi_set_options", ["auth_file": .string(path)])
        try await harness.initialize()
        #expect(
            try await harness.call("iscsi_get_auth_groups") == [["tag": 2, "secrets": [["user": "u", "secret": "s"]]]]
        )
        await harness.shutdown()

        let missing = try await RPCHarness(initialized: false)
        try await missing.call("iscsi_set_options", ["auth_file": "/nonexistent/auth.conf"])
        try await missing.initialize()
        #expect(try await missing.call("iscsi_get_auth_groups") == [])
        await missing.shutdown()
    }
}
