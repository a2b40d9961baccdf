import JSONRPC

/// iSCSI and SCSI commands (rpc.py `cli/iscsi.py`).
enum ISCSICommands {
    private static let chapGroup = ArgumentSpec.option(
        "-g",
        "--chap-group",
        type: .integer,
        help: "CHAP group tag (non-zero tags must name an existing group)"
    )
    private static let disableCHAP = ArgumentSpec.flag("-d", "--disable-chap", help: "Do not use CHAP")
    private static let requireCHAP = ArgumentSpec.flag("-r", "--require-chap", help: "Require CHAP")
    private static let mutualCHAP = ArgumentSpec.flag("-m", "--mutual-chap", help: "Require mutual CHAP")
    private static let chapExclusive = [["disable_chap", "require_chap"]]
    private static let chapParams: [ParamField] = ["chap_group", "disable_chap", "require_chap", "mutual_chap"]

    private static func tag(_ what: String) -> ArgumentSpec {
        .positional("tag", .integer, help: "\(what) tag (integer)")
    }

    private static let targetName = ArgumentSpec.positional("name", help: "Target node name")
    private static let pgIgMaps = ArgumentSpec.positional(
        "pg_ig_maps",
        .split(separator: " "),
        help: "Space-separated PG_TAG:IG_TAG pairs, quoted, e.g. '1:1 2:1'"
    )

    static let all: [RPCCommand] = options + authGroups + portalAndInitiatorGroups + targetNodes + status

    private static let options: [RPCCommand] = [
        .rpc(
            "iscsi_set_options",
            "Set iSCSI global options (start-up only)",
            arguments: [
                .option("-f", "--auth-file", help: "CHAP secret file path"),
                .option("-b", "--node-base", help: "Prefix for target names without iqn./eui./naa."),
                .option("-o", "--nop-timeout", type: .integer, help: "NOP-In timeout in seconds"),
                .option("-n", "--nop-in-interval", type: .integer, help: "Seconds between target NOP-Ins"),
                .flag("-d", "--disable-chap", help: "Discovery sessions do not use CHAP"),
                .flag("-r", "--require-chap", help: "Discovery sessions require CHAP"),
                .flag("-m", "--mutual-chap", help: "Discovery sessions require mutual CHAP"),
                .option("-g", "--chap-group", type: .integer, help: "CHAP group tag for discovery sessions"),
                .option("-a", "--max-sessions", type: .integer, help: "Maximum sessions"),
                .option("-q", "--max-queue-depth", type: .integer, help: "Maximum outstanding commands per queue"),
                .option("-c", "--max-connections-per-session", type: .integer, help: "MaxConnections value"),
                .option("-w", "--default-time2wait", type: .integer, help: "DefaultTime2Wait in seconds"),
                .option("-v", "--default-time2retain", type: .integer, help: "DefaultTime2Retain in seconds"),
                .option("-s", "--first-burst-length", type: .integer, help: "FirstBurstLength in bytes"),
                .flag("-i", "--immediate-data", help: "Offer ImmediateData=Yes"),
                .option("-l", "--error-recovery-level", type: .integer, help: "ErrorRecoveryLevel value"),
                .flag("-p", "--allow-duplicated-isid", help: "Allow sessions with a duplicated ISID"),
                .option(
                    "-x",
                    "--max-large-datain-per-connection",
                    type: .integer,
                    help: "Maximum split read commands per connection"
                ),
                .option("-k", "--max-r2t-per-connection", type: .integer, help: "Maximum R2Ts per connection"),
                .option("-u", "--pdu-pool-size", type: .integer, help: "PDU pool size"),
                .option("-j", "--immediate-data-pool-size", type: .integer, help: "Immediate data buffer pool size"),
                .option("-z", "--data-out-pool-size", type: .integer, help: "Data-Out buffer pool size"),
            ],
            exclusive: chapExclusive,
            params: [
                "auth_file", "node_base", "nop_timeout", "nop_in_interval", "disable_chap", "require_chap",
                "mutual_chap", "chap_group", "max_sessions", "max_queue_depth", "max_connections_per_session",
                "default_time2wait", "default_time2retain", "first_burst_length", "immediate_data",
                "error_recovery_level", "allow_duplicated_isid", "max_large_datain_per_connection",
                "max_r2t_per_connection", "pdu_pool_size", "immediate_data_pool_size", "data_out_pool_size",
            ]
        ),
        .rpc("iscsi_get_options", "Show iSCSI global options", output: .dict),
        .rpc(
            "iscsi_set_discovery_auth",
            "Set CHAP for discovery sessions",
            arguments: [disableCHAP, requireCHAP, mutualCHAP, chapGroup],
            exclusive: chapExclusive,
            params: ["disable_chap", "require_chap", "mutual_chap", "chap_group"]
        ),
    ]

    private static let authGroups: [RPCCommand] = [
        .rpc(
            "iscsi_create_auth_group",
            "Create a CHAP authentication group",
            arguments: [
                tag("Authentication group"),
                .option(
                    "-c",
                    "--secrets",
                    type: .split(separator: ","),
                    defaultValue: [],
                    help: "Comma-separated secrets, quoted: 'user:U secret:S muser:MU msecret:MS,user:U2 secret:S2'"
                ),
            ],
            params: ["tag", ParamField("secrets") { try ParamConversions.secrets($0["secrets"]) }]
        ),
        .rpc(
            "iscsi_delete_auth_group",
            "Delete a CHAP authentication group",
            arguments: [tag("Authentication group")],
            params: ["tag"]
        ),
        .rpc(
            "iscsi_auth_group_add_secret",
            "Add a secret to a CHAP authentication group",
            arguments: [
                tag("Authentication group"),
                .option("-u", "--user", required: true, help: "CHAP user name"),
                .option("-s", "--secret", required: true, help: "CHAP secret"),
                .option("-m", "--muser", help: "Mutual CHAP user name"),
                .option("-r", "--msecret", help: "Mutual CHAP secret"),
            ],
            params: ["tag", "user", "secret", "muser", "msecret"]
        ),
        .rpc(
            "iscsi_auth_group_remove_secret",
            "Remove a secret from a CHAP authentication group",
            arguments: [tag("Authentication group"), .option("-u", "--user", required: true, help: "CHAP user name")],
            params: ["tag", "user"]
        ),
        .rpc("iscsi_get_auth_groups", "Show CHAP authentication groups", output: .dict),
    ]

    private static let portalAndInitiatorGroups: [RPCCommand] = [
        .rpc("iscsi_get_portal_groups", "Show portal groups", output: .dict),
        .rpc("iscsi_get_initiator_groups", "Show initiator groups", output: .dict),
        .rpc(
            "iscsi_create_portal_group",
            "Create a portal group",
            arguments: [
                tag("Portal group"),
                .positional(
                    "portals",
                    .split(separator: " "),
                    help: "Space-separated HOST:PORT portals, quoted, e.g. '10.0.0.1:3260 10.0.0.1:3261'"
                ),
                .flag("-p", "--private", help: "Private group: its portals are not reported by discovery"),
                .flag("-w", "--wait", help: "Do not accept connections until iscsi_start_portal_group"),
            ],
            params: [
                ParamField("portals") { try ParamConversions.portals($0["portals"]) }, "tag", "private", "wait",
            ]
        ),
        .rpc(
            "iscsi_start_portal_group",
            "Start accepting connections on a portal group",
            arguments: [tag("Portal group")],
            params: ["tag"]
        ),
        .rpc(
            "iscsi_create_initiator_group",
            "Create an initiator group",
            arguments: [
                tag("Initiator group"),
                .positional(
                    "initiators",
                    .split(separator: " "),
                    help: "Space-separated initiator names or addresses, quoted, e.g. 'ANY'"
                ),
                .positional("netmasks", .split(separator: " "), help: "Space-separated netmasks, quoted"),
            ],
            params: ["tag", "initiators", "netmasks"]
        ),
        initiatorListCommand("iscsi_initiator_group_add_initiators", "Add initiators or netmasks to a group"),
        initiatorListCommand("iscsi_initiator_group_remove_initiators", "Remove initiators or netmasks from a group"),
        .rpc(
            "iscsi_delete_portal_group",
            "Delete a portal group",
            arguments: [tag("Portal group")],
            params: ["tag"]
        ),
        .rpc(
            "iscsi_delete_initiator_group",
            "Delete an initiator group",
            arguments: [tag("Initiator group")],
            params: ["tag"]
        ),
        .rpc(
            "iscsi_portal_group_set_auth",
            "Set CHAP for discovery sessions on one portal group",
            arguments: [tag("Portal group"), chapGroup, disableCHAP, requireCHAP, mutualCHAP],
            exclusive: chapExclusive,
            params: ["tag"] + chapParams
        ),
    ]

    private static func initiatorListCommand(_ name: String, _ summary: String) -> RPCCommand {
        .rpc(
            name,
            summary,
            arguments: [
                tag("Initiator group"),
                .option(
                    "-n",
                    type: .split(separator: " "),
                    destination: "initiators",
                    defaultValue: [],
                    help: "Space-separated initiator names or addresses, quoted (may be omitted)"
                ),
                .option(
                    "-m",
                    type: .split(separator: " "),
                    destination: "netmasks",
                    defaultValue: [],
                    help: "Space-separated netmasks, quoted (may be omitted)"
                ),
            ],
            params: ["tag", "initiators", "netmasks"]
        )
    }

    private static let targetNodes: [RPCCommand] = [
        .rpc("iscsi_get_target_nodes", "Show target nodes", output: .dict),
        .rpc(
            "iscsi_enable_histogram",
            "Turn a target node's latency histogram on or off",
            arguments: [
                .toggle("--histogram", destination: "enable", required: true, help: "On or off"),
                targetName,
            ],
            params: ["name", "enable"]
        ),
        .rpc(
            "iscsi_get_histogram",
            "Show a target node's latency histogram",
            arguments: [targetName],
            params: ["name"],
            output: .dict
        ),
        .rpc(
            "iscsi_create_target_node",
            "Create a target node",
            arguments: [
                targetName,
                .positional("alias_name", help: "Target alias"),
                .positional(
                    "luns",
                    .split(separator: " "),
                    help: "Space-separated BDEV:LUN_ID pairs, quoted; LUN 0 is required"
                ),
                pgIgMaps,
                .positional("queue_depth", .integer, help: "Queue depth"),
                chapGroup, disableCHAP, requireCHAP, mutualCHAP,
                .flag("-H", "--header-digest", help: "Require header digests"),
                .flag("-D", "--data-digest", help: "Require data digests"),
            ],
            exclusive: chapExclusive,
            params: [
                ParamField("luns") { try ParamConversions.luns($0["luns"]) },
                ParamField("pg_ig_maps") { try ParamConversions.pgIgMaps($0["pg_ig_maps"]) },
                "name", "alias_name", "queue_depth",
            ] + chapParams + ["header_digest", "data_digest"]
        ),
        .rpc(
            "iscsi_target_node_add_lun",
            "Add a LUN to a target node",
            arguments: [
                targetName,
                .positional("bdev_name", help: "Block device name"),
                .option("-i", type: .integer, destination: "lun_id", help: "LUN ID (-1 or absent: lowest free)"),
            ],
            params: ["name", "bdev_name", "lun_id"]
        ),
        .rpc(
            "iscsi_target_node_set_auth",
            "Set CHAP for a target node",
            arguments: [targetName, chapGroup, disableCHAP, requireCHAP, mutualCHAP],
            exclusive: chapExclusive,
            params: ["name"] + chapParams
        ),
        pgIgMapCommand("iscsi_target_node_add_pg_ig_maps", "Add portal group to initiator group maps to a target"),
        pgIgMapCommand(
            "iscsi_target_node_remove_pg_ig_maps",
            "Remove portal group to initiator group maps from a target"
        ),
        .rpc(
            "iscsi_target_node_set_redirect",
            "Redirect logins on a public portal group, or clear the redirect",
            arguments: [
                targetName,
                .positional("pg_tag", .integer, help: "Portal group tag"),
                .option("-a", "--redirect-host", help: "Numeric IP address to redirect to"),
                .option("-p", "--redirect-port", help: "TCP port to redirect to"),
            ],
            params: ["name", "pg_tag", "redirect_host", "redirect_port"]
        ),
        .rpc(
            "iscsi_target_node_request_logout",
            "Ask a target node's connections to log out",
            arguments: [
                targetName,
                .option("-t", "--pg-tag", type: .integer, help: "Only connections on this portal group"),
            ],
            params: ["name", "pg_tag"]
        ),
        .rpc(
            "iscsi_delete_target_node",
            "Delete a target node",
            arguments: [targetName],
            params: ["name"]
        ),
    ]

    private static func pgIgMapCommand(_ name: String, _ summary: String) -> RPCCommand {
        .rpc(
            name,
            summary,
            arguments: [targetName, pgIgMaps],
            params: [ParamField("pg_ig_maps") { try ParamConversions.pgIgMaps($0["pg_ig_maps"]) }, "name"]
        )
    }

    private static let status: [RPCCommand] = [
        .rpc("iscsi_get_connections", "Show iSCSI connections", output: .dict),
        .rpc("iscsi_get_stats", "Count iSCSI connections by state", output: .dict),
        .rpc("scsi_get_devices", "Show SCSI devices", output: .dict),
    ]
}
