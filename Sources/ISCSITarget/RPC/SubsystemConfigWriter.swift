import BlockDevice
import JSONRPC

/// framework_get_config's config arrays for the "bdev" and "iscsi" subsystems (config-file.md §3).
enum SubsystemConfigWriter {
    /// One `{"method", "params"}` entry.
    static func entry(_ method: String, _ params: JSONValue? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("method", .string(method))]
        if let params {
            members.append(("params", params))
        }
        return .object(JSONObject(members))
    }

    /// bdev_set_options, the registered Ceph clusters, the malloc, null, file (aio, uring), RBD, delay and error
    /// bdevs, their rate limits, then bdev_wait_for_examine.
    ///
    /// Unlike SPDK, the Ceph cluster registrations and each RBD bdev's `cluster_name` are written, so a saved
    /// configuration that uses a registered cluster restores.
    static func blockDeviceConfig(
        options: BlockDeviceOptions,
        rbdClusters: [RBDCluster] = [],
        devices: [any BlockDevice]
    ) -> JSONValue {
        var entries = [
            Self.entry(
                "bdev_set_options",
                .object(
                    JSONObject([
                        ("bdev_io_pool_size", .integer(Int64(options.ioPoolSize))),
                        ("bdev_io_cache_size", .integer(Int64(options.ioCacheSize))),
                        ("bdev_auto_examine", .bool(options.autoExamine)),
                        ("iobuf_small_cache_size", .integer(Int64(options.iobufSmallCacheSize))),
                        ("iobuf_large_cache_size", .integer(Int64(options.iobufLargeCacheSize))),
                    ])
                )
            )
        ]
        for cluster in rbdClusters {
            let params = [("name", JSONValue.string(cluster.name))] + RBDMethods.clusterMembers(cluster)
            entries.append(Self.entry("bdev_rbd_register_cluster", .object(JSONObject(params))))
        }
        // Creation order: a reload registers them in the same order (bdev_get_bdevs lists them alike), and each
        // base device comes before the devices stacked on it.
        entries += devices.compactMap(Self.deviceEntry)
        for device in devices {
            guard let limits = device.ioAccounting?.rateLimits, limits.isLimited else { continue }
            let params = [("name", JSONValue.string(device.name))] + IOStatisticsMethods.rateLimitMembers(limits)
            entries.append(Self.entry("bdev_set_qos_limit", .object(JSONObject(params))))
        }
        entries.append(Self.entry("bdev_wait_for_examine"))
        return .array(entries)
    }

    /// The create call of one device; nil for a kind save_config does not write.
    private static func deviceEntry(_ device: any BlockDevice) -> JSONValue? {
        switch device {
        case let malloc as MallocBlockDevice: Self.mallocEntry(malloc)
        case let null as NullBlockDevice: Self.nullEntry(null)
        case let file as FileBlockDevice: Self.fileEntry(file)
        case let uring as UringBlockDevice: Self.uringEntry(uring)
        case let rbd as RBDBlockDevice: Self.rbdEntry(rbd)
        default: Self.stackedEntry(device)
        }
    }

    private static func mallocEntry(_ device: MallocBlockDevice) -> JSONValue {
        Self.entry(
            "bdev_malloc_create",
            .object(
                JSONObject([
                    ("name", .string(device.name)),
                    ("num_blocks", .unsigned(device.blockCount)),
                    ("block_size", .integer(Int64(device.blockSize))),
                    ("physical_block_size", .integer(Int64(device.physicalBlockSize))),
                    ("uuid", .string(device.uuid.uuidString.lowercased())),
                    ("optimal_io_boundary", .integer(Int64(device.optimalIOBoundary))),
                    ("md_size", 0),
                    ("dif_type", 0),
                    ("dif_is_head_of_md", false),
                    ("dif_pi_format", 0),
                    ("numa_id", -1),
                ])
            )
        )
    }

    private static func nullEntry(_ device: NullBlockDevice) -> JSONValue {
        Self.entry(
            "bdev_null_create",
            .object(
                JSONObject([
                    ("name", .string(device.name)),
                    ("num_blocks", .unsigned(device.blockCount)),
                    ("block_size", .integer(Int64(device.blockSize))),
                    ("physical_block_size", .integer(Int64(device.physicalBlockSize))),
                    ("md_size", 0),
                    ("dif_type", 0),
                    ("dif_is_head_of_md", false),
                    ("dif_pi_format", 0),
                    ("uuid", .string(device.uuid.uuidString.lowercased())),
                    ("preferred_write_granularity", 0),
                    ("preferred_write_alignment", 0),
                    ("optimal_write_size", 0),
                    ("preferred_unmap_granularity", 0),
                    ("preferred_unmap_alignment", 0),
                ])
            )
        )
    }

    /// bdev_aio_create; `block_size` only when it was given (SPDK's `block_size_override`), so a reload detects
    /// the same size and prints the same `driver_specific`.
    private static func fileEntry(_ device: FileBlockDevice) -> JSONValue {
        var params: [(String, JSONValue)] = [("name", .string(device.name))]
        if device.configuration.blockSize != 0 {
            params.append(("block_size", .integer(Int64(device.blockSize))))
        }
        params += [
            ("filename", .string(device.configuration.filename)),
            ("readonly", .bool(device.isReadOnly)),
            ("fallocate", .bool(device.configuration.usesFallocate)),
            ("uuid", .string(device.uuid.uuidString.lowercased())),
        ]
        return Self.entry("bdev_aio_create", .object(JSONObject(params)))
    }

    /// bdev_uring_create, with the block size in use as SPDK writes it.
    private static func uringEntry(_ device: UringBlockDevice) -> JSONValue {
        Self.entry(
            "bdev_uring_create",
            .object(
                JSONObject([
                    ("name", .string(device.name)),
                    ("block_size", .integer(Int64(device.blockSize))),
                    ("filename", .string(device.configuration.filename)),
                    ("uuid", .string(device.uuid.uuidString.lowercased())),
                ])
            )
        )
    }

    /// bdev_rbd_create: SPDK's members, plus `cluster_name` for a device on a registered cluster.
    static func rbdEntry(_ device: RBDBlockDevice) -> JSONValue {
        Self.rbdEntry(device.configuration, clusterName: device.cluster?.name)
    }

    /// bdev_rbd_create for a device created with `configuration` on the cluster `clusterName` (nil: its own
    /// connection, written as `user_id` and `config`).
    static func rbdEntry(_ configuration: RBDBlockDevice.Configuration, clusterName: String?) -> JSONValue {
        var params: [(String, JSONValue)] = [
            ("name", .string(configuration.name)),
            ("pool_name", .string(configuration.poolName)),
            ("rbd_name", .string(configuration.imageName)),
            ("block_size", .integer(Int64(configuration.blockSize))),
        ]
        if let clusterName {
            params.append(("cluster_name", .string(clusterName)))
        } else {
            params += RBDMethods.ownSettingsMembers(configuration.settings)
        }
        params.append(("uuid", .string(configuration.uuid.uuidString.lowercased())))
        if configuration.isReadOnly {
            params.append(("read_only", true))
        }
        return Self.entry("bdev_rbd_create", .object(JSONObject(params)))
    }

    /// bdev_delay_create or bdev_error_create for a device stacked on another; nil for other devices.
    private static func stackedEntry(_ device: any BlockDevice) -> JSONValue? {
        let uuid: JSONValue = .string(device.uuid.uuidString.lowercased())
        switch device {
        case let delay as DelayBlockDevice:
            var params: [(String, JSONValue)] = [
                ("base_bdev_name", .string(delay.base.name)), ("name", .string(delay.name)), ("uuid", uuid),
            ]
            for latency in DelayBlockDevice.Latency.allCases {
                params.append((latency.rawValue + "_latency", .unsigned(delay.latency(latency))))
            }
            return Self.entry("bdev_delay_create", .object(JSONObject(params)))
        case let error as ErrorBlockDevice:
            let params = JSONObject([("base_name", .string(error.base.name)), ("uuid", uuid)])
            return Self.entry("bdev_error_create", .object(params))
        default:
            return nil
        }
    }
}

extension TargetConfiguration {
    /// The "iscsi" config: options, portal groups, initiator groups, target nodes (and their
    /// histogram switch), then auth groups.
    var iscsiConfig: JSONValue {
        var entries = [SubsystemConfigWriter.entry("iscsi_set_options", self.options.json)]
        for group in self.portalGroups {
            entries.append(SubsystemConfigWriter.entry("iscsi_create_portal_group", group.snapshot.json))
        }
        for group in self.initiatorGroups {
            entries.append(SubsystemConfigWriter.entry("iscsi_create_initiator_group", group.json))
        }
        for target in self.liveTargets {
            entries.append(SubsystemConfigWriter.entry("iscsi_create_target_node", target.json))
            if target.histogram != nil {
                let params: JSONValue = .object(JSONObject([("name", .string(target.name)), ("enable", true)]))
                entries.append(SubsystemConfigWriter.entry("iscsi_enable_histogram", params))
            }
        }
        for group in self.authGroups {
            entries.append(SubsystemConfigWriter.entry("iscsi_create_auth_group", group.json))
        }
        return .array(entries)
    }

    /// The "bdev" config.
    var blockDeviceConfig: JSONValue {
        SubsystemConfigWriter.blockDeviceConfig(
            options: self.bdevOptions,
            rbdClusters: self.rbdClusters,
            devices: self.blockDevices.devices
        )
    }
}
