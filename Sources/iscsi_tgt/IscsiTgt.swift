import Dispatch
import Glibc
import Logging

/// The `iscsi_tgt` executable: parse the command line, then run the target until shutdown.
@main
enum IscsiTgt {
    static func main() {
        let arguments = CommandLine.arguments
        let executable = arguments.first ?? "iscsi_tgt"
        let parser = CommandLineParser(knownLogFlags: LogSettings.componentNames)
        let options: AppOptions
        switch parser.parse(Array(arguments.dropFirst())) {
        case .run(let parsed):
            options = parsed
        case .showUsage:
            print(Usage.text(executable: executable, logFlags: LogSettings.componentNames), terminator: "")
            exit(0)
        case .showVersion:
            print(Usage.versionLine)
            exit(0)
        case .failure(let message):
            StandardError.write("\(executable): \(message)\n")
            print(Usage.text(executable: executable, logFlags: LogSettings.componentNames), terminator: "")
            exit(2)
        }

        // Before any thread exists: daemon() forks and only the calling thread survives.
        if options.daemonize, daemon(1, 0) != 0 {
            StandardError.write("\(executable): daemon() failed: \(String(cString: strerror(errno)))\n")
            exit(1)
        }

        let logSettings = LogSettings()
        for flag in options.logFlags {
            logSettings.setFlag(flag, enabled: true)
        }
        if !options.logFlags.isEmpty {
            // As SPDK's debug builds do: -L makes the flagged components' debug messages visible.
            logSettings.printLevel = .debug
        }
        if options.silenceNoticeLog {
            logSettings.printLevel = .warning
        }
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, settings: logSettings) }

        let application = Application(options: options, logSettings: logSettings)
        Task {
            exit(await application.run())
        }
        dispatchMain()
    }
}
