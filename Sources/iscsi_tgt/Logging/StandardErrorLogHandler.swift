import Glibc
import Logging

/// A swift-log handler writing SPDK-style lines to stderr, filtered by ``LogSettings``:
/// `[2026-11-25 18:00:00.123456] iscsi: *NOTICE*: message key=value`.
///
/// The logger's label is the component name (`iscsi`, `rpc`, `app_config`, …) whose flag gates its
/// debug messages.
struct StandardErrorLogHandler: LogHandler {
    let label: String
    let settings: LogSettings
    var metadata: Logger.Metadata = [:]

    /// The lowest level this component prints now, from ``LogSettings`` (which RPCs change at run time),
    /// so that `Logger` skips building messages nobody will see. Setting it has no effect.
    var logLevel: Logger.Level {
        get { settings.minimumLevel(component: label) }
        set {}
    }

    init(label: String, settings: LogSettings) {
        self.label = label
        self.settings = settings
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard settings.shouldPrint(event.level, component: label) else { return }
        var line = "[\(Self.timestamp())] \(label): *\(SPDKLogLevel(event.level).name)*: \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key].map { "\($0)" } ?? "")"
        }
        line += "\n"
        StandardError.write(line)
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + pad(Int32(now.tv_nsec / 1000), 6)
    }
}
