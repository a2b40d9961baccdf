import JSONRPC

/// The client-side configuration commands of rpc.py (`rpc/config.py`): they are built from several
/// RPC calls rather than sent as one method.
enum ConfigCommands {
    private static let indent = ArgumentSpec.option(
        "-i",
        "--indent",
        type: .integer,
        defaultValue: 2,
        help: "Indent level; a negative value prints on one line (default 2)"
    )
    private static let withBatches = ArgumentSpec.toggle(
        "--with-batches",
        defaultValue: false,
        help: "Keep batch arrays (default: flatten them)"
    )
    private static let jsonConfig = ArgumentSpec.option(
        "-j",
        "--json-conf",
        help: "Configuration file, or JSON text (default: standard input)"
    )

    static let all: [RPCCommand] = [
        RPCCommand(
            name: "save_config",
            summary: "Print the live configuration of all subsystems, or of some and their dependencies",
            syntax: CommandSyntax(arguments: [
                indent,
                .option("-s", "--subsystems", help: "Comma-separated subsystems to save, with their dependencies"),
                withBatches,
            ])
        ) { context, parsed in
            let document = try ConfigurationSaver(client: context.client).save(
                subsystems: parsed["subsystems"].stringValue,
                withBatches: parsed["with_batches"]
            )
            Console.out(PythonJSON.dumps(document, indent: jsonIndent(parsed["indent"])))
        },
        RPCCommand(
            name: "save_subsystem_config",
            summary: "Print the live configuration of one subsystem",
            syntax: CommandSyntax(arguments: [
                indent,
                .option("-n", "--name", required: true, help: "Subsystem name"),
                withBatches,
            ])
        ) { context, parsed in
            let document = try ConfigurationSaver(client: context.client).saveSubsystem(
                name: parsed["name"],
                withBatches: parsed["with_batches"]
            )
            Console.out(PythonJSON.dumps(document, indent: jsonIndent(parsed["indent"])))
        },
        RPCCommand(
            name: "load_config",
            summary: "Apply a saved configuration, calling framework_start_init when it becomes possible",
            syntax: CommandSyntax(arguments: [
                .flag("-i", "--include-aliases", help: "Accept deprecated method aliases"),
                jsonConfig,
            ])
        ) { context, parsed in
            let document = try ConfigurationLoader.readDocument(parsed["json_conf"].stringValue)
            try ConfigurationLoader(client: context.client).load(
                document,
                includeAliases: parsed["include_aliases"].boolValue ?? false
            )
        },
        RPCCommand(
            name: "load_subsystem_config",
            summary: "Apply one subsystem's saved configuration in the current RPC state",
            syntax: CommandSyntax(arguments: [jsonConfig])
        ) { context, parsed in
            let document = try ConfigurationLoader.readDocument(parsed["json_conf"].stringValue)
            try ConfigurationLoader(client: context.client).loadSubsystem(document)
        },
    ]

    /// rpc.py's `json_dump` indent rule: `None` → 2, negative → single line.
    private static func jsonIndent(_ value: JSONValue) -> Int? {
        guard let indent = value.int64Value else { return 2 }
        return indent < 0 ? nil : Int(indent)
    }
}
