import ISCSITarget
import JSONRPC
import Logging

/// Why subsystem initialisation did not happen.
enum FrameworkInitializationError: Error, CustomStringConvertible {
    /// Initialisation had already been started (a second `framework_start_init`).
    case alreadyStarted
    /// The service or the configuration file failed; the application must stop.
    case failed(String)

    var description: String {
        switch self {
        case .alreadyStarted: "Subsystems are already initialized"
        case .failed(let reason): reason
        }
    }
}

/// SPDK's subsystem initialisation, done once: initialise the target service (which validates the
/// staged options), switch the RPC state to RUNTIME, then run the RUNTIME pass of the `-c` file.
///
/// Both startup paths use it: directly without `--wait-for-rpc`, and through `framework_start_init`.
actor FrameworkInitializer {
    private let service: ISCSITargetService
    private let table: RPCMethodTable
    private let logger: Logger
    private var started = false
    private var configuration: (loader: ConfigLoader, entries: [ConfigFile.Entry])?

    init(service: ISCSITargetService, table: RPCMethodTable, logger: Logger) {
        self.service = service
        self.table = table
        self.logger = logger
    }

    /// Sets the RUNTIME-pass entries the STARTUP pass of the configuration file left.
    func setRuntimeConfiguration(loader: ConfigLoader, entries: [ConfigFile.Entry]) {
        configuration = (loader, entries)
    }

    /// Initialises the subsystems and loads the RUNTIME part of the configuration.
    func initialize() async throws(FrameworkInitializationError) {
        guard !started else { throw .alreadyStarted }
        started = true
        do {
            try await service.initialize()
        } catch {
            throw .failed("Subsystem initialization failed: \(error)")
        }
        table.setState(.runtime)
        logger.info("Subsystems initialized")
        if let configuration {
            do {
                try await configuration.loader.runRuntimePass(configuration.entries)
            } catch {
                throw .failed(error.description)
            }
        }
    }
}
