import JSONRPC
import Logging
import NIOPosix
import Testing

@testable import ISCSITarget

/// A control plane with its method table, driven with JSON in and JSON out.
struct RPCHarness {
    let service: ISCSITargetService
    let table: RPCMethodTable

    /// - Parameter initialized: run framework init and switch the table to RUNTIME.
    init(initialized: Bool = true) async throws {
        self.service = ISCSITargetService(
            group: MultiThreadedEventLoopGroup.singleton,
            coreIDs: [0],
            logger: Logger(label: "test")
        )
        self.table = RPCMethodTable()
        self.service.registerMethods(in: self.table)
        if initialized {
            try await self.initialize()
        }
    }

    func initialize() async throws {
        try await self.service.initialize()
        self.table.setState(.runtime)
    }

    /// Calls a method that must succeed.
    @discardableResult
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        try await self.table.call(method, params: params)
    }

    /// Calls a method that must fail and returns its error object.
    func error(_ method: String, _ params: JSONValue? = nil) async -> RPCError? {
        do {
            _ = try await self.table.call(method, params: params)
            return nil
        } catch {
            return error
        }
    }

    /// Creates a portal group on 127.0.0.<tag> with an ephemeral port (distinct hosts keep the
    /// configured host:port strings distinct).
    func createLoopbackPortalGroup(tag: Int64) async throws {
        let host = "127.0.0.\(tag)"
        try await self.call(
            "iscsi_create_portal_group",
            ["tag": .integer(tag), "portals": [["host": .string(host), "port": "0"]]]
        )
    }

    /// The seed of config-file.md §4 (portal on loopback instead of 10.0.0.1:3260).
    func createSeed() async throws {
        #expect(try await self.call("bdev_malloc_create", ["num_blocks": 131072, "block_size": 512]) == "Malloc0")
        #expect(try await self.call("bdev_malloc_create", ["num_blocks": 131072, "block_size": 512]) == "Malloc1")
        try await self.createLoopbackPortalGroup(tag: 1)
        try await self.call(
            "iscsi_create_initiator_group",
            ["tag": 2, "initiators": ["ANY"], "netmasks": ["10.0.0.2/32"]]
        )
        try await self.call("iscsi_create_target_node", Self.seedTarget)
    }

    static let seedTarget: JSONValue = [
        "name": "disk1", "alias_name": "Data Disk1",
        "luns": [["bdev_name": "Malloc0", "lun_id": 0], ["bdev_name": "Malloc1", "lun_id": 1]],
        "pg_ig_maps": [["pg_tag": 1, "ig_tag": 2]], "queue_depth": 64, "disable_chap": true,
        "require_chap": false, "mutual_chap": false,
    ]

    /// The port a loopback portal group actually listens on.
    func boundPort(ofPortalGroup tag: Int32) async throws -> Int {
        let port = await self.service.model.boundAddresses(ofPortalGroup: tag).first.flatMap { Int($0) }
        return try #require(port)
    }

    func shutdown() async {
        await self.service.shutdown()
    }
}

extension RPCError {
    static let noSuchDevice = RPCError(code: -19, message: "No such device")
    static let fileExists = RPCError(code: -17, message: "File exists")
    static let invalidArgument = RPCError(code: -22, message: "Invalid argument")
}
