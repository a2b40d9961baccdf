import JSONRPC

/// rpc.py's options before the method name: server address, port, timeout, retries, verbosity,
/// dry run, batch and server modes.
struct GlobalOptions {
    var serverAddress: String
    var port: Int
    var timeout: Double?
    var connectRetries: Int
    var logLevel: ClientLogger.Level
    var dryRun: Bool
    var serverMode: Bool
    var batchMode: Bool
    var plugin: String?

    static let syntax = CommandSyntax(arguments: [
        .option(
            "-s",
            destination: "server_addr",
            defaultValue: "/var/tmp/spdk.sock",
            help: "RPC Unix socket path or IP address"
        ),
        .option(
            "-p",
            type: .integer,
            destination: "port",
            defaultValue: 5260,
            help: "RPC port, when -s is an IP address"
        ),
        .option("-t", type: .float, destination: "timeout", help: "Seconds to wait for each response (default 60.0)"),
        .option(
            "-r",
            type: .integer,
            destination: "conn_retries",
            defaultValue: 0,
            help: "Retry connecting N times, 0.2 s apart (default 0)"
        ),
        ArgumentSpec(
            destination: "verbose",
            optionStrings: ["-v"],
            action: .storeConstant("INFO"),
            choices: nil,
            isRequired: false,
            isOptionalPositional: false,
            defaultValue: "ERROR",
            metavar: nil,
            help: "Log at INFO level"
        ),
        .option("--verbose", destination: "verbose", choices: ["DEBUG", "INFO", "ERROR"], help: "Log level"),
        .flag("--dry-run", help: "Print the requests instead of sending them"),
        .flag("--go-client", help: "Accepted for compatibility; the built-in client is used"),
        .flag(
            "--server",
            destination: "is_server",
            help: "Run each stdin line as a separate invocation, ending its output with **STATUS=0 or **STATUS=1"
        ),
        ArgumentSpec(
            destination: "batch_mode",
            optionStrings: ["-b", "--batch-mode", "--no-batch-mode"],
            action: .booleanOptional,
            choices: nil,
            isRequired: false,
            isOptionalPositional: false,
            defaultValue: .null,
            metavar: nil,
            help: "Send the stdin commands as one JSON-RPC batch"
        ),
        .option("--plugin", destination: "rpc_plugin", help: "Plugin module (not supported)"),
    ])

    init(_ parsed: ParsedArguments) {
        serverAddress = parsed["server_addr"].stringValue ?? "/var/tmp/spdk.sock"
        port = parsed["port"].int64Value.map { Int(truncatingIfNeeded: $0) } ?? 5260
        switch parsed["timeout"] {
        case .double(let seconds): timeout = seconds
        default: timeout = nil
        }
        connectRetries = parsed["conn_retries"].int64Value.map { Int(truncatingIfNeeded: $0) } ?? 0
        logLevel = ClientLogger.Level(name: parsed["verbose"].stringValue ?? "ERROR") ?? .error
        dryRun = parsed["dry_run"].boolValue ?? false
        serverMode = parsed["is_server"].boolValue ?? false
        batchMode = parsed["batch_mode"].boolValue ?? false
        plugin = parsed["rpc_plugin"].stringValue
    }

    /// A client for these options.
    func makeClient() throws(RPCClientError) -> RPCClient {
        if dryRun {
            return RPCClient(dryRunWithBatchMode: batchMode)
        }
        return try RPCClient(
            address: serverAddress,
            port: port,
            timeout: timeout,
            retries: connectRetries,
            logLevel: logLevel,
            batchMode: batchMode
        )
    }
}
