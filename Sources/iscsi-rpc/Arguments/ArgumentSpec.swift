import JSONRPC

/// How one command-line string becomes a value, mirroring the `type=` callables rpc.py hands to argparse.
enum ArgumentValueType: Sendable {
    /// The string itself.
    case string
    /// Python `int(text)`: optional sign, decimal digits, surrounding whitespace allowed.
    case integer
    /// Python `float(text)`.
    case float
    /// Python `text.split(sep=separator)`: every separator splits, empty pieces are kept.
    case split(separator: Character)

    /// The name argparse shows in "invalid <name> value" errors.
    var pythonName: String {
        switch self {
        case .string: "str"
        case .integer: "int"
        case .float: "float"
        case .split: "split"
        }
    }

    /// Converts `text`, or returns nil when Python would raise `ValueError`.
    func convert(_ text: String) -> JSONValue? {
        switch self {
        case .string:
            return .string(text)
        case .integer:
            return PythonNumberParser.integer(text)
        case .float:
            return PythonNumberParser.float(text).map(JSONValue.double)
        case .split(let separator):
            let pieces = text.split(separator: separator, omittingEmptySubsequences: false)
            return .array(pieces.map { .string(String($0)) })
        }
    }
}

/// What argparse does when an argument is seen.
enum ArgumentAction: Sendable {
    /// Stores one converted value (`action='store'`).
    case store(ArgumentValueType)
    /// Stores a fixed value (`action='store_const'`; `store_true` stores `true` over a `false` default).
    case storeConstant(JSONValue)
    /// `--name` stores `true`, `--no-name` stores `false` (`argparse.BooleanOptionalAction`).
    case booleanOptional
    /// Appends one converted value to a list (`action='append'`).
    case append(ArgumentValueType)

    /// Whether the argument consumes one value string.
    var takesValue: Bool {
        switch self {
        case .store, .append: true
        case .storeConstant, .booleanOptional: false
        }
    }
}

/// One argparse argument of a command: a positional or an option with its short and long names.
struct ArgumentSpec: Sendable {
    /// The key under which the parsed value is stored (argparse `dest`).
    var destination: String
    /// The option strings, e.g. `["-o", "--nop-timeout"]`; empty for a positional.
    var optionStrings: [String]
    var action: ArgumentAction
    /// Allowed values after conversion, in the order shown in usage.
    var choices: [JSONValue]?
    var isRequired: Bool
    /// A positional with `nargs='?'`.
    var isOptionalPositional: Bool
    /// The value when the argument is absent; `.null` is Python's `None` (the parameter is then not sent).
    var defaultValue: JSONValue
    var metavar: String?
    var help: String

    var isPositional: Bool { optionStrings.isEmpty }

    /// The name used in error messages: `-d/--disable-chap` for options, the metavar or dest for positionals.
    var displayName: String {
        if isPositional {
            return metavar ?? destination
        }
        return optionStrings.joined(separator: "/")
    }

    /// The value placeholder shown in usage and help, e.g. `NOP_TIMEOUT`, `{0,1,2,3}` or `name`.
    var valueMetavar: String {
        if let metavar { return metavar }
        if let choicesMetavar { return choicesMetavar }
        return isPositional ? destination : destination.uppercased()
    }

    private var choicesMetavar: String? {
        guard let choices else { return nil }
        return "{" + choices.map(ArgumentSpec.pythonString).joined(separator: ",") + "}"
    }

    /// Python's `str()` of a parsed value, as used in choice lists.
    static func pythonString(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        default: value.compactText()
        }
    }

    /// Python's `repr()` of a parsed value, as used in "invalid choice" errors.
    static func pythonRepr(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "'" + text + "'"
        default: value.compactText()
        }
    }
}

extension ArgumentSpec {
    /// A required positional argument.
    static func positional(
        _ destination: String,
        _ type: ArgumentValueType = .string,
        choices: [JSONValue]? = nil,
        help: String
    ) -> ArgumentSpec {
        ArgumentSpec(
            destination: destination,
            optionStrings: [],
            action: .store(type),
            choices: choices,
            isRequired: true,
            isOptionalPositional: false,
            defaultValue: .null,
            metavar: nil,
            help: help
        )
    }

    /// A positional that may be left out (`nargs='?'`); its default is `None`.
    static func optionalPositional(
        _ destination: String,
        _ type: ArgumentValueType = .string,
        help: String
    ) -> ArgumentSpec {
        ArgumentSpec(
            destination: destination,
            optionStrings: [],
            action: .store(type),
            choices: nil,
            isRequired: false,
            isOptionalPositional: true,
            defaultValue: .null,
            metavar: nil,
            help: help
        )
    }

    /// An option taking one value. The destination defaults to the long name with `-` turned into `_`.
    static func option(
        _ names: String...,
        type: ArgumentValueType = .string,
        destination: String? = nil,
        choices: [JSONValue]? = nil,
        required: Bool = false,
        defaultValue: JSONValue = .null,
        help: String
    ) -> ArgumentSpec {
        ArgumentSpec(
            destination: destination ?? defaultDestination(names),
            optionStrings: names,
            action: .store(type),
            choices: choices,
            isRequired: required,
            isOptionalPositional: false,
            defaultValue: defaultValue,
            metavar: nil,
            help: help
        )
    }

    /// A `store_true` flag: sent as `false` when absent.
    static func flag(_ names: String..., destination: String? = nil, help: String) -> ArgumentSpec {
        ArgumentSpec(
            destination: destination ?? defaultDestination(names),
            optionStrings: names,
            action: .storeConstant(true),
            choices: nil,
            isRequired: false,
            isOptionalPositional: false,
            defaultValue: false,
            metavar: nil,
            help: help
        )
    }

    /// A `--name/--no-name` switch (`BooleanOptionalAction`).
    static func toggle(
        _ name: String,
        destination: String? = nil,
        required: Bool = false,
        defaultValue: JSONValue = .null,
        help: String
    ) -> ArgumentSpec {
        let negated = "--no-" + name.dropFirst(2)
        return ArgumentSpec(
            destination: destination ?? defaultDestination([name]),
            optionStrings: [name, negated],
            action: .booleanOptional,
            choices: nil,
            isRequired: required,
            isOptionalPositional: false,
            defaultValue: defaultValue,
            metavar: nil,
            help: help
        )
    }

    /// An option that may repeat, collecting its values into a list (`action='append'`).
    static func repeated(
        _ names: String...,
        destination: String? = nil,
        metavar: String? = nil,
        help: String
    ) -> ArgumentSpec {
        ArgumentSpec(
            destination: destination ?? defaultDestination(names),
            optionStrings: names,
            action: .append(.string),
            choices: nil,
            isRequired: false,
            isOptionalPositional: false,
            defaultValue: .null,
            metavar: metavar,
            help: help
        )
    }

    /// argparse's rule: the first long option string, else the first short one, without dashes.
    private static func defaultDestination(_ names: [String]) -> String {
        let chosen = names.first { $0.hasPrefix("--") } ?? names[0]
        return String(chosen.drop { $0 == "-" }.map { $0 == "-" ? "_" : $0 })
    }
}
