import BlockDevice
import JSONRPC

// The JSON shapes of SPDK's getters (and of the config entries, which reuse them), key order included.

extension CHAPPolicy {
    /// The four CHAP members, in SPDK's order.
    var jsonMembers: [(String, JSONValue)] {
        [
            ("disable_chap", .bool(self.disable)),
            ("require_chap", .bool(self.require)),
            ("mutual_chap", .bool(self.mutual)),
            ("chap_group", .integer(Int64(self.group))),
        ]
    }
}

extension ISCSIOptions {
    /// iscsi_get_options' result (`auth_file` only when set).
    var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let authFile = self.authFile {
            members.append(("auth_file", .string(authFile)))
        }
        members += [
            ("node_base", .string(self.nodeBase)),
            ("max_sessions", .integer(Int64(self.maxSessions))),
            ("max_connections_per_session", .integer(Int64(self.maxConnectionsPerSession))),
            ("max_queue_depth", .integer(Int64(self.maxQueueDepth))),
            ("default_time2wait", .integer(Int64(self.defaultTime2Wait))),
            ("default_time2retain", .integer(Int64(self.defaultTime2Retain))),
            ("first_burst_length", .integer(Int64(self.firstBurstLength))),
            ("immediate_data", .bool(self.immediateData)),
            ("allow_duplicated_isid", .bool(self.allowDuplicatedISID)),
            ("error_recovery_level", .integer(Int64(self.errorRecoveryLevel))),
            ("nop_timeout", .integer(Int64(self.nopTimeout))),
            ("nop_in_interval", .integer(Int64(self.nopInInterval))),
        ]
        members += self.discoveryAuth.jsonMembers
        members += [
            ("max_large_datain_per_connection", .integer(Int64(self.maxLargeDataInPerConnection))),
            ("max_r2t_per_connection", .integer(Int64(self.maxR2TPerConnection))),
            ("pdu_pool_size", .integer(Int64(self.pduPoolSize))),
            ("immediate_data_pool_size", .integer(Int64(self.immediateDataPoolSize))),
            ("data_out_pool_size", .integer(Int64(self.dataOutPoolSize))),
        ]
        return .object(JSONObject(members))
    }
}

extension JSONObject {
    /// An object from ordered (key, value) pairs.
    init(_ pairs: [(String, JSONValue)]) {
        self.init(pairs.map { JSONObject.Member(key: $0.0, value: $0.1) })
    }
}

extension PortalGroupSnapshot {
    /// iscsi_get_portal_groups' entry (port as a string).
    var json: JSONValue {
        let portals = self.portals.map { portal -> JSONValue in
            .object(JSONObject([("host", .string(portal.host)), ("port", .string(portal.port))]))
        }
        return .object(
            JSONObject([
                ("tag", .integer(Int64(self.tag))), ("portals", .array(portals)), ("private", .bool(self.isPrivate)),
            ])
        )
    }
}

extension InitiatorGroupSnapshot {
    /// iscsi_get_initiator_groups' entry.
    var json: JSONValue {
        .object(
            JSONObject([
                ("tag", .integer(Int64(self.tag))),
                ("initiators", .array(self.initiators.map(JSONValue.string))),
                ("netmasks", .array(self.netmasks.map(JSONValue.string))),
            ])
        )
    }
}

extension AuthGroup {
    /// iscsi_get_auth_groups' entry (`muser`/`msecret` only when set).
    var json: JSONValue {
        let secrets = self.secrets.map { secret -> JSONValue in
            var members: [(String, JSONValue)] = [("user", .string(secret.user)), ("secret", .string(secret.secret))]
            if let mutualUser = secret.mutualUser, let mutualSecret = secret.mutualSecret {
                members += [("muser", .string(mutualUser)), ("msecret", .string(mutualSecret))]
            }
            return .object(JSONObject(members))
        }
        return .object(JSONObject([("tag", .integer(Int64(self.tag))), ("secrets", .array(secrets))]))
    }
}

extension TargetNode {
    /// iscsi_get_target_nodes' entry (`alias_name` only when not empty).
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(self.name))]
        if !self.aliasName.isEmpty {
            members.append(("alias_name", .string(self.aliasName)))
        }
        let maps = self.maps.map { map -> JSONValue in
            .object(JSONObject([("pg_tag", .integer(Int64(map.pgTag))), ("ig_tag", .integer(Int64(map.igTag)))]))
        }
        let luns = self.luns.map { lun -> JSONValue in
            .object(JSONObject([("bdev_name", .string(lun.bdevName)), ("lun_id", .integer(Int64(lun.id)))]))
        }
        members += [
            ("pg_ig_maps", .array(maps)), ("luns", .array(luns)), ("queue_depth", .integer(Int64(self.queueDepth))),
        ]
        members += self.auth.jsonMembers
        members += [("header_digest", .bool(self.headerDigest)), ("data_digest", .bool(self.dataDigest))]
        return .object(JSONObject(members))
    }
}

extension ISCSIConnectionInfo {
    /// iscsi_get_connections' entry.
    var json: JSONValue {
        .object(
            JSONObject([
                ("id", .integer(Int64(self.id))),
                ("cid", .integer(Int64(self.cid))),
                ("tsih", .integer(Int64(self.tsih))),
                ("state", .string(self.state)),
                ("login_phase", .string(self.loginPhase)),
                ("initiator_addr", .string(self.initiatorAddress)),
                ("target_addr", .string(self.targetAddress)),
                ("target_node_name", .string(self.targetNodeName)),
                ("thread_name", .string(self.threadName)),
            ])
        )
    }
}

/// bdev_get_bdevs' entry for one device.
func blockDeviceJSON(_ device: any BlockDevice) -> JSONValue {
    let rateLimits = IOStatisticsMethods.rateLimitMembers(device.ioAccounting?.rateLimits ?? .init())
    let ioTypes = BlockIOTypes.spdkNames.map { entry -> (String, JSONValue) in
        (entry.name, .bool(device.supportedIOTypes.contains(entry.type)))
    }
    return .object(
        JSONObject([
            ("name", .string(device.name)),
            ("aliases", .array(device.aliases.map(JSONValue.string))),
            ("product_name", .string(device.productName)),
            ("block_size", .integer(Int64(device.blockSize))),
            ("num_blocks", .unsigned(device.blockCount)),
            ("preferred_write_alignment", 0),
            ("preferred_write_granularity", 0),
            ("optimal_write_size", 0),
            ("preferred_unmap_alignment", 0),
            ("preferred_unmap_granularity", 0),
            ("uuid", .string(device.uuid.uuidString.lowercased())),
            ("numa_id", -1),
            ("assigned_rate_limits", .object(JSONObject(rateLimits))),
            ("claimed", false),
            ("zoned", false),
            ("supported_io_types", .object(JSONObject(ioTypes))),
            ("driver_specific", BlockDeviceMethods.driverSpecificJSON(of: device)),
        ])
    )
}

extension JSONValue {
    /// A UInt64 as `.integer` when it fits (the form the parser produces for the same text).
    static func unsigned(_ value: UInt64) -> JSONValue {
        Int64(exactly: value).map(JSONValue.integer) ?? .unsignedInteger(value)
    }
}
