import Logging
import Synchronization

/// SPDK's log levels, most severe first, with the names the `log_*` methods use.
enum SPDKLogLevel: Int, CaseIterable, Comparable, Sendable {
    case error = 1
    case warning
    case notice
    case info
    case debug

    /// The RPC spelling: `ERROR`, `WARNING`, `NOTICE`, `INFO`, `DEBUG`.
    var name: String {
        switch self {
        case .error: "ERROR"
        case .warning: "WARNING"
        case .notice: "NOTICE"
        case .info: "INFO"
        case .debug: "DEBUG"
        }
    }

    init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    /// The level of a swift-log message (`critical` counts as ERROR, `trace` as DEBUG).
    init(_ level: Logger.Level) {
        switch level {
        case .critical, .error: self = .error
        case .warning: self = .warning
        case .notice: self = .notice
        case .info: self = .info
        case .debug, .trace: self = .debug
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The process-wide log configuration the `-L`, `--silence-noticelog` options and the `log_*`
/// methods change: the debug flags (one per component) and the two levels.
///
/// `level` is SPDK's syslog threshold; this target has no syslog, so it is kept and reported only.
/// `printLevel` filters what reaches stderr. A debug message is printed when its component's flag
/// is set and the print level is DEBUG.
final class LogSettings: Sendable {
    /// The components whose debug output can be switched on, in SPDK's (alphabetical) order.
    static let componentNames = [
        "accel", "app_config", "app_rpc", "bdev", "bdev_malloc", "bdev_null", "init", "iscsi", "iscsi_init",
        "json_util", "log_rpc", "notify", "reactor", "rpc", "scsi", "sock", "thread",
    ]

    private struct State {
        var level = SPDKLogLevel.notice
        var printLevel = SPDKLogLevel.info
        var enabledFlags: Set<String> = []
    }

    private let state = Mutex(State())

    init() {}

    /// The syslog threshold (default NOTICE).
    var level: SPDKLogLevel {
        get { state.withLock { $0.level } }
        set { state.withLock { $0.level = newValue } }
    }

    /// The stderr threshold (default INFO; WARNING with `--silence-noticelog`).
    var printLevel: SPDKLogLevel {
        get { state.withLock { $0.printLevel } }
        set { state.withLock { $0.printLevel = newValue } }
    }

    /// Sets or clears a component flag, or every flag for `all`; false when the name is unknown.
    @discardableResult
    func setFlag(_ name: String, enabled: Bool) -> Bool {
        let names: [String]
        if name == "all" {
            names = Self.componentNames
        } else if Self.componentNames.contains(name) {
            names = [name]
        } else {
            return false
        }
        state.withLock { state in
            if enabled {
                state.enabledFlags.formUnion(names)
            } else {
                state.enabledFlags.subtract(names)
            }
        }
        return true
    }

    /// Every component flag and whether it is set, in name order.
    var flags: [(name: String, enabled: Bool)] {
        let enabled = state.withLock { $0.enabledFlags }
        return Self.componentNames.map { ($0, enabled.contains($0)) }
    }

    /// The lowest swift-log level of `component` that ``shouldPrint(_:component:)`` can accept.
    func minimumLevel(component: String) -> Logger.Level {
        state.withLock { state in
            switch state.printLevel {
            case .error: .error
            case .warning: .warning
            case .notice: .notice
            case .info: .info
            case .debug: state.enabledFlags.contains(component) ? .trace : .info
            }
        }
    }

    /// Whether a message of `level` from the logger labelled `component` goes to stderr.
    func shouldPrint(_ level: Logger.Level, component: String) -> Bool {
        let spdkLevel = SPDKLogLevel(level)
        return state.withLock { state in
            guard spdkLevel <= state.printLevel else { return false }
            return spdkLevel != .debug || state.enabledFlags.contains(component)
        }
    }
}
