/// The command line of `iscsi_tgt`, as SPDK's `spdk_app_parse_args` reads it (app.md §1).
///
/// Values that SPDK only hands to DPDK (PCI lists, hugepage settings, …) are accepted, validated the
/// way SPDK validates them, and otherwise ignored; they are not stored.
struct AppOptions: Equatable, Sendable {
    /// The SPDK default RPC socket path.
    static let defaultRPCSocketPath = "/var/tmp/spdk.sock"

    /// `-c/--config/--json`: the JSON configuration file to load at startup.
    var configFile: String?
    /// `--config-autosave PATH` (beyond SPDK): the configuration is loaded from PATH at startup when it exists,
    /// and written there atomically after every successful RPC that changed it.
    var configAutosavePath: String?
    /// `--json-ignore-init-errors`: log failing configuration entries and continue.
    var ignoreConfigErrors = false
    /// `-r/--rpc-socket`; `nil` after `--no-rpc-server`.
    var rpcSocketPath: String? = AppOptions.defaultRPCSocketPath
    /// `--wait-for-rpc`: stay in the STARTUP state until `framework_start_init`.
    var waitForRPC = false
    /// `--rpcs-allowed a,b,c`: the only callable methods.
    var rpcsAllowed: Set<String>?
    /// `-m/--cpumask` (or the cores of `--lcores`), unparsed: a bad mask fails at startup, as in SPDK.
    var coreMask: String?
    /// `-p/--main-core`: the core of the app thread.
    var mainCore: Int?
    /// `-s/--mem-size` in MiB. Validated as SPDK does; the target service does not take a memory cap yet.
    var memorySizeMiB: Int?
    /// `-i/--shm-id`; negative disables shared memory (SPDK default -1).
    var sharedMemoryID = -1
    /// `-L/--logflag`, in order.
    var logFlags: [String] = []
    /// `-e/--tpoint-group`: accepted; tracing is not implemented.
    var tracepointGroups: String?
    /// `--silence-noticelog`: print WARNING and worse only.
    var silenceNoticeLog = false
    /// `-b`: detach with `daemon(1, 0)`.
    var daemonize = false
    /// `--disable-cpumask-locks`.
    var disableCoreLocks = false
    /// `--state-dir`: where persistent reservations are kept across restarts (ours; SPDK has no such option).
    var stateDirectory = "/var/lib/iscsi_tgt"
    /// `--metrics HOST:PORT` (ours): serve Prometheus metrics over HTTP there; nil serves none.
    var metricsEndpoint: MetricsEndpoint?
}

/// What the command line asks for.
enum CommandLineOutcome: Equatable, Sendable {
    /// Start the target.
    case run(AppOptions)
    /// `-h/--help`: print the usage and exit 0.
    case showUsage
    /// `-v/--version`: print the version line and exit 0.
    case showVersion
    /// A bad option or value: print the message and the usage, exit 2.
    case failure(String)
}
