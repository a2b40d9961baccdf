import JSONRPC
import Logging

/// A configuration entry that stopped the load (config-file.md §2.4).
struct ConfigLoadError: Error, Equatable, CustomStringConvertible {
    var description: String
}

/// Runs a ``ConfigFile`` through the method table in SPDK's two passes (config-file.md §2):
/// the STARTUP pass runs every entry callable before initialisation, in file order, and sets
/// aside the RUNTIME-only ones; after initialisation the RUNTIME pass runs those.
///
/// Unknown methods fail the load when their subsystem belongs to this application and are
/// skipped with a notice otherwise. `ignoreErrors` (`--json-ignore-init-errors`) logs every
/// failure and goes on.
struct ConfigLoader: Sendable {
    let file: ConfigFile
    let table: RPCMethodTable
    let ignoreErrors: Bool
    let logger: Logger

    /// Runs the STARTUP pass; the table must be in the STARTUP state. Returns the entries left for
    /// ``runRuntimePass(_:)``.
    func runStartupPass() async throws(ConfigLoadError) -> [ConfigFile.Entry] {
        if file.lacksSubsystems {
            logger.warning("No 'subsystems' key in JSON configuration file \(file.path)")
        }
        var deferred: [ConfigFile.Entry] = []
        for entry in file.entries {
            switch table.allowsInCurrentState(entry.method) {
            case true?:
                try await run(entry)
            case false?:
                deferred.append(entry)
            case nil where SubsystemCatalog.contains(entry.subsystem):
                try fail("Method '\(entry.method)' was not found (subsystem '\(entry.subsystem)')")
            case nil:
                logger.notice(
                    "Skipping method '\(entry.method)': subsystem '\(entry.subsystem)' is not part of this application"
                )
            }
        }
        return deferred
    }

    /// Runs the entries the STARTUP pass set aside; the table must be in the RUNTIME state.
    func runRuntimePass(_ entries: [ConfigFile.Entry]) async throws(ConfigLoadError) {
        for entry in entries {
            try await run(entry)
        }
    }

    private func run(_ entry: ConfigFile.Entry) async throws(ConfigLoadError) {
        logger.debug("Loading configuration entry \(entry.method)")
        do {
            _ = try await table.call(entry.method, params: entry.params)
        } catch {
            try fail("Configuration entry '\(entry.method)' failed: error \(error.code): \(error.message)")
        }
    }

    private func fail(_ message: String) throws(ConfigLoadError) {
        guard ignoreErrors else { throw ConfigLoadError(description: message) }
        logger.error("\(message) (ignored: --json-ignore-init-errors)")
    }
}
