/// Every option SPDK's application framework (and `iscsi_tgt`'s own `-b`) accepts.
///
/// Short options follow SPDK's getopt string `c:de:ghi:m:n:p:r:s:uvA:B:L:RW:` plus `b`.
enum AppOption: CaseIterable, Sendable {
    case config, json, jsonIgnoreInitErrors, limitCoredump, tpointGroup, singleFileSegments, help, shmID
    case cpumask, memChannels, mainCore, rpcSocket, memSize, noPCI, version, pciBlocked, logFlag
    case hugeUnlink, pciAllowed, interruptMode, silenceNoticeLog, waitForRPC, hugeDir, numTraceEntries
    case iovaMode, baseVirtaddr, envContext, disableCPUMaskLocks, rpcsAllowed, vfioVFToken, msgMempoolSize
    case lcores, noHuge, noRPCServer, enforceNUMA, daemonize, stateDir
    /// Beyond SPDK: `--config-autosave PATH`.
    case configAutosave
    /// Beyond SPDK: `--metrics HOST:PORT`.
    case metrics

    /// The `--long` name; `nil` for `-b`, which has none.
    var longName: String? {
        switch self {
        case .config: "config"
        case .json: "json"
        case .jsonIgnoreInitErrors: "json-ignore-init-errors"
        case .limitCoredump: "limit-coredump"
        case .tpointGroup: "tpoint-group"
        case .singleFileSegments: "single-file-segments"
        case .help: "help"
        case .shmID: "shm-id"
        case .cpumask: "cpumask"
        case .memChannels: "mem-channels"
        case .mainCore: "main-core"
        case .rpcSocket: "rpc-socket"
        case .memSize: "mem-size"
        case .noPCI: "no-pci"
        case .version: "version"
        case .pciBlocked: "pci-blocked"
        case .logFlag: "logflag"
        case .hugeUnlink: "huge-unlink"
        case .pciAllowed: "pci-allowed"
        case .interruptMode: "interrupt-mode"
        case .silenceNoticeLog: "silence-noticelog"
        case .waitForRPC: "wait-for-rpc"
        case .hugeDir: "huge-dir"
        case .numTraceEntries: "num-trace-entries"
        case .iovaMode: "iova-mode"
        case .baseVirtaddr: "base-virtaddr"
        case .envContext: "env-context"
        case .disableCPUMaskLocks: "disable-cpumask-locks"
        case .rpcsAllowed: "rpcs-allowed"
        case .vfioVFToken: "vfio-vf-token"
        case .msgMempoolSize: "msg-mempool-size"
        case .lcores: "lcores"
        case .noHuge: "no-huge"
        case .noRPCServer: "no-rpc-server"
        case .enforceNUMA: "enforce-numa"
        case .daemonize: nil
        case .stateDir: "state-dir"
        case .configAutosave: "config-autosave"
        case .metrics: "metrics"
        }
    }

    /// The `-x` letter, if the option has one.
    var shortName: Character? {
        switch self {
        case .config: "c"
        case .limitCoredump: "d"
        case .tpointGroup: "e"
        case .singleFileSegments: "g"
        case .help: "h"
        case .shmID: "i"
        case .cpumask: "m"
        case .memChannels: "n"
        case .mainCore: "p"
        case .rpcSocket: "r"
        case .memSize: "s"
        case .noPCI: "u"
        case .version: "v"
        case .pciAllowed: "A"
        case .pciBlocked: "B"
        case .logFlag: "L"
        case .hugeUnlink: "R"
        case .daemonize: "b"
        default: nil
        }
    }

    /// Whether the option takes a value (`-m 0x3`, `-m0x3`, `--cpumask=0x3`, `--cpumask 0x3`).
    var takesValue: Bool {
        switch self {
        case .config, .json, .tpointGroup, .shmID, .cpumask, .memChannels, .mainCore, .rpcSocket, .memSize,
            .pciBlocked, .logFlag, .pciAllowed, .hugeDir, .numTraceEntries, .iovaMode, .baseVirtaddr, .envContext,
            .rpcsAllowed, .vfioVFToken, .msgMempoolSize, .lcores, .stateDir, .configAutosave,
            .metrics:
            true
        case .jsonIgnoreInitErrors, .limitCoredump, .singleFileSegments, .help, .noPCI, .version, .hugeUnlink,
            .interruptMode, .silenceNoticeLog, .waitForRPC, .disableCPUMaskLocks, .noHuge, .noRPCServer,
            .enforceNUMA, .daemonize:
            false
        }
    }

    /// How the option is named in messages: `--cpumask` or `-b`.
    var displayName: String {
        if let longName { return "--" + longName }
        return "-" + String(shortName ?? "?")
    }
}
