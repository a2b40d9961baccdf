import Glibc
import JSONRPC

/// The iscsi-rpc program: parses a command line the way rpc.py does and runs it.
struct CommandLineTool {
    /// The program name shown in usage lines.
    let programName: String
    let width: Int

    init(programName: String) {
        self.programName = programName
        self.width = Self.terminalWidth() - 2
    }

    /// One fully parsed invocation: the global options and, when a method was named, its command.
    struct Invocation {
        var options: GlobalOptions
        var command: (RPCCommand, ParsedArguments)?
    }

    /// A parse that ended the program: help was printed (status 0) or a usage error (status 2).
    struct ParseExit: Error {
        var status: Int32
    }

    // MARK: - Parsing

    /// Parses global options, the method name and the method's arguments; prints help or a usage
    /// error and throws `ParseExit` like argparse's `parse_args`.
    func parse(_ arguments: [String]) throws(ParseExit) -> Invocation {
        let global: ArgparseParser.Result
        do {
            global = try ArgparseParser(syntax: GlobalOptions.syntax).parse(arguments, stoppingAtFirstPositional: true)
        } catch {
            throw report(error, usage: mainUsage, prog: programName, help: mainHelp)
        }
        var extras = global.extras
        var command: (RPCCommand, ParsedArguments)?
        if let name = global.remainder.first {
            guard let found = CommandTable.command(named: name) else {
                let choices = CommandTable.all.map { "'\($0.name)'" }.joined(separator: ", ")
                let error = UsageError(message: "argument : invalid choice: '\(name)' (choose from \(choices))")
                throw report(error, usage: mainUsage, prog: programName, help: mainHelp)
            }
            let prog = commandProg(found)
            let formatter = HelpFormatter(prog: prog, width: width)
            do {
                let result = try ArgparseParser(syntax: found.syntax).parse(Array(global.remainder.dropFirst()))
                extras += result.extras
                command = (found, result.arguments)
            } catch {
                throw report(
                    error,
                    usage: formatter.usage(for: found.syntax),
                    prog: prog,
                    help: formatter.help(for: found.syntax, description: found.summary)
                )
            }
        }
        if !extras.isEmpty {
            let error = UsageError(message: "unrecognized arguments: " + extras.joined(separator: " "))
            throw report(error, usage: mainUsage, prog: programName, help: mainHelp)
        }
        return Invocation(options: GlobalOptions(global.arguments), command: command)
    }

    private func report(_ error: any Error, usage: String, prog: String, help: String) -> ParseExit {
        if error is HelpRequested {
            Console.write(help)
            return ParseExit(status: 0)
        }
        let message = (error as? UsageError)?.message ?? "\(error)"
        Console.err(usage)
        Console.err("\(prog): error: \(message)")
        return ParseExit(status: 2)
    }

    private func commandProg(_ command: RPCCommand) -> String {
        "\(programName) [options] \(command.name)"
    }

    private var mainUsage: String { "usage: \(programName) [options]" }

    /// The top-level `--help`: usage, the method list and the global options.
    var mainHelp: String {
        let formatter = HelpFormatter(prog: programName, width: width)
        let text = mainUsage + "\n\niSCSI target RPC command line interface (rpc.py compatible)\n"
        let commands = CommandTable.all.map { (name: $0.name, summary: $0.summary) }
        return text + formatter.argumentSections(for: GlobalOptions.syntax, commands: commands)
    }

    // MARK: - Running

    /// Runs the program and returns its exit status.
    func run(_ arguments: [String]) -> Int32 {
        let invocation: Invocation
        do {
            invocation = try parse(arguments)
        } catch {
            return error.status
        }
        if invocation.command == nil && isatty(STDIN_FILENO) == 1 {
            Console.write(mainHelp)
            return 1
        }
        let options = invocation.options
        if let plugin = options.plugin {
            Console.out("Module \(plugin) not found")
        }
        if options.serverMode {
            ScriptRunner(tool: self).serve()
            return 0
        }
        let client: RPCClient
        do {
            client = try options.makeClient()
        } catch {
            Console.out(error.message)
            return 1
        }
        let context = CommandContext(client: client, printsResults: !options.dryRun)
        guard let (command, parsed) = invocation.command else {
            return ScriptRunner(tool: self).runScript(context: context, batch: options.batchMode)
        }
        do {
            try command.run(context, parsed)
            return 0
        } catch {
            return Self.reportFailure(error)
        }
    }

    /// Prints a command failure the way rpc.py's `main` does and returns the exit status.
    static func reportFailure(_ error: any Error) -> Int32 {
        switch error {
        case let failure as RPCClientError:
            Console.out(failure.message)
        case let abort as CommandAbort where abort.printsToStandardOutput:
            Console.out(abort.message)
        case let abort as CommandAbort:
            Console.err(abort.message)
        default:
            Console.err("\(error)")
        }
        return 1
    }

    /// `shutil.get_terminal_size().columns`: `$COLUMNS`, else the terminal's width, else 80.
    private static func terminalWidth() -> Int {
        if let text = getenv("COLUMNS").map({ String(cString: $0) }), let columns = Int(text), columns > 0 {
            return columns
        }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return 80
    }
}
