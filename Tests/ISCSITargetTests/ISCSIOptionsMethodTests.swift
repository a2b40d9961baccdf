import JSONRPC
import Testing

@testable import ISCSITarget

@Suite struct ISCSIOptionsMethodTests {
    @Test func setOptionsOnceBeforeInit() async throws {
        let harness = try await RPCHarness(initialized: false)
        let params: JSONValue = [
            "nop_timeout": 30, "max_sessions": 16, "disable_chap": false, "require_chap": false,
            "mutual_chap": false, "immediate_data": false, "allow_duplicated_isid": false,
        ]
        #expect(try await harness.call("iscsi_set_options", params) == true)
        #expect(await harness.error("iscsi_set_options", [:]) == .internalError("Must not call more than once"))
        try await harness.initialize()
        let options = try await harness.call("iscsi_get_options")
        let expected = try JSONValue.parse(
            """
            {"node_base":"iqn.2016-06.io.spdk","max_sessions":16,"max_connections_per_session":2,
            "max_queue_depth":64,"default_time2wait":2,"default_time2retain":20,"first_burst_length":8192,
            "immediate_data":false,"allow_duplicated_isid":false,"error_recovery_level":0,"nop_timeout":30,
            "nop_in_interval":30,"disable_chap":false,"require_chap":false,"mutual_chap":false,"chap_group":0,
            "max_large_datain_per_connection":64,"max_r2t_per_connection":4,"pdu_pool_size":36864,
            "immediate_data_pool_size":16384,"data_out_pool_size":2048}
            """
        )
        #expect(options == expected)
        #expect(await harness.error("iscsi_set_options", [:])?.code == -1)
        await harness.shutdown()
    }

    @Test func decodeErrorsAndAuthFile() async throws {
        let harness = try await RPCHarness(initialized: false)
        #expect(await harness.error("iscsi_set_options", ["bogus": 1]) == .invalidParameters)
        #expect(await harness.error("iscsi_set_options", ["max_sessions": -1]) == .invalidParameters)
        #expect(await harness.error("iscsi_set_options", ["immediate_data": 1]) == .invalidParameters)
        try await harness.call("iscsi_set_options", ["auth_file": "/tmp/auth.conf", "node_base": "iqn.2013-06.com.x"])
        try await harness.initialize()
        let options = try #require(try await harness.call("iscsi_get_options").objectValue)
        #expect(options.keys.prefix(2) == ["auth_file", "node_base"])
        #expect(options["node_base"] == "iqn.2013-06.com.x")
        #expect(
            await harness.error("iscsi_get_options", [:])
                == .invalidParameters("iscsi_get_options requires no parameters")
        )
        await harness.shutdown()
    }

    @Test func invalidOptionsFailInit() async throws {
        let harness = try await RPCHarness(initialized: false)
        try await harness.call("iscsi_set_options", ["max_queue_depth": 0])
        await #expect(throws: ISCSIOptionsError.self) { try await harness.initialize() }
        let other = try await RPCHarness(initialized: false)
        try await other.call("iscsi_set_options", ["disable_chap": true, "mutual_chap": true])
        await #expect(throws: ISCSIOptionsError.self) { try await other.initialize() }
    }

    @Test func discoveryAuth() async throws {
        let harness = try await RPCHarness()
        let badCombination = RPCError.invalidParameters("Invalid combination of CHAP params")
        #expect(
            await harness.error("iscsi_set_discovery_auth", ["disable_chap": true, "require_chap": true])
                == badCombination
        )
        #expect(await harness.error("iscsi_set_discovery_auth", ["mutual_chap": true]) == badCombination)
        #expect(await harness.error("iscsi_set_discovery_auth", ["chap_group": -1]) == badCombination)
        #expect(await harness.error("iscsi_set_discovery_auth", ["chap_group": "1"]) == .invalidParameters)
        try await harness.call(
            "iscsi_set_discovery_auth",
            ["require_chap": true, "mutual_chap": true, "chap_group": 3]
        )
        let options = try #require(try await harness.call("iscsi_get_options").objectValue)
        #expect(options["require_chap"] == true)
        #expect(options["mutual_chap"] == true)
        #expect(options["chap_group"] == 3)
        #expect(
            harness.service.configuration.snapshot.options.discoveryAuth
                == CHAPPolicy(require: true, mutual: true, group: 3)
        )
        try await harness.createLoopbackPortalGroup(tag: 1)
        #expect(harness.service.configuration.snapshot.portalGroup(tag: 1)?.auth.group == 3)
        await harness.shutdown()
    }
}
