/// Reads `iscsi_tgt`'s arguments with getopt_long's grammar and SPDK's per-option checks.
///
/// Grammar: `-m 0x3`, `-m0x3`, clustered flags (`-du`), `--cpumask=0x3`, `--cpumask 0x3`, unambiguous
/// long-name prefixes (`--wait`), `--` ends the options; other words are ignored, as getopt leaves them.
struct CommandLineParser {
    /// The names `-L` accepts (besides `all`).
    var knownLogFlags: Set<String>

    init(knownLogFlags: some Sequence<String>) {
        self.knownLogFlags = Set(knownLogFlags)
    }

    /// Parses the arguments after the program name.
    func parse(_ arguments: [String]) -> CommandLineOutcome {
        var options = AppOptions()
        var state = ParseState()
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" { break }
            let occurrences: [(AppOption, String?)]
            do {
                if word.hasPrefix("--") {
                    occurrences = [try longOption(word.dropFirst(2), arguments, &index)]
                } else if word.hasPrefix("-"), word.count > 1 {
                    occurrences = try shortOptions(word.dropFirst(), arguments, &index)
                } else {
                    continue
                }
                for (option, value) in occurrences {
                    if let outcome = try apply(option, value: value, to: &options, state: &state) {
                        return outcome
                    }
                }
            } catch {
                return .failure(error.message)
            }
        }
        return .run(options)
    }

    private struct ParseState {
        var sawPCIAllowed = false
        var sawPCIBlocked = false
        var sawCoreMask = false
        var sawLcores = false
    }

    private struct Failure: Error {
        var message: String
    }

    private func longOption(
        _ text: Substring,
        _ arguments: [String],
        _ index: inout Int
    ) throws(Failure) -> (AppOption, String?) {
        let name = text.prefix { $0 != "=" }
        let attached = name.endIndex < text.endIndex ? String(text[text.index(after: name.endIndex)...]) : nil
        let named = AppOption.allCases.filter { $0.longName != nil }
        let option: AppOption
        if let exact = named.first(where: { $0.longName == String(name) }) {
            option = exact
        } else {
            let candidates = named.filter { $0.longName?.hasPrefix(name) == true }
            guard !name.isEmpty, let first = candidates.first else {
                throw Failure(message: "unrecognized option '--\(name)'")
            }
            guard candidates.count == 1 else {
                throw Failure(message: "option '--\(name)' is ambiguous")
            }
            option = first
        }
        if !option.takesValue {
            guard attached == nil else {
                throw Failure(message: "option '\(option.displayName)' doesn't allow an argument")
            }
            return (option, nil)
        }
        if let attached { return (option, attached) }
        guard index < arguments.count else {
            throw Failure(message: "option '\(option.displayName)' requires an argument")
        }
        index += 1
        return (option, arguments[index - 1])
    }

    private func shortOptions(
        _ letters: Substring,
        _ arguments: [String],
        _ index: inout Int
    ) throws(Failure) -> [(AppOption, String?)] {
        var found: [(AppOption, String?)] = []
        var position = letters.startIndex
        while position < letters.endIndex {
            let letter = letters[position]
            position = letters.index(after: position)
            guard let option = AppOption.allCases.first(where: { $0.shortName == letter }) else {
                throw Failure(message: "invalid option -- '\(letter)'")
            }
            guard option.takesValue else {
                found.append((option, nil))
                continue
            }
            if position < letters.endIndex {
                found.append((option, String(letters[position...])))
            } else {
                guard index < arguments.count else {
                    throw Failure(message: "option requires an argument -- '\(letter)'")
                }
                found.append((option, arguments[index]))
                index += 1
            }
            break
        }
        return found
    }

    /// Records one option; returns an outcome when parsing stops here (help, version).
    private func apply(
        _ option: AppOption,
        value: String?,
        to options: inout AppOptions,
        state: inout ParseState
    ) throws(Failure) -> CommandLineOutcome? {
        let value = value ?? ""
        switch option {
        case .help:
            return .showUsage
        case .version:
            return .showVersion
        case .config, .json:
            options.configFile = value
        case .configAutosave:
            options.configAutosavePath = value
        case .jsonIgnoreInitErrors:
            options.ignoreConfigErrors = true
        case .rpcSocket:
            options.rpcSocketPath = value
        case .noRPCServer:
            options.rpcSocketPath = nil
        case .waitForRPC:
            options.waitForRPC = true
        case .stateDir:
            options.stateDirectory = value
        case .metrics:
            guard let endpoint = MetricsEndpoint(parsing: value) else {
                throw Failure(message: "Invalid --metrics address \(value): expected HOST:PORT")
            }
            options.metricsEndpoint = endpoint
        case .rpcsAllowed:
            let names = value.split(separator: ",").map(String.init)
            guard !names.isEmpty else { throw Failure(message: "Invalid --rpcs-allowed argument") }
            options.rpcsAllowed = Set(names)
        case .cpumask:
            guard !state.sawLcores else {
                throw Failure(message: "lcore map and core mask can't be set simultaneously")
            }
            state.sawCoreMask = true
            options.coreMask = value
        case .lcores:
            guard !state.sawCoreMask else {
                throw Failure(message: "lcore map and core mask can't be set simultaneously")
            }
            state.sawLcores = true
            options.coreMask = LcoreMap.coreList(value)
        case .mainCore:
            guard let core = SPDKNumber.nonNegative(value) else { throw Failure(message: "Invalid main core \(value)") }
            options.mainCore = core
        case .memSize:
            guard let size = SPDKNumber.capacityInMiB(value) else {
                throw Failure(message: "invalid memory pool size `-s \(value)`")
            }
            options.memorySizeMiB = size
        case .shmID:
            let negative = value.hasPrefix("-")
            guard let magnitude = SPDKNumber.nonNegative(negative ? String(value.dropFirst()) : value) else {
                throw Failure(message: "Invalid shared memory ID \(value)")
            }
            options.sharedMemoryID = negative ? -magnitude : magnitude
        case .logFlag:
            guard value == "all" || knownLogFlags.contains(value) else {
                throw Failure(message: "unknown flag: \(value)")
            }
            options.logFlags.append(value)
        case .tpointGroup:
            options.tracepointGroups = value
        case .silenceNoticeLog:
            options.silenceNoticeLog = true
        case .daemonize:
            options.daemonize = true
        case .disableCPUMaskLocks:
            options.disableCoreLocks = true
        case .memChannels:
            guard SPDKNumber.nonNegative(value) != nil else {
                throw Failure(message: "Invalid memory channel \(value)")
            }
        case .numTraceEntries:
            guard let entries = SPDKNumber.nonNegative(value) else {
                throw Failure(message: "Invalid num-trace-entries \(value)")
            }
            guard entries & (entries - 1) == 0 else { throw Failure(message: "num-trace-entries must be power of 2") }
        case .baseVirtaddr:
            guard let address = SPDKNumber.nonNegative(value), address > 0 else {
                throw Failure(message: "Invalid base-virtaddr \(value)")
            }
        case .msgMempoolSize:
            guard let size = SPDKNumber.nonNegative(value, base: 10), size > 0 else {
                throw Failure(message: "Invalid message memory pool size \(value)")
            }
        case .pciAllowed, .pciBlocked:
            let allowed = option == .pciAllowed
            guard !(allowed ? state.sawPCIBlocked : state.sawPCIAllowed) else {
                throw Failure(message: "-B and -A cannot be used at the same time")
            }
            if allowed { state.sawPCIAllowed = true } else { state.sawPCIBlocked = true }
        case .limitCoredump, .singleFileSegments, .noPCI, .hugeUnlink, .interruptMode, .hugeDir, .iovaMode,
            .envContext, .vfioVFToken, .noHuge, .enforceNUMA:
            break
        }
        return nil
    }
}
