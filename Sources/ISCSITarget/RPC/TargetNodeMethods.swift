import JSONRPC

/// iscsi_create/delete_target_node, iscsi_get_target_nodes, LUN/map/auth/redirect/logout methods,
/// histograms and scsi_get_devices.
enum TargetNodeMethods {
    /// At most this many maps and LUNs in one request (SPDK's decoder limits).
    static let maximumMaps = 256
    static let maximumLUNs = 64

    static func methods(_ configuration: TargetConfiguration) -> [RPCMethod] {
        [
            RPCMethod("iscsi_create_target_node") { params in
                let request = try Self.decodeTargetNode(params)
                do {
                    try await configuration.createTarget(request)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            .getter("iscsi_get_target_nodes") {
                .array(await configuration.liveTargets.map(\.json))
            },
            RPCMethod("iscsi_delete_target_node") { params in
                let name = try Self.decodeName(params)
                do {
                    try await configuration.deleteTarget(named: name)
                } catch {
                    throw RPCError.errno(2)
                }
                return true
            },
            RPCMethod("iscsi_target_node_add_lun") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let name: String = try decoder.required("name")
                let bdevName: String = try decoder.required("bdev_name")
                let lunID = try decoder.optional("lun_id", as: Int32.self) ?? -1
                try decoder.finish()
                do {
                    try await configuration.addLUN(targetName: name, bdevName: bdevName, lunID: lunID)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            RPCMethod("iscsi_target_node_set_auth") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let name: String = try decoder.required("name")
                let policy = try CHAPPolicy(decoding: &decoder)
                try decoder.finish()
                do throws(ConfigurationError) {
                    try await configuration.setTargetAuth(targetName: name, policy: policy)
                } catch .notFound {
                    throw RPCError.invalidParameters("Could not find target \(name)")
                } catch {
                    throw RPCError.invalidParameters("Invalid combination of auth params")
                }
                return true
            },
            RPCMethod("iscsi_target_node_add_pg_ig_maps") { params in
                let (name, maps) = try Self.decodeMaps(params)
                do {
                    try await configuration.addMaps(targetName: name, maps: maps)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            RPCMethod("iscsi_target_node_remove_pg_ig_maps") { params in
                let (name, maps) = try Self.decodeMaps(params)
                do {
                    try await configuration.removeMaps(targetName: name, maps: maps)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            RPCMethod("iscsi_target_node_set_redirect") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let name: String = try decoder.required("name")
                let pgTag: Int32 = try decoder.required("pg_tag")
                let host: String? = try decoder.optional("redirect_host")
                let port: String? = try decoder.optional("redirect_port")
                try decoder.finish()
                do throws(ConfigurationError) {
                    try await configuration.setRedirect(targetName: name, pgTag: pgTag, host: host, port: port)
                } catch .notFound {
                    throw RPCError.invalidParameters("Target \(name) is not found")
                } catch {
                    throw RPCError.invalidParameters(
                        "Failed to redirect target \(name), (-22): \(RPCError.errno(22).message)"
                    )
                }
                return true
            },
            RPCMethod("iscsi_target_node_request_logout") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let name: String = try decoder.required("name")
                let pgTag = try decoder.optional("pg_tag", as: Int32.self) ?? -1
                try decoder.finish()
                do {
                    try await configuration.requestLogout(targetName: name, pgTag: pgTag == -1 ? nil : pgTag)
                } catch {
                    throw RPCError.invalidParameters("Target \(name) is not found")
                }
                return true
            },
            RPCMethod("iscsi_enable_histogram") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                let enable: Bool = try decoder.required("enable")
                try decoder.finish()
                do {
                    try await configuration.setHistogram(targetName: name, enabled: enable)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            .getter("scsi_get_devices") {
                .array(
                    await configuration.scsiDevices.map { device in
                        .object(
                            JSONObject([("id", .integer(Int64(device.id))), ("device_name", .string(device.name))])
                        )
                    }
                )
            },
        ]
    }

    private static func decodeName(_ params: JSONValue?) throws -> String {
        var decoder = try RPCParams(params, failure: .invalidParameters)
        let name: String = try decoder.required("name")
        try decoder.finish()
        return name
    }

    private static func decodeMaps(_ params: JSONValue?) throws -> (String, [PortalGroupInitiatorGroupMap]) {
        var decoder = try RPCParams(params, failure: .invalidParameters)
        let name: String = try decoder.required("name")
        let maps: [MapParameter] = try decoder.required("pg_ig_maps")
        try decoder.finish()
        guard maps.count <= Self.maximumMaps else { throw RPCError.invalidParameters }
        return (name, maps.map(\.map))
    }

    /// iscsi_create_target_node's params; `alias_name` may be absent (configs SPDK wrote for an empty alias).
    private static func decodeTargetNode(_ params: JSONValue?) throws -> TargetNodeRequest {
        var decoder = try RPCParams(params, failure: .invalidParameters)
        let request = TargetNodeRequest(
            name: try decoder.required("name"),
            aliasName: try decoder.optional("alias_name") ?? "",
            maps: try decoder.required("pg_ig_maps", as: [MapParameter].self).map(\.map),
            luns: try decoder.required("luns", as: [LUNParameter].self).map(\.lun),
            queueDepth: try decoder.required("queue_depth"),
            auth: try CHAPPolicy(decoding: &decoder),
            headerDigest: try decoder.optional("header_digest") ?? false,
            dataDigest: try decoder.optional("data_digest") ?? false
        )
        try decoder.finish()
        guard request.maps.count <= Self.maximumMaps, !request.luns.isEmpty, request.luns.count <= Self.maximumLUNs
        else { throw RPCError.invalidParameters }
        return request
    }
}
