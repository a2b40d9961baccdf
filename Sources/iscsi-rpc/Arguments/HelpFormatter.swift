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

    /// The `positional arguments:` (when there are any) and `options:` sections of the help.
    func argumentSections(for syntax: CommandSyntax) -> String {
        var text = ""
        let positionals = syntax.positionals
        if !positionals.isEmpty {
            text += "\npositional arguments:\n"
            text += positionals.map { entry(invocation: $0.valueMetavar, help: $0.help) }.joined()
        }
        text += "\noptions:\n"
        text += syntax.allArguments.filter { !$0.isPositional }.map { entry(invocation: invocation($0), help: $0.help) }
            .joined()
        return text
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

    /// The sub-command list of the top-level help: one entry per name, indented like argparse's.
    func commandList(_ commands: [(name: String, summary: String)]) -> String {
        commands.map { entry(invocation: $0.name, help: $0.summary, indent: 4) }.joined()
    }

    /// One `  invocation   help` entry, help wrapped at `width` and aligned like argparse (column ≤ 24).
    private func entry(invocation: String, help: String, indent: Int = 2) -> String {
        let helpColumn = min(24, max(width - 20, 11))
        let helpWidth = max(width - helpColumn, 11)
        let helpLines = Self.wrapText(help, width: helpWidth)
        let pad = String(repeating: " ", count: helpColumn)
        let head = String(repeating: " ", count: indent) + invocation
        var text: String
        var remaining = helpLines[...]
        if head.count <= helpColumn - 2, let first = remaining.first {
            text = head + String(repeating: " ", count: helpColumn - head.count) + first + "\n"
            remaining = remaining.dropFirst()
        } else {
            text = head + "\n"
        }
        for line in remaining {
            text += pad + line + "\n"
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
