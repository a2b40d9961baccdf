import JSONRPC

/// One rpc.py sub-command: its argparse syntax and what it does with the parsed arguments.
/// The table of these drives parsing, `--help` and execution alike.
struct RPCCommand: Sendable {
    var name: String
    /// One line for the command list and the help description.
    var summary: String
    var syntax: CommandSyntax
    var run: @Sendable (CommandContext, ParsedArguments) throws -> Void
}

/// How rpc.py prints a method's result.
enum ResultOutput: Sendable {
    /// The result is ignored.
    case nothing
    /// `print_json`: indented JSON with surrounding quotes stripped (a returned name prints bare).
    case json
    /// `print_dict`: indented JSON.
    case dict
}

/// One member of a request's params, computed from the parsed arguments. rpc.py drops members whose
/// value is `None` (`.null`) and keeps `false`, `0` and empty lists.
struct ParamField: Sendable, ExpressibleByStringLiteral {
    var key: String
    var value: @Sendable (ParsedArguments) throws -> JSONValue

    init(_ key: String, value: @escaping @Sendable (ParsedArguments) throws -> JSONValue) {
        self.key = key
        self.value = value
    }

    /// The argument whose destination is `key`.
    init(stringLiteral key: String) {
        self.init(key) { $0[key] }
    }

    /// The argument stored under `destination`, sent as `key`.
    static func argument(_ key: String, from destination: String) -> ParamField {
        ParamField(key) { $0[destination] }
    }
}

/// A failure rpc.py does not catch (Python raises and dies with a traceback, exit status 1), or a
/// command that prints its own message and exits.
struct CommandAbort: Error, Sendable {
    /// The text printed: on stderr for an uncaught exception, on stdout for a deliberate exit.
    var message: String
    var printsToStandardOutput: Bool

    /// An uncaught Python exception, e.g. `ValueError: invalid literal for int() with base 10: 'x'`.
    static func exception(_ type: String, _ detail: String) -> CommandAbort {
        CommandAbort(message: type + ": " + detail, printsToStandardOutput: false)
    }
}

/// What a running command can use: the client and whether results are printed.
final class CommandContext {
    let client: RPCClient
    /// False under `--dry-run`, where rpc.py silences its print helpers.
    let printsResults: Bool

    init(client: RPCClient, printsResults: Bool) {
        self.client = client
        self.printsResults = printsResults
    }

    /// Prints `result` the way `output` says.
    func show(_ result: JSONValue, as output: ResultOutput) {
        guard printsResults else { return }
        switch output {
        case .nothing: break
        case .json: Console.out(PythonJSON.printJSONText(result))
        case .dict: Console.out(PythonJSON.dumps(result, indent: 2))
        }
    }
}

extension RPCCommand {
    /// A command that sends one request named like the command and prints the result per `output`.
    /// `check` runs first and may refuse the arguments the way the rpc.py function does.
    static func rpc(
        _ name: String,
        _ summary: String,
        arguments: [ArgumentSpec] = [],
        exclusive: [[String]] = [],
        params: [ParamField] = [],
        output: ResultOutput = .nothing,
        check: (@Sendable (ParsedArguments) throws -> Void)? = nil
    ) -> RPCCommand {
        RPCCommand(
            name: name,
            summary: summary,
            syntax: CommandSyntax(arguments: arguments, exclusiveGroups: exclusive)
        ) { context, parsed in
            try check?(parsed)
            var object = JSONObject()
            for field in params {
                object[field.key] = try field.value(parsed)
            }
            let result = try context.client.call(name, arguments: object)
            context.show(result, as: output)
        }
    }
}
