/// Renders argparse-style usage lines and help text for a command.
struct HelpFormatter {
    /// The program name as argparse shows it, e.g. `iscsi-rpc [options] iscsi_get_options`.
    var prog: String
    /// Total line width (argparse: terminal columns minus 2).
    var width: Int

    /// `usage: ...` wrapped exactly like argparse 3.11's `_format_usage`.
    func usage(for syntax: CommandSyntax) -> String {
        let prefix = "usage: "
        let optionalParts = optionalUsageParts(syntax)
        let positionalParts = syntax.positionals.map(positionalUsagePart)
        let oneLine = ([prog] + optionalParts + positionalParts).joined(separator: " ")
        guard prefix.count + oneLine.count > width else { return prefix + oneLine }

        let optionalWords = optionalParts.flatMap(Self.usageWords)
        let positionalWords = positionalParts.flatMap(Self.usageWords)
        var lines: [String]
        if Double(prefix.count + prog.count) <= 0.75 * Double(width) {
            let indent = String(repeating: " ", count: prefix.count + prog.count + 1)
            if !optionalWords.isEmpty {
                lines = wrap([prog] + optionalWords, indent: indent, prefix: prefix)
                lines += wrap(positionalWords, indent: indent, prefix: nil)
            } else if !positionalWords.isEmpty {
                lines = wrap([prog] + positionalWords, indent: indent, prefix: prefix)
            } else {
                lines = [prog]
            }
        } else {
            let indent = String(repeating: " ", count: prefix.count)
            lines = wrap(optionalWords + positionalWords, indent: indent, prefix: nil)
            if lines.count > 1 {
                lines =
                    wrap(optionalWords, indent: indent, prefix: nil)
                    + wrap(positionalWords, indent: indent, prefix: nil)
            }
            lines = [prog] + lines
        }
        return prefix + lines.joined(separator: "\n")
    }

    /// The full `-h` text: usage, description, positional arguments and options.
    func help(for syntax: CommandSyntax, description: String?) -> String {
        var text = usage(for: syntax) + "\n"
        if let description, !description.isEmpty {
            text += "\n" + description + "\n"
        }
        return text + argumentSections(for: syntax)
    }

    /// The `positional arguments:` and `options:` sections; `commands` (the top-level method list)
    /// are listed as positional entries indented one level deeper, as argparse lists sub-commands.
    func argumentSections(for syntax: CommandSyntax, commands: [(name: String, summary: String)] = []) -> String {
        let positionals =
            syntax.positionals.map { Entry(invocation: $0.valueMetavar, help: $0.help, indent: 2) }
            + commands.map { Entry(invocation: $0.name, help: $0.summary, indent: 4) }
        let options = syntax.allArguments.filter { !$0.isPositional }
            .map { Entry(invocation: invocation($0), help: $0.help, indent: 2) }
        // argparse: the help column follows the longest invocation, but never passes max_help_position.
        let longest = (positionals + options).map { $0.indent + $0.invocation.count }.max() ?? 0
        let column = min(longest + 2, min(24, max(width - 20, 4)))
        var text = ""
        if !positionals.isEmpty {
            text += "\npositional arguments:\n" + positionals.map { render($0, column: column) }.joined()
        }
        return text + "\noptions:\n" + options.map { render($0, column: column) }.joined()
    }

    // MARK: - Usage parts

    private func optionalUsageParts(_ syntax: CommandSyntax) -> [String] {
        var parts: [String] = []
        var handledGroups: Set<[String]> = []
        for spec in syntax.allArguments where !spec.isPositional {
            if let group = syntax.exclusiveGroup(of: spec.destination) {
                guard !handledGroups.contains(group) else { continue }
                handledGroups.insert(group)
                let members = group.compactMap { name in syntax.arguments.first { $0.destination == name } }
                parts.append("[" + members.map(bareOptionalPart).joined(separator: " | ") + "]")
            } else {
                let bare = bareOptionalPart(spec)
                parts.append(spec.isRequired ? bare : "[" + bare + "]")
            }
        }
        return parts
    }

    private func bareOptionalPart(_ spec: ArgumentSpec) -> String {
        switch spec.action {
        case .storeConstant: spec.optionStrings[0]
        case .booleanOptional: spec.optionStrings.joined(separator: " | ")
        case .store, .append: spec.optionStrings[0] + " " + spec.valueMetavar
        }
    }

    private func positionalUsagePart(_ spec: ArgumentSpec) -> String {
        spec.isOptionalPositional ? "[" + spec.valueMetavar + "]" : spec.valueMetavar
    }

    /// argparse re-splits parts with `\(.*?\)+(?=\s|$)|\[.*?\]+(?=\s|$)|\S+` before wrapping.
    private static func usageWords(_ part: String) -> [String] {
        if part.hasPrefix("[") && part.hasSuffix("]") { return [part] }
        return part.split(separator: " ").map(String.init)
    }

    private func wrap(_ words: [String], indent: String, prefix: String?) -> [String] {
        var lines: [String] = []
        var line: [String] = []
        var lineLength = (prefix?.count ?? indent.count) - 1
        for word in words {
            if lineLength + 1 + word.count > width && !line.isEmpty {
                lines.append(indent + line.joined(separator: " "))
                line = []
                lineLength = indent.count - 1
            }
            line.append(word)
            lineLength += word.count + 1
        }
        if !line.isEmpty {
            lines.append(indent + line.joined(separator: " "))
        }
        if prefix != nil, !lines.isEmpty {
            lines[0] = String(lines[0].dropFirst(indent.count))
        }
        return lines
    }

    // MARK: - Help entries

    private func invocation(_ spec: ArgumentSpec) -> String {
        switch spec.action {
        case .storeConstant, .booleanOptional:
            spec.optionStrings.joined(separator: ", ")
        case .store, .append:
            spec.optionStrings.map { $0 + " " + spec.valueMetavar }.joined(separator: ", ")
        }
    }

    private struct Entry {
        var invocation: String
        var help: String
        var indent: Int
    }

    /// One `  invocation   help` line group, help wrapped at `width` from `column`.
    private func render(_ entry: Entry, column: Int) -> String {
        let helpLines = Self.wrapText(entry.help, width: max(width - column, 11))
        let head = String(repeating: " ", count: entry.indent) + entry.invocation
        var text: String
        var remaining = helpLines[...]
        if head.count <= column - 2, let first = remaining.first {
            text = head + String(repeating: " ", count: column - head.count) + first + "\n"
            remaining = remaining.dropFirst()
        } else {
            text = head + "\n"
        }
        for line in remaining {
            text += String(repeating: " ", count: column) + line + "\n"
        }
        return text
    }

    private static func wrapText(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty || lines.isEmpty {
            lines.append(line)
        }
        return lines
    }
}
