import JSONRPC

/// Application, framework and log commands (rpc.py `cli/app.py`, `cli/log.py`, `cli/misc.py`).
enum FrameworkCommands {
    static let logLevels: [JSONValue] = ["ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"]
    static let signalNames: [JSONValue] = ["SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGKILL", "SIGUSR1"]

    static let all: [RPCCommand] = [
        .rpc(
            "rpc_get_methods",
            "List the RPC methods the server offers",
            arguments: [
                .flag("-c", "--current", help: "Only methods callable in the current RPC state (default false)"),
                .flag("-i", "--include-aliases", help: "Also list deprecated aliases (default false)"),
            ],
            params: ["current", "include_aliases"],
            output: .dict
        ),
        .rpc(
            "spdk_kill_instance",
            "Send a signal to the application",
            arguments: [.positional("sig_name", choices: signalNames, help: "Signal name")],
            params: ["sig_name"]
        ),
        .rpc("spdk_get_version", "Show the application version", output: .json),
        .rpc("framework_start_init", "Finish start-up: initialise all subsystems"),
        .rpc("framework_wait_init", "Wait until the subsystems are initialised"),
        .rpc("framework_get_reactors", "Show the reactors and their threads", output: .dict),
        .rpc("thread_get_stats", "Show per-thread statistics", output: .dict),
        .rpc(
            "framework_get_subsystems",
            "List the subsystems in initialisation order with their dependencies",
            output: .dict
        ),
        .rpc(
            "framework_get_config",
            "Show one subsystem's configuration",
            arguments: [
                .positional("name", help: "Subsystem name"),
                .toggle(
                    "--with-batches",
                    defaultValue: false,
                    help: "Keep batch arrays instead of flattening them (default: flatten)"
                ),
            ],
            params: ["name", "with_batches"],
            output: .dict
        ),
        .rpc(
            "log_set_flag",
            "Enable a log component",
            arguments: [.positional("flag", help: "Component name, or \"all\"")],
            params: ["flag"]
        ),
        .rpc(
            "log_clear_flag",
            "Disable a log component",
            arguments: [.positional("flag", help: "Component name, or \"all\"")],
            params: ["flag"]
        ),
        .rpc("log_get_flags", "Show every log component and whether it is enabled", output: .dict),
        .rpc(
            "log_set_level",
            "Set the level of messages that are logged",
            arguments: [.positional("level", choices: logLevels, help: "Level")],
            params: ["level"]
        ),
        .rpc("log_get_level", "Show the log level", output: .dict),
        .rpc(
            "log_set_print_level",
            "Set the level of messages that are printed",
            arguments: [.positional("level", choices: logLevels, help: "Level")],
            params: ["level"]
        ),
        .rpc("log_get_print_level", "Show the print level", output: .dict),
    ]
}
