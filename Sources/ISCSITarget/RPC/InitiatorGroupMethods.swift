import JSONRPC

/// iscsi_create/delete_initiator_group, add/remove initiators, iscsi_get_initiator_groups.
enum InitiatorGroupMethods {
    /// The arrays may hold at most this many entries (the decoder's limit in SPDK).
    static let maximumEntries = 256

    static func methods(_ configuration: TargetConfiguration) -> [RPCMethod] {
        [
            RPCMethod("iscsi_create_initiator_group") { params in
                let (tag, initiators, netmasks) = try Self.decodeEntries(params, required: true)
                try await Self.perform {
                    try await configuration.createInitiatorGroup(tag: tag, initiators: initiators, netmasks: netmasks)
                }
                return true
            },
            RPCMethod("iscsi_initiator_group_add_initiators") { params in
                let (tag, initiators, netmasks) = try Self.decodeEntries(params, required: false)
                try await Self.perform {
                    try await configuration.addInitiators(tag: tag, initiators: initiators, netmasks: netmasks)
                }
                return true
            },
            RPCMethod("iscsi_initiator_group_remove_initiators") { params in
                let (tag, initiators, netmasks) = try Self.decodeEntries(params, required: false)
                try await Self.perform {
                    try await configuration.removeInitiators(tag: tag, initiators: initiators, netmasks: netmasks)
                }
                return true
            },
            RPCMethod("iscsi_delete_initiator_group") { params in
                let tag = try PortalGroupMethods.decodeTag(params)
                try await Self.perform { try await configuration.deleteInitiatorGroup(tag: tag) }
                return true
            },
            .getter("iscsi_get_initiator_groups") {
                .array(await configuration.initiatorGroups.map(\.json))
            },
        ]
    }

    private static func decodeEntries(
        _ params: JSONValue?,
        required: Bool
    ) throws -> (Int32, [String], [String]) {
        var decoder = try RPCParams(params, failure: .invalidParameters)
        let tag: Int32 = try decoder.required("tag")
        let initiators: [String]
        let netmasks: [String]
        if required {
            initiators = try decoder.required("initiators")
            netmasks = try decoder.required("netmasks")
        } else {
            initiators = try decoder.optional("initiators") ?? []
            netmasks = try decoder.optional("netmasks") ?? []
        }
        try decoder.finish()
        guard initiators.count <= Self.maximumEntries, netmasks.count <= Self.maximumEntries else {
            throw RPCError.invalidParameters
        }
        return (tag, initiators, netmasks)
    }

    /// Runs a change; any refusal → -32602 "Invalid parameters".
    private static func perform(_ change: () async throws -> Void) async throws {
        do {
            try await change()
        } catch {
            throw RPCError.invalidParameters
        }
    }
}
