import JSONRPC

/// rpc.py's stdin modes: a script of command lines over one connection (`execute_script`), and
/// `--server`, where every line is a separate invocation answered with a `**STATUS=` line.
struct ScriptRunner {
    let tool: CommandLineTool

    /// Runs each non-empty, non-comment stdin line over the shared client; returns the exit status.
    func runScript(context: CommandContext, batch: Bool) -> Int32 {
        if batch {
            Console.err("WARNING: Batch mode is experimental. Some RPCs may not work correctly in batch mode.")
        }
        var executed = ""
        while let line = readLine(strippingNewline: true).map(Self.rstrip) {
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            executed += "\n" + line
            let words: [String]
            do {
                words = try ShellWords.split(line)
            } catch {
                Console.err("ValueError: No closing quotation")
                return 1
            }
            if words.first?.first == "#" { continue }
            let invocation: CommandLineTool.Invocation
            do {
                invocation = try tool.parse(words)
            } catch {
                return error.status
            }
            guard let (command, parsed) = invocation.command else {
                Console.err("AttributeError: 'Namespace' object has no attribute 'func'")
                return 1
            }
            do {
                try command.run(context, parsed)
            } catch let failure as RPCClientError {
                Console.out("Exception:")
                Console.out(Self.strip(executed) + " <<<")
                Console.out(failure.message)
                return 1
            } catch {
                return CommandLineTool.reportFailure(error)
            }
        }
        return batch ? finishBatch(context.client) : 0
    }

    /// Sends the collected batch and prints its results (stdout) and errors (stderr).
    private func finishBatch(_ client: RPCClient) -> Int32 {
        do {
            guard try client.sendBatch() else { return 0 }
            let response = try client.receive()
            guard case .array(let responses) = response else {
                throw RPCClientError(
                    message: "Expected batch response array, got: <class '\(Self.pythonType(response))'>"
                )
            }
            var errors: [JSONValue] = []
            for item in responses {
                if let error = item.objectValue?["error"] {
                    errors.append(error)
                } else if let result = item.objectValue?["result"], result != .null {
                    Console.out(PythonJSON.dumps(result, indent: 2))
                }
            }
            for error in errors {
                Console.err(PythonJSON.dumps(error, indent: 2))
            }
            return errors.isEmpty ? 0 : 1
        } catch let failure as RPCClientError {
            Console.out("Exception:")
            Console.out(failure.message)
            return 1
        } catch {
            return CommandLineTool.reportFailure(error)
        }
    }

    /// `--server`: each line is parsed with its own global options and run over a new connection.
    func serve() {
        while let line = readLine(strippingNewline: true) {
            guard let words = try? ShellWords.split(line),
                let invocation = try? tool.parse(words),
                let (command, parsed) = invocation.command
            else {
                Console.out("**STATUS=1")
                Console.flush()
                continue
            }
            do {
                let client = try invocation.options.makeClient()
                try command.run(CommandContext(client: client, printsResults: true), parsed)
                Console.out("**STATUS=0")
            } catch let failure as RPCClientError {
                Console.out(failure.message)
                Console.out("**STATUS=1")
            } catch {
                _ = CommandLineTool.reportFailure(error)
                Console.out("**STATUS=1")
            }
            Console.flush()
        }
    }

    private static func rstrip(_ line: String) -> String {
        String(line.reversed().drop { $0.isWhitespace }.reversed())
    }

    private static func strip(_ text: String) -> String {
        rstrip(String(text.drop { $0.isWhitespace }))
    }

    private static func pythonType(_ value: JSONValue) -> String {
        switch value {
        case .object: "dict"
        case .string: "str"
        case .integer, .unsignedInteger: "int"
        case .double: "float"
        case .bool: "bool"
        case .null: "NoneType"
        case .array: "list"
        }
    }
}
