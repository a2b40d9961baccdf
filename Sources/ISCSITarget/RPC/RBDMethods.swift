import BlockDevice
import FoundationEssentials
import JSONRPC

/// bdev_rbd_register_cluster, bdev_rbd_unregister_cluster, bdev_rbd_get_clusters_info, bdev_rbd_create,
/// bdev_rbd_delete, bdev_rbd_resize.
enum RBDMethods {
    static func methods(_ configuration: TargetConfiguration) -> [RPCMethod] {
        [
            RPCMethod("bdev_rbd_register_cluster") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                let settings = RBDConnectionSettings(
                    userID: try decoder.optional("user_id"),
                    options: try Self.decodeOptions(&decoder, key: "config_param"),
                    configFile: try decoder.optional("config_file"),
                    keyFile: try decoder.optional("key_file")
                )
                let coreMask: String? = try decoder.optional("core_mask")
                try decoder.finish()
                do throws(BlockDeviceError) {
                    let registered = try await configuration.registerRBDCluster(
                        name: name,
                        settings: settings,
                        coreMask: coreMask
                    )
                    return .string(registered)
                } catch {
                    throw error.rpcError
                }
            },
            RPCMethod("bdev_rbd_unregister_cluster") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.unregisterRBDCluster(named: name)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_rbd_get_clusters_info") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String? = try decoder.optional("name")
                try decoder.finish()
                guard let name else {
                    return .array(await configuration.rbdClusters.map(Self.clusterJSON))
                }
                guard let cluster = await configuration.rbdCluster(named: name) else {
                    throw BlockDeviceError.notFound.rpcError
                }
                return Self.clusterJSON(cluster)
            },
            RPCMethod("bdev_rbd_create") { params in
                let request = try Self.decodeCreate(params)
                do throws(BlockDeviceError) {
                    return .string(try await configuration.createRBD(request))
                } catch {
                    throw error.rpcError
                }
            },
            RPCMethod("bdev_rbd_delete") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.deleteBlockDevice(named: name, of: RBDBlockDevice.self)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_rbd_resize") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                let newSize: UInt64 = try decoder.required("new_size")
                try decoder.finish()
                do throws(BlockDeviceError) {
                    try await configuration.resizeRBD(named: name, newSizeMiB: newSize)
                } catch {
                    throw error.rpcError
                }
                return true
            },
        ]
    }

    /// bdev_rbd_create's params.
    static func decodeCreate(_ params: JSONValue?) throws -> TargetConfiguration.RBDRequest {
        var decoder = try RPCParams(params, failure: .decodeFailed)
        let name: String? = try decoder.optional("name")
        let userID: String? = try decoder.optional("user_id")
        var request = TargetConfiguration.RBDRequest(
            name: name,
            poolName: try decoder.required("pool_name"),
            imageName: try decoder.required("rbd_name"),
            blockSize: try decoder.required("block_size")
        )
        request.settings = RBDConnectionSettings(
            userID: userID,
            options: try Self.decodeOptions(&decoder, key: "config")
        )
        request.clusterName = try decoder.optional("cluster_name")
        if let text = try decoder.optional("uuid", as: String.self) {
            guard let uuid = UUID(uuidString: text) else { throw RPCError.decodeFailed }
            request.uuid = uuid
        }
        request.isReadOnly = try decoder.optional("read_only") ?? false
        try decoder.finish()
        return request
    }

    /// An object of string options (`config`, `config_param`), in the order given; any other value type fails the
    /// decode.
    static func decodeOptions(_ decoder: inout RPCParams, key: String) throws -> [RBDConfigOption] {
        guard let object = try decoder.optional(key, as: JSONObject.self) else { return [] }
        return try object.members.map { member in
            guard case .string(let value) = member.value else { throw RPCError.decodeFailed }
            return RBDConfigOption(key: member.key, value: value)
        }
    }

    /// One cluster of bdev_rbd_get_clusters_info; also the params of its save_config entry (with `name`).
    static func clusterJSON(_ cluster: RBDCluster) -> JSONValue {
        .object(JSONObject([("cluster_name", .string(cluster.name))] + Self.clusterMembers(cluster)))
    }

    /// The optional settings of a cluster, present only when set.
    static func clusterMembers(_ cluster: RBDCluster) -> [(String, JSONValue)] {
        Self.clusterMembers(cluster.settings, coreMask: cluster.coreMask)
    }

    /// The optional settings of a cluster registration, present only when set.
    static func clusterMembers(_ settings: RBDConnectionSettings, coreMask: String?) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if let userID = settings.userID {
            members.append(("user_id", .string(userID)))
        }
        if !settings.options.isEmpty {
            members.append(("config_param", Self.optionsJSON(settings.options)))
        }
        if let configFile = settings.configFile {
            members.append(("config_file", .string(configFile)))
        }
        if let keyFile = settings.keyFile {
            members.append(("key_file", .string(keyFile)))
        }
        if let coreMask {
            members.append(("core_mask", .string(coreMask)))
        }
        return members
    }

    /// bdev_get_bdevs' `driver_specific.rbd`: pool and image, then the cluster's settings or the device's own.
    static func driverSpecificJSON(_ device: RBDBlockDevice) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("pool_name", .string(device.configuration.poolName)),
            ("rbd_name", .string(device.configuration.imageName)),
        ]
        if let cluster = device.cluster {
            members += [("cluster_name", .string(cluster.name))] + Self.clusterMembers(cluster)
        } else {
            members += Self.ownSettingsMembers(device)
        }
        return .object(JSONObject([("rbd", .object(JSONObject(members)))]))
    }

    /// `user_id` and `config` of a device with a connection of its own.
    static func ownSettingsMembers(_ device: RBDBlockDevice) -> [(String, JSONValue)] {
        Self.ownSettingsMembers(device.configuration.settings)
    }

    /// `user_id` and `config` of a connection's settings, present only when set.
    static func ownSettingsMembers(_ settings: RBDConnectionSettings) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if let userID = settings.userID {
            members.append(("user_id", .string(userID)))
        }
        if !settings.options.isEmpty {
            members.append(("config", Self.optionsJSON(settings.options)))
        }
        return members
    }

    static func optionsJSON(_ options: [RBDConfigOption]) -> JSONValue {
        .object(JSONObject(options.map { ($0.key, JSONValue.string($0.value)) }))
    }

    private static func decodeName(_ params: JSONValue?) throws -> String {
        var decoder = try RPCParams(params, failure: .decodeFailed)
        let name: String = try decoder.required("name")
        try decoder.finish()
        return name
    }
}
