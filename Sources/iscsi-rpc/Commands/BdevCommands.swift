import JSONRPC

/// Block device commands (rpc.py `cli/bdev.py`): options, malloc, null, aio, uring, rbd, delay, error,
/// listing, iostat and QoS.
enum BdevCommands {
    private static let bdevName = ArgumentSpec.positional("name", help: "Block device name")

    static let all: [RPCCommand] = general + malloc + null + files + rbd + delay + error

    private static func nameOnly(_ name: String, _ summary: String, output: ResultOutput = .nothing) -> RPCCommand {
        .rpc(name, summary, arguments: [bdevName], params: ["name"], output: output)
    }

    private static let general: [RPCCommand] = [
        .rpc(
            "bdev_set_options",
            "Set block device layer options (start-up only)",
            arguments: [
                .option("-p", "--bdev-io-pool-size", type: .integer, help: "I/O descriptors in the shared pool"),
                .option("-c", "--bdev-io-cache-size", type: .integer, help: "I/O descriptors cached per thread"),
                .toggle("--auto-examine", destination: "bdev_auto_examine", help: "Examine new devices automatically"),
                .option("--iobuf-small-cache-size", type: .integer, help: "Small buffers cached per thread"),
                .option("--iobuf-large-cache-size", type: .integer, help: "Large buffers cached per thread"),
            ],
            params: [
                "bdev_io_pool_size", "bdev_io_cache_size", "bdev_auto_examine", "iobuf_small_cache_size",
                "iobuf_large_cache_size",
            ]
        ),
        .rpc("bdev_wait_for_examine", "Wait until every block device has been examined"),
        .rpc(
            "bdev_get_bdevs",
            "Show all block devices, or one",
            arguments: [
                .option("-b", "--name", help: "Name or alias of one device"),
                .option(
                    "-t",
                    "--timeout-ms",
                    type: .integer,
                    destination: "timeout",
                    help: "With -b: milliseconds to wait for the device to appear (default 0)"
                ),
            ],
            params: ["name", "timeout"],
            output: .dict
        ),
        .rpc(
            "bdev_get_iostat",
            "Show I/O statistics of all block devices, or of some",
            arguments: [
                .flag("-c", "--per-channel", help: "Per-channel statistics of the one named device"),
                .option(
                    "--reset-mode",
                    choices: ["all", "maxmin", "error", "none"],
                    help: "Which counters to reset after reading"
                ),
                .option("--names", type: .split(separator: ","), help: "Comma-separated device names, quoted"),
            ],
            params: ["per_channel", "reset_mode", "names"],
            output: .dict
        ),
        .rpc(
            "bdev_reset_iostat",
            "Reset I/O statistics of all block devices, or of one",
            arguments: [
                .option("-b", "--name", help: "Name of one device"),
                .option(
                    "-m",
                    "--mode",
                    choices: ["all", "maxmin", "error", "none"],
                    help: "Which counters to reset (default all)"
                ),
            ],
            params: ["name", "mode"]
        ),
        .rpc(
            "bdev_set_qos_limit",
            "Set rate limits on a block device (0 removes a limit)",
            arguments: [
                bdevName,
                .option("--rw-ios-per-sec", type: .integer, help: "Read+write I/Os per second"),
                .option("--rw-mbytes-per-sec", type: .integer, help: "Read+write MiB per second"),
                .option("--r-mbytes-per-sec", type: .integer, help: "Read MiB per second"),
                .option("--w-mbytes-per-sec", type: .integer, help: "Write MiB per second"),
            ],
            params: ["name", "rw_ios_per_sec", "rw_mbytes_per_sec", "r_mbytes_per_sec", "w_mbytes_per_sec"]
        ),
    ]

    private static let difType = ArgumentSpec.option(
        "-t",
        "--dif-type",
        type: .integer,
        choices: [0, 1, 2, 3],
        help: "Protection information type (needs --md-size); default 0, none"
    )
    private static let difHead = ArgumentSpec.flag(
        "-d",
        "--dif-is-head-of-md",
        help: "Protection information leads the metadata"
    )
    private static let difFormat = ArgumentSpec.option(
        "-f",
        "--dif-pi-format",
        type: .integer,
        choices: [0, 1, 2],
        help: "Guard format: 0 16-bit, 1 32-bit, 2 64-bit (default 0)"
    )

    private static let malloc: [RPCCommand] = [
        .rpc(
            "bdev_malloc_create",
            "Create a RAM-backed block device",
            arguments: [
                .option("-b", "--name", help: "Device name (default MallocN)"),
                .option("-u", "--uuid", help: "Device UUID"),
                .positional("total_size", .float, help: "Size in MiB (may have a fraction)"),
                .positional("block_size", .integer, help: "Block size in bytes"),
                .option("-p", "--physical-block-size", type: .integer, help: "Physical block size in bytes"),
                .option("-o", "--optimal-io-boundary", type: .integer, help: "Split I/O at this many blocks (0: off)"),
                .option("-m", "--md-size", type: .integer, help: "Metadata bytes per block: 0, 8, 16, 32, 64 or 128"),
                .flag("-i", "--md-interleave", help: "Interleave metadata with data"),
                difType, difHead, difFormat,
                .option("-n", "--numa-id", type: .integer, help: "NUMA node for the memory (-1: any)"),
            ],
            params: [
                ParamField("num_blocks") {
                    try ParamConversions.mallocBlockCount(sizeMiB: $0["total_size"], blockSize: $0["block_size"])
                },
                "block_size", "physical_block_size", "name", "uuid", "optimal_io_boundary", "md_size",
                "md_interleave", "dif_type", "dif_is_head_of_md", "dif_pi_format", "numa_id",
            ],
            output: .json
        ),
        nameOnly("bdev_malloc_delete", "Delete a RAM-backed block device"),
    ]

    private static let null: [RPCCommand] = [
        .rpc(
            "bdev_null_create",
            "Create a block device that reads zeroes and discards writes",
            arguments: [
                bdevName,
                .option("-u", "--uuid", help: "Device UUID"),
                .positional("total_size", .integer, help: "Size in MiB"),
                .positional("block_size", .integer, help: "Block size in bytes"),
                .option("-p", "--physical-block-size", type: .integer, help: "Physical block size in bytes"),
                .option("-m", "--md-size", type: .integer, help: "Metadata bytes per block (default 0)"),
                difType, difHead, difFormat,
                .option("-a", "--preferred-write-alignment", type: .integer, help: "Write alignment in blocks"),
                .option("-g", "--preferred-write-granularity", type: .integer, help: "Write granularity in blocks"),
                .option("-s", "--optimal-write-size", type: .integer, help: "Optimal write size in blocks"),
                .option("-c", "--preferred-unmap-alignment", type: .integer, help: "Unmap alignment in blocks"),
                .option("-r", "--preferred-unmap-granularity", type: .integer, help: "Unmap granularity in blocks"),
            ],
            params: [
                ParamField("num_blocks") {
                    try ParamConversions.nullBlockCount(sizeMiB: $0["total_size"], blockSize: $0["block_size"])
                },
                "block_size", "physical_block_size", "name", "uuid", "md_size", "dif_type", "dif_is_head_of_md",
                "dif_pi_format", "preferred_write_alignment", "preferred_write_granularity", "optimal_write_size",
                "preferred_unmap_alignment", "preferred_unmap_granularity",
            ],
            output: .json
        ) { parsed in
            let hasDIF = (parsed["dif_type"].int64Value ?? 0) != 0
            let hasMetadata = (parsed["md_size"].int64Value ?? 0) != 0
            if hasDIF && !hasMetadata {
                throw CommandAbort(
                    message: "ERROR: --md-size must be > 0 when --dif-type is > 0",
                    printsToStandardOutput: true
                )
            }
        },
        nameOnly("bdev_null_delete", "Delete a null block device"),
        .rpc(
            "bdev_null_resize",
            "Resize a null block device",
            arguments: [bdevName, .positional("new_size", .integer, help: "New size in MiB")],
            params: ["name", "new_size"],
            output: .json
        ),
    ]

    private static let files: [RPCCommand] = [
        .rpc(
            "bdev_aio_create",
            "Create a block device on a file or disk using Linux AIO",
            arguments: [
                .positional("filename", help: "File or device path"),
                bdevName,
                .optionalPositional("block_size", .integer, help: "Block size in bytes (default: detect)"),
                .flag("-r", "--readonly", help: "Read-only device"),
                .flag("--fallocate", help: "Implement unmap and write zeroes with fallocate"),
                .option("-u", "--uuid", help: "Device UUID"),
                .flag("--no-wait", destination: "nowait", help: "Use RWF_NOWAIT (block devices only)"),
            ],
            params: ["filename", "name", "block_size", "readonly", "fallocate", "uuid", "nowait"],
            output: .json
        ),
        nameOnly("bdev_aio_rescan", "Re-read the size of an AIO block device", output: .json),
        nameOnly("bdev_aio_delete", "Delete an AIO block device"),
        .rpc(
            "bdev_uring_create",
            "Create a block device on a file or disk using io_uring",
            arguments: [
                .positional("filename", help: "File or device path"),
                bdevName,
                .optionalPositional("block_size", .integer, help: "Block size in bytes (default: detect)"),
                .option("-u", "--uuid", help: "Device UUID"),
            ],
            params: ["filename", "name", "block_size", "uuid"],
            output: .json
        ),
        nameOnly("bdev_uring_rescan", "Re-read the size of an io_uring block device", output: .json),
        nameOnly("bdev_uring_delete", "Delete an io_uring block device"),
    ]

    private static let rbd: [RPCCommand] = [
        .rpc(
            "bdev_rbd_register_cluster",
            "Register a Ceph cluster connection for RBD block devices",
            arguments: [
                .positional("name", help: "Cluster handle name"),
                .option("--user", destination: "user_id", help: "Ceph user without the client. prefix"),
                .repeated("--config-param", metavar: "key=value", help: "A Ceph option; may repeat"),
                .option("--config-file", help: "ceph.conf path"),
                .option("--key-file", help: "Keyring path"),
                .option("--core-mask", help: "CPU mask for librbd threads"),
            ],
            params: [
                "name", "user_id",
                ParamField("config_param") {
                    try ParamConversions.keyValues($0["config_param"], option: "--config")
                },
                "config_file", "key_file", "core_mask",
            ],
            output: .json
        ),
        .rpc(
            "bdev_rbd_unregister_cluster",
            "Unregister a Ceph cluster connection",
            arguments: [.positional("name", help: "Cluster handle name")],
            params: ["name"]
        ),
        .rpc(
            "bdev_rbd_get_clusters_info",
            "Show registered Ceph clusters",
            arguments: [.option("-b", "--name", help: "Only this cluster")],
            params: ["name"],
            output: .json
        ),
        .rpc(
            "bdev_rbd_create",
            "Create a block device on a Ceph RBD image",
            arguments: [
                .option("-b", "--name", help: "Device name (default CephN)"),
                .option("--user", destination: "user_id", help: "Ceph user without the client. prefix"),
                .repeated("--config", metavar: "key=value", help: "A Ceph option; may repeat"),
                .positional("pool_name", help: "Pool name"),
                .positional("rbd_name", help: "Image name"),
                .positional("block_size", .integer, help: "Block size in bytes"),
                .option("-c", "--cluster-name", help: "Registered cluster to use"),
                .option("-u", "--uuid", help: "Device UUID"),
                .flag("-r", "--readonly", destination: "read_only", help: "Read-only device"),
            ],
            params: [
                "name", "user_id",
                ParamField("config") { try ParamConversions.keyValues($0["config"], option: "--config") },
                "pool_name", "rbd_name", "block_size", "cluster_name", "uuid", "read_only",
            ],
            output: .json
        ),
        nameOnly("bdev_rbd_delete", "Delete an RBD block device"),
        .rpc(
            "bdev_rbd_resize",
            "Grow an RBD block device",
            arguments: [bdevName, .positional("new_size", .integer, help: "New size in MiB")],
            params: ["name", "new_size"],
            output: .json
        ),
    ]

    private static let delay: [RPCCommand] = [
        .rpc(
            "bdev_delay_create",
            "Create a block device adding latency to another",
            arguments: [
                .option("-b", "--base-bdev-name", required: true, help: "Underlying device"),
                .option("-d", "--name", required: true, help: "New device name"),
                .option("-u", "--uuid", help: "Device UUID"),
                .option("-r", "--avg-read-latency", type: .integer, required: true, help: "Average read latency, µs"),
                .option(
                    "-t",
                    "--nine-nine-read-latency",
                    type: .integer,
                    destination: "p99_read_latency",
                    required: true,
                    help: "99th percentile read latency, µs"
                ),
                .option(
                    "-w",
                    "--avg-write-latency",
                    type: .integer,
                    required: true,
                    help: "Average write latency, µs"
                ),
                .option(
                    "-n",
                    "--nine-nine-write-latency",
                    type: .integer,
                    destination: "p99_write_latency",
                    required: true,
                    help: "99th percentile write latency, µs"
                ),
            ],
            params: [
                "base_bdev_name", "name", "uuid", "avg_read_latency", "p99_read_latency", "avg_write_latency",
                "p99_write_latency",
            ],
            output: .json
        ),
        nameOnly("bdev_delay_delete", "Delete a delay block device"),
        .rpc(
            "bdev_delay_update_latency",
            "Change one latency of a delay block device",
            arguments: [
                .positional("delay_bdev_name", help: "Delay device name"),
                .positional(
                    "latency_type",
                    choices: ["avg_read", "avg_write", "p99_read", "p99_write"],
                    help: "Which latency"
                ),
                .positional("latency_us", .integer, help: "New latency, µs"),
            ],
            params: ["delay_bdev_name", "latency_type", "latency_us"],
            output: .json
        ),
    ]

    private static let error: [RPCCommand] = [
        .rpc(
            "bdev_error_create",
            "Create an error-injection block device EE_<base> on another",
            arguments: [
                .positional("base_name", help: "Underlying device"),
                .option("--uuid", help: "Device UUID"),
            ],
            params: ["base_name", "uuid"],
            output: .json
        ),
        nameOnly("bdev_error_delete", "Delete an error-injection block device"),
        .rpc(
            "bdev_error_inject_error",
            "Make the next I/Os of a type fail on an error-injection device",
            arguments: [
                .positional("name", help: "Error-injection device name"),
                .positional(
                    "io_type",
                    choices: ["clear", "read", "write", "unmap", "flush", "all"],
                    help: "I/O type"
                ),
                .positional(
                    "error_type",
                    choices: ["failure", "nvme_failure", "pending", "corrupt_data", "nomem"],
                    help: "Error type"
                ),
                .option("--nvme-sct", type: .integer, help: "NVMe status code type for nvme_failure (default 0)"),
                .option("--nvme-sc", type: .integer, help: "NVMe status code for nvme_failure (default 0)"),
                .option("-n", "--num", type: .integer, help: "How many I/Os fail"),
                .option("-q", "--queue-depth", type: .integer, help: "Queue depth at which errors start"),
                .option("-o", "--corrupt-offset", type: .integer, help: "Byte offset XOR-ed for corrupt_data"),
                .option("-v", "--corrupt-value", type: .integer, help: "XOR value for corrupt_data (1-255)"),
            ],
            params: [
                "name", "io_type", "error_type", "nvme_sct", "nvme_sc", "num", "queue_depth", "corrupt_offset",
                "corrupt_value",
            ]
        ),
        nameOnly("bdev_error_resume_pending", "Release I/Os held by a pending injection"),
    ]
}
