import JSONRPC

/// iscsi_create/start/delete_portal_group, iscsi_get_portal_groups, iscsi_portal_group_set_auth.
enum PortalGroupMethods {
    static func methods(_ configuration: TargetConfiguration) -> [RPCMethod] {
        [
            RPCMethod("iscsi_create_portal_group") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let tag: Int32 = try decoder.required("tag")
                let portals: [PortalParameter] = try decoder.required("portals")
                let isPrivate = try decoder.optional("private", as: Bool.self) ?? false
                let wait = try decoder.optional("wait", as: Bool.self) ?? false
                try decoder.finish()
                var configured: [Portal] = []
                for portal in portals {
                    guard let valid = Portal(configuredHost: portal.host, port: portal.port) else {
                        throw RPCError.invalidParameters
                    }
                    configured.append(valid)
                }
                do {
                    try await configuration.createPortalGroup(
                        tag: tag,
                        portals: configured,
                        isPrivate: isPrivate,
                        accepting: !wait
                    )
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            RPCMethod("iscsi_start_portal_group") { params in
                let tag = try Self.decodeTag(params)
                do {
                    try await configuration.startPortalGroup(tag: tag)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            RPCMethod("iscsi_delete_portal_group") { params in
                let tag = try Self.decodeTag(params)
                do {
                    try await configuration.deletePortalGroup(tag: tag)
                } catch {
                    throw RPCError.invalidParameters
                }
                return true
            },
            .getter("iscsi_get_portal_groups") {
                .array(await configuration.portalGroups.map(\.snapshot.json))
            },
            RPCMethod("iscsi_portal_group_set_auth") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let tag: Int32 = try decoder.required("tag")
                let policy = try CHAPPolicy(decoding: &decoder)
                try decoder.finish()
                do throws(ConfigurationError) {
                    try await configuration.setPortalGroupAuth(tag: tag, policy: policy)
                } catch .notFound {
                    throw RPCError.invalidParameters("Could not find portal group \(tag)")
                } catch {
                    throw RPCError.invalidParameters("Invalid combination of auth params")
                }
                return true
            },
        ]
    }

    /// `{"tag": int32}`; anything else → -32602 "Invalid parameters".
    static func decodeTag(_ params: JSONValue?) throws -> Int32 {
        var decoder = try RPCParams(params, failure: .invalidParameters)
        let tag: Int32 = try decoder.required("tag")
        try decoder.finish()
        return tag
    }
}
