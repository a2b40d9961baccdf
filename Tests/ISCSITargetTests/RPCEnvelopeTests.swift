import JSONRPC
import Testing

@testable import ISCSITarget

/// Whole requests through the method table, as the server answers them.
@Suite struct RPCEnvelopeTests {
    @Test func errorsAndResultsAsSent() async throws {
        let harness = try await RPCHarness()
        let deletion = try JSONValue.parse(
            #"{"jsonrpc":"2.0","method":"iscsi_delete_target_node","params":{"name":"x"},"id":1}"#
        )
        let deletionAnswer = await harness.table.respond(to: deletion)
        #expect(
            deletionAnswer?.compactText()
                == #"{"jsonrpc":"2.0","id":1,"error":{"code":-2,"message":"No such file or directory"}}"#
        )
        let creation = try JSONValue.parse(
            #"{"jsonrpc":"2.0","method":"bdev_malloc_create","params":{"num_blocks":8,"block_size":512},"id":"a"}"#
        )
        let creationAnswer = await harness.table.respond(to: creation)
        #expect(creationAnswer?.compactText() == #"{"jsonrpc":"2.0","id":"a","result":"Malloc0"}"#)
        await harness.shutdown()
    }

    @Test func stateGating() async throws {
        let harness = try await RPCHarness(initialized: false)
        let early = await harness.error("iscsi_create_portal_group", ["tag": 1, "portals": []])
        #expect(early?.code == -1)
        #expect(
            early?.message == "Method may only be called after framework is initialized using framework_start_init RPC."
        )
        #expect(harness.table.allowsInCurrentState("iscsi_set_options") == true)
        #expect(harness.table.allowsInCurrentState("bdev_nvme_set_options") == true)
        #expect(harness.table.allowsInCurrentState("bdev_nvme_set_hotplug") == false)
        let names = Set(harness.table.methodNames(currentOnly: false))
        for name in [
            "iscsi_get_connections", "iscsi_get_stats", "scsi_get_devices", "bdev_get_bdevs", "iobuf_set_options",
            "framework_set_scheduler", "iscsi_target_node_set_redirect", "iscsi_auth_group_remove_secret",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        await harness.shutdown()
    }
}
