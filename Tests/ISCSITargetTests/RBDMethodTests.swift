import BlockDevice
import FoundationEssentials
import JSONRPC
import Testing

@testable import ISCSITarget

/// bdev_rbd_* parameter decoding, errors that need no cluster, and the save_config entries.
@Suite struct RBDMethodTests {
    @Test func createDecodesEveryParameterInOrder() throws {
        let request = try RBDMethods.decodeCreate([
            "name": "Rbd0", "user_id": "admin", "pool_name": "rbd", "rbd_name": "img", "block_size": 4096,
            "config": ["mon_host": "127.0.0.1", "keyring": "/k"], "cluster_name": "c0",
            "uuid": "6A0AB2A6-8D34-4B62-9C93-3E1A0F1C2D3E", "read_only": true,
        ])
        #expect(request.name == "Rbd0")
        #expect(request.poolName == "rbd" && request.imageName == "img" && request.blockSize == 4096)
        #expect(request.settings.userID == "admin")
        #expect(
            request.settings.options == [
                RBDConfigOption(key: "mon_host", value: "127.0.0.1"), RBDConfigOption(key: "keyring", value: "/k"),
            ]
        )
        #expect(request.clusterName == "c0" && request.isReadOnly)
        #expect(request.uuid == UUID(uuidString: "6a0ab2a6-8d34-4b62-9c93-3e1a0f1c2d3e"))
    }

    @Test(
        arguments: [
            ["pool_name": "rbd", "rbd_name": "img"],
            ["pool_name": "rbd", "rbd_name": "img", "block_size": 512, "config": ["k": 1]],
            ["pool_name": "rbd", "rbd_name": "img", "block_size": 512, "uuid": "nope"],
            ["pool_name": "rbd", "rbd_name": "img", "block_size": 512, "extra": true],
        ] as [JSONValue]
    )
    func createRefusesBadParameters(params: JSONValue) {
        #expect(throws: RPCError.decodeFailed) {
            try RBDMethods.decodeCreate(params)
        }
    }

    @Test func errorsThatNeedNoCluster() async throws {
        let harness = try await RPCHarness()
        #expect(try await harness.call("bdev_rbd_get_clusters_info") == [])
        #expect(await harness.error("bdev_rbd_get_clusters_info", ["name": "c0"]) == .errno(19))
        #expect(await harness.error("bdev_rbd_unregister_cluster", ["name": "c0"]) == .errno(19))
        #expect(await harness.error("bdev_rbd_register_cluster", [:]) == .decodeFailed)
        #expect(
            await harness.error(
                "bdev_rbd_create",
                ["pool_name": "rbd", "rbd_name": "img", "block_size": 512, "cluster_name": "c0"]
            ) == .invalidArgument
        )
        #expect(await harness.error("bdev_rbd_resize", ["name": "Ceph0", "new_size": 64]) == .errno(19))
        #expect(await harness.error("bdev_rbd_delete", ["name": "Ceph0"]) == .errno(19))
        // Without Ceph libraries -95 with the loader's reason; with them, rados_conf_read_file's ENOENT.
        let error = await harness.error(
            "bdev_rbd_register_cluster",
            ["name": "c0", "config_file": "/nonexistent/ceph.conf"]
        )
        #expect(error == .errno(2) || error?.code == -95)
        #expect(try await harness.call("bdev_rbd_get_clusters_info") == [])
        await harness.shutdown()
    }

    @Test func clusterMembersArePresentOnlyWhenSet() {
        let settings = RBDConnectionSettings(
            userID: "admin",
            options: [RBDConfigOption(key: "rbd_cache", value: "false")],
            configFile: "/etc/ceph/ceph.conf",
            keyFile: "/etc/ceph/keyring"
        )
        let all = JSONObject(RBDMethods.clusterMembers(settings, coreMask: "0x2"))
        #expect(
            all
                == [
                    "user_id": "admin", "config_param": ["rbd_cache": "false"], "config_file": "/etc/ceph/ceph.conf",
                    "key_file": "/etc/ceph/keyring", "core_mask": "0x2",
                ]
        )
        #expect(RBDMethods.clusterMembers(RBDConnectionSettings(), coreMask: nil).isEmpty)
    }

    @Test func saveConfigWritesTheClusterNameOrTheDevicesOwnSettings() throws {
        let uuid = try #require(UUID(uuidString: "6a0ab2a6-8d34-4b62-9c93-3e1a0f1c2d3e"))
        var configuration = RBDBlockDevice.Configuration(
            name: "Rbd0",
            poolName: "rbd",
            imageName: "img",
            blockSize: 512,
            uuid: uuid
        )
        #expect(
            SubsystemConfigWriter.rbdEntry(configuration, clusterName: "c0")
                == [
                    "method": "bdev_rbd_create",
                    "params": [
                        "name": "Rbd0", "pool_name": "rbd", "rbd_name": "img", "block_size": 512,
                        "cluster_name": "c0", "uuid": "6a0ab2a6-8d34-4b62-9c93-3e1a0f1c2d3e",
                    ],
                ]
        )
        configuration.settings = RBDConnectionSettings(
            userID: "admin",
            options: [RBDConfigOption(key: "mon_host", value: "127.0.0.1")]
        )
        configuration.isReadOnly = true
        #expect(
            SubsystemConfigWriter.rbdEntry(configuration, clusterName: nil)
                == [
                    "method": "bdev_rbd_create",
                    "params": [
                        "name": "Rbd0", "pool_name": "rbd", "rbd_name": "img", "block_size": 512,
                        "user_id": "admin", "config": ["mon_host": "127.0.0.1"],
                        "uuid": "6a0ab2a6-8d34-4b62-9c93-3e1a0f1c2d3e", "read_only": true,
                    ],
                ]
        )
    }
}
