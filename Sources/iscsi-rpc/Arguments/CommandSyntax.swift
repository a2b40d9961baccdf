import JSONRPC

/// The argparse description of one command: its arguments in definition order and its
/// mutually exclusive groups (each a list of destinations, contiguous in `arguments`).
struct CommandSyntax: Sendable {
    var arguments: [ArgumentSpec]
    var exclusiveGroups: [[String]]

    init(arguments: [ArgumentSpec], exclusiveGroups: [[String]] = []) {
        self.arguments = arguments
        self.exclusiveGroups = exclusiveGroups
    }

    /// The implicit `-h/--help` argument argparse adds first to every parser.
    static let helpArgument = ArgumentSpec(
        destination: "help",
        optionStrings: ["-h", "--help"],
        action: .storeConstant(true),
        choices: nil,
        isRequired: false,
        isOptionalPositional: false,
        defaultValue: false,
        metavar: nil,
        help: "show this help message and exit"
    )

    /// All arguments including `-h/--help`, in the order argparse keeps them.
    var allArguments: [ArgumentSpec] { [Self.helpArgument] + arguments }

    var positionals: [ArgumentSpec] { arguments.filter(\.isPositional) }

    /// The group containing `destination`, if any.
    func exclusiveGroup(of destination: String) -> [String]? {
        exclusiveGroups.first { $0.contains(destination) }
    }
}

/// The values argparse produced: destination → value, where `.null` stands for Python's `None`.
struct ParsedArguments: Sendable {
    var values: [String: JSONValue]

    subscript(_ destination: String) -> JSONValue {
        values[destination] ?? .null
    }
}

/// A command-line mistake, reported argparse style: usage, then `prog: error: message`, exit status 2.
struct UsageError: Error, Sendable {
    var message: String
}

/// `-h/--help` was given: the help text is printed and the program exits with status 0.
struct HelpRequested: Error, Sendable {}
