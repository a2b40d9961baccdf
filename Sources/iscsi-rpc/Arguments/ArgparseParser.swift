import JSONRPC

/// Parses a command's argument strings with Python argparse's rules (3.11), so the same command
/// lines are accepted and rejected as by rpc.py: options before or after positionals, `-xVALUE`,
/// `--long=VALUE`, clustered short flags, unique long-option prefixes, negative numbers as values,
/// `--`, mutually exclusive groups, choices and required arguments.
struct ArgparseParser {
    let syntax: CommandSyntax

    /// One classified argument string.
    private enum Token {
        /// A value or positional string.
        case value(String)
        /// A known option, with a value glued to it (`-o5`, `--nop-timeout=5`).
        case option(ArgumentSpec, optionString: String, explicitValue: String?)
        /// An option string nobody defines; it ends up in the extras.
        case unknown(String)
    }

    /// The parse outcome: the values, the strings argparse could not place (`parse_known_args`), and
    /// when parsing stopped at the first positional, that positional and everything after it.
    struct Result {
        var arguments: ParsedArguments
        var extras: [String]
        var remainder: [String]
    }

    init(syntax: CommandSyntax) {
        self.syntax = syntax
    }

    /// Parses `strings`, throwing `UsageError` or `HelpRequested` like argparse would exit.
    /// With `stoppingAtFirstPositional` (rpc.py's global options before the method name) the first
    /// positional string and all that follow are returned untouched in `remainder`.
    func parse(_ strings: [String], stoppingAtFirstPositional: Bool = false) throws -> Result {
        var state = ParseState(syntax: syntax)
        var cursor = Cursor(strings: strings)
        while let token = try cursor.peek(classify) {
            if cursor.onlyValues, !cursor.reportedSeparator {
                cursor.reportedSeparator = true
                if state.pendingPositionals.isEmpty {
                    state.extras.append("--")
                }
            }
            switch token {
            case .value:
                if stoppingAtFirstPositional {
                    let remainder = Array(strings[cursor.index...])
                    return Result(
                        arguments: ParsedArguments(values: state.values),
                        extras: state.extras,
                        remainder: remainder
                    )
                }
                var chunk: [String] = []
                while case .value(let text)? = try cursor.peek(classify) {
                    chunk.append(text)
                    cursor.advance()
                }
                let used = try state.consumePositionals(chunk)
                state.extras.append(contentsOf: chunk[used...])
            case .unknown(let text):
                state.extras.append(text)
                cursor.advance()
            case .option(let spec, let optionString, let explicitValue):
                cursor.advance()
                try consumeOption(
                    spec,
                    optionString: optionString,
                    explicitValue: explicitValue,
                    cursor: &cursor,
                    state: &state
                )
            }
        }
        _ = try state.consumePositionals([])
        try state.checkRequired()
        return Result(arguments: ParsedArguments(values: state.values), extras: state.extras, remainder: [])
    }

    /// Walks the strings, classifying lazily; `--` is skipped and makes every later string a value.
    private struct Cursor {
        let strings: [String]
        var index = 0
        var onlyValues = false
        /// Whether the `--` seen has been accounted for: argparse lists it among the extras when no
        /// positional is left to absorb it.
        var reportedSeparator = false

        init(strings: [String]) {
            self.strings = strings
        }

        mutating func peek(_ classify: (String) throws -> Token) throws -> Token? {
            while index < strings.count, !onlyValues, strings[index] == "--" {
                onlyValues = true
                index += 1
            }
            guard index < strings.count else { return nil }
            return onlyValues ? .value(strings[index]) : try classify(strings[index])
        }

        mutating func advance() {
            index += 1
        }
    }

    // MARK: - Classification (`_parse_optional`)

    private func classify(_ text: String) throws -> Token {
        guard text.hasPrefix("-"), text.count > 1 else { return .value(text) }
        if let spec = spec(for: text) {
            return .option(spec, optionString: text, explicitValue: nil)
        }
        if let equals = text.firstIndex(of: "=") {
            let name = String(text[..<equals])
            if let spec = spec(for: name) {
                return .option(spec, optionString: name, explicitValue: String(text[text.index(after: equals)...]))
            }
        }
        let candidates = prefixMatches(text)
        if candidates.count > 1 {
            let names = candidates.map(\.optionString).joined(separator: ", ")
            throw UsageError(message: "ambiguous option: \(text) could match \(names)")
        }
        if let match = candidates.first {
            return .option(match.spec, optionString: match.optionString, explicitValue: match.explicitValue)
        }
        if Self.looksLikeNegativeNumber(text) || text.contains(" ") {
            return .value(text)
        }
        return .unknown(text)
    }

    private struct PrefixMatch {
        var spec: ArgumentSpec
        var optionString: String
        var explicitValue: String?
    }

    /// argparse's `_get_option_tuples`: long-option prefixes, or a short option with its value glued on.
    private func prefixMatches(_ text: String) -> [PrefixMatch] {
        var matches: [PrefixMatch] = []
        if text.hasPrefix("--") {
            var prefix = text
            var explicitValue: String?
            if let equals = text.firstIndex(of: "=") {
                prefix = String(text[..<equals])
                explicitValue = String(text[text.index(after: equals)...])
            }
            for spec in syntax.allArguments {
                for name in spec.optionStrings where name.hasPrefix(prefix) {
                    matches.append(PrefixMatch(spec: spec, optionString: name, explicitValue: explicitValue))
                }
            }
        } else {
            let shortName = String(text.prefix(2))
            let glued = String(text.dropFirst(2))
            for spec in syntax.allArguments {
                for name in spec.optionStrings {
                    if name == shortName {
                        matches.append(PrefixMatch(spec: spec, optionString: name, explicitValue: glued))
                    } else if name.hasPrefix(text) {
                        matches.append(PrefixMatch(spec: spec, optionString: name, explicitValue: nil))
                    }
                }
            }
        }
        return matches
    }

    private func spec(for optionString: String) -> ArgumentSpec? {
        syntax.allArguments.first { $0.optionStrings.contains(optionString) }
    }

    /// `^-\d+$|^-\d*\.\d+$`: such strings are values, since no option here looks like a number.
    private static func looksLikeNegativeNumber(_ text: String) -> Bool {
        let body = text.dropFirst()
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        if !body.isEmpty, body.allSatisfy(isDigit) { return true }
        guard let dot = body.firstIndex(of: ".") else { return false }
        let fraction = body[body.index(after: dot)...]
        return body[..<dot].allSatisfy(isDigit) && !fraction.isEmpty && fraction.allSatisfy(isDigit)
    }

    // MARK: - Options (`consume_optional`)

    private func consumeOption(
        _ spec: ArgumentSpec,
        optionString: String,
        explicitValue: String?,
        cursor: inout Cursor,
        state: inout ParseState
    ) throws {
        var spec = spec
        var optionString = optionString
        var explicitValue = explicitValue
        while let glued = explicitValue {
            if spec.action.takesValue {
                try state.take(spec, optionString: optionString, value: glued)
                return
            }
            let isShort = !optionString.hasPrefix("--")
            guard isShort, let next = glued.first else {
                throw UsageError(message: "argument \(spec.displayName): ignored explicit argument '\(glued)'")
            }
            try state.take(spec, optionString: optionString, value: nil)
            let nextName = "-" + String(next)
            guard let nextSpec = self.spec(for: nextName) else {
                throw UsageError(message: "argument \(spec.displayName): ignored explicit argument '\(glued)'")
            }
            spec = nextSpec
            optionString = nextName
            let rest = String(glued.dropFirst())
            explicitValue = rest.isEmpty ? nil : rest
        }
        guard spec.action.takesValue else {
            try state.take(spec, optionString: optionString, value: nil)
            return
        }
        guard case .value(let value)? = try cursor.peek(classify) else {
            throw UsageError(message: "argument \(spec.displayName): expected one argument")
        }
        cursor.advance()
        try state.take(spec, optionString: optionString, value: value)
    }
}

/// The mutable part of one parse: values seen so far and the positionals still to fill.
private struct ParseState {
    let syntax: CommandSyntax
    var values: [String: JSONValue] = [:]
    var extras: [String] = []
    var seen: Set<String> = []
    var pendingPositionals: [ArgumentSpec]

    init(syntax: CommandSyntax) {
        self.syntax = syntax
        self.pendingPositionals = syntax.positionals
        for spec in syntax.arguments where values[spec.destination] == nil {
            values[spec.destination] = spec.defaultValue
        }
    }

    /// Fills the pending positionals from a run of value strings; returns how many strings were used.
    mutating func consumePositionals(_ chunk: [String]) throws -> Int {
        var used = 0
        while let next = pendingPositionals.first {
            if used < chunk.count {
                try take(next, optionString: nil, value: chunk[used])
                used += 1
            } else if next.isOptionalPositional {
                seen.insert(next.destination)
            } else {
                break
            }
            pendingPositionals.removeFirst()
        }
        return used
    }

    /// argparse's `take_action`: convert, check choices and group conflicts, store.
    mutating func take(_ spec: ArgumentSpec, optionString: String?, value: String?) throws {
        if spec.destination == CommandSyntax.helpArgument.destination, !spec.isPositional {
            throw HelpRequested()
        }
        let converted = try convert(spec, optionString: optionString, value: value)
        seen.insert(spec.destination)
        if let group = syntax.exclusiveGroup(of: spec.destination) {
            for other in group where other != spec.destination && seen.contains(other) {
                let otherName = syntax.arguments.first { $0.destination == other }?.displayName ?? other
                throw UsageError(message: "argument \(spec.displayName): not allowed with argument \(otherName)")
            }
        }
        switch spec.action {
        case .append:
            var list = values[spec.destination]?.arrayValue ?? []
            list.append(converted)
            values[spec.destination] = .array(list)
        default:
            values[spec.destination] = converted
        }
    }

    private func convert(_ spec: ArgumentSpec, optionString: String?, value: String?) throws -> JSONValue {
        switch spec.action {
        case .storeConstant(let constant):
            return constant
        case .booleanOptional:
            return .bool(!(optionString ?? "").hasPrefix("--no-"))
        case .store(let type), .append(let type):
            let text = value ?? ""
            guard let converted = type.convert(text) else {
                throw UsageError(message: "argument \(spec.displayName): invalid \(type.pythonName) value: '\(text)'")
            }
            if let choices = spec.choices, !choices.contains(converted) {
                let list = choices.map(ArgumentSpec.pythonRepr).joined(separator: ", ")
                let shown = ArgumentSpec.pythonRepr(converted)
                throw UsageError(
                    message: "argument \(spec.displayName): invalid choice: \(shown) (choose from \(list))"
                )
            }
            return converted
        }
    }

    func checkRequired() throws {
        let missing = syntax.arguments.filter { $0.isRequired && !seen.contains($0.destination) }
        guard missing.isEmpty else {
            let names = missing.map(\.displayName).joined(separator: ", ")
            throw UsageError(message: "the following arguments are required: \(names)")
        }
    }
}
