import ISCSITarget
import JSONRPC
import Logging
import NIOCore
import NIOPosix

/// One run of the target, from claimed cores to exit status (app.md §2–§4, jsonrpc.md §6).
///
/// Startup: read `-c`, check and lock the cores, start one pinned event loop per core, install
/// signal handling, register the methods, open the RPC socket paused; then either run the STARTUP
/// pass, initialise, run the RUNTIME pass and resume (default), or run the STARTUP pass and resume
/// at once, leaving initialisation to `framework_start_init` (`--wait-for-rpc`).
/// Shutdown (first SIGINT/SIGTERM, `spdk_kill_instance`, failed `framework_start_init`): stop the
/// target service, close the RPC server (socket and lock removed), stop the loops, unlock the cores.
struct Application {
    let options: AppOptions
    let logSettings: LogSettings
    private let logger = Logger(label: "app")

    init(options: AppOptions, logSettings: LogSettings) {
        self.options = options
        self.logSettings = logSettings
    }

    /// Runs until shutdown; returns the process exit status.
    func run() async -> Int32 {
        let configFile: ConfigFile?
        let selection: CoreSelection
        switch checkStartup() {
        case .success(let checked): (configFile, selection) = checked
        case .failure(let error): return fail(error.description)
        }
        let coreLocks = CoreLocks(cores: selection.cores)
        if !options.disableCoreLocks {
            do {
                try coreLocks.claim()
            } catch {
                return fail(error.description)
            }
        }
        defer { coreLocks.release() }

        logger.notice("Total cores available: \(selection.cores.count)")
        ISCSIDataPlane.keepFreedBuffersInHeap()
        let group = MultiThreadedEventLoopGroup(pinnedCPUIDs: selection.loopOrder)
        await ISCSITargetService.claimStatisticsShards(of: group)
        for core in selection.cores {
            logger.notice("Reactor started on core \(core)")
        }
        let shutdown = ShutdownTrigger()
        let signals = SignalObserver(trigger: shutdown)
        defer { withExtendedLifetime(signals) {} }

        let table = RPCMethodTable(allowedMethods: options.rpcsAllowed)
        let service = ISCSITargetService(
            group: group,
            coreIDs: selection.loopOrder,
            logger: Logger(label: "iscsi"),
            reservationStates: ReservationStateDirectory(path: options.stateDirectory, logger: Logger(label: "scsi"))
        )
        let metrics = options.metricsEndpoint.map { _ in ISCSIMetrics(blockDevices: service.blockDevices) }
        service.setConnectionAcceptor(
            ISCSIDataPlane(configuration: service.configuration, connections: service.connections, metrics: metrics)
        )
        let initializer = FrameworkInitializer(service: service, table: table, logger: logger)
        let server = RPCServerSlot()
        service.registerMethods(in: table)
        table.register(LogMethods.make(settings: logSettings))
        table.register(SubsystemMethods.make(service: service))
        let reactors = zip(selection.loopOrder, group.makeIterator()).map { Reactor(core: $0, loop: $1) }
        let framework = FrameworkMethods(
            table: table,
            initializer: initializer,
            statistics: ReactorStatistics(reactors: reactors, mainCore: selection.mainCore),
            coreLocks: coreLocks,
            shutdown: shutdown,
            server: server,
            logger: logger
        )
        table.register(framework.make())
        let autosaver = options.configAutosavePath.map {
            ConfigAutosaver(path: $0, service: service, logger: Logger(label: "app_config"))
        }

        let status: Int32
        var metricsListener: (any Channel)?
        var failure: String?
        if let endpoint = options.metricsEndpoint, let metrics {
            do {
                metricsListener = try await MetricsServer.start(
                    host: endpoint.host,
                    port: endpoint.port,
                    metrics: metrics,
                    group: group
                )
                logger.notice("Serving metrics on http://\(endpoint)/metrics")
            } catch {
                failure = "Cannot serve metrics on \(endpoint): \(error)"
            }
        }
        if failure == nil {
            failure = await start(
                configFile: configFile,
                table: table,
                group: group,
                initializer: initializer,
                server: server,
                autosaver: autosaver
            )
        }
        if let failure {
            status = fail(failure)
        } else {
            status = await shutdown.wait()
            logger.notice("Shutting down (exit status \(status))")
        }
        try? await metricsListener?.close()
        await service.shutdown()
        await server.close()
        do {
            try await group.shutdownGracefully()
        } catch {
            logger.warning("Event loops did not stop cleanly: \(error)")
        }
        return status
    }

    /// The checks before anything is claimed: option combinations, the `-c` file, the cores.
    private func checkStartup() -> Result<(ConfigFile?, CoreSelection), StartupError> {
        if options.waitForRPC && options.rpcSocketPath == nil {
            return .failure(StartupError("Cannot use '--wait-for-rpc' if no RPC server is going to be started."))
        }
        let configFile: ConfigFile?
        do {
            // An existing autosaved configuration is the state to come back to; it replaces -c.
            let autosaved = options.configAutosavePath.flatMap { access($0, F_OK) == 0 ? $0 : nil }
            configFile = try (autosaved ?? options.configFile).map { path throws(ConfigFileError) in
                try ConfigFile.read(path: path)
            }
        } catch {
            return .failure(StartupError(error.description))
        }
        return CoreSelection.resolve(
            mask: options.coreMask,
            mainCore: options.mainCore,
            available: AvailableCores.current()
        )
        .map { (configFile, $0) }
    }

    /// Opens the RPC socket, runs the STARTUP pass, then initialises now or leaves it to
    /// `framework_start_init`; a message on failure.
    private func start(
        configFile: ConfigFile?,
        table: RPCMethodTable,
        group: MultiThreadedEventLoopGroup,
        initializer: FrameworkInitializer,
        server: RPCServerSlot,
        autosaver: ConfigAutosaver?
    ) async -> String? {
        if let path = options.rpcSocketPath {
            do {
                server.install(
                    try await RPCServer.start(
                        path: path,
                        methods: table,
                        group: group,
                        startPaused: true,
                        logger: Logger(label: "rpc")
                    )
                )
            } catch {
                return "\(error)"
            }
        }
        if let configFile {
            let loader = ConfigLoader(
                file: configFile,
                table: table,
                ignoreErrors: options.ignoreConfigErrors,
                logger: Logger(label: "app_config")
            )
            do {
                let runtimeEntries = try await loader.runStartupPass()
                await initializer.setRuntimeConfiguration(loader: loader, entries: runtimeEntries)
            } catch {
                return error.description
            }
        }
        if let autosaver {
            table.observeSuccessfulCalls { _ in await autosaver.save() }
        }
        if options.waitForRPC {
            server.resume()
            logger.notice("Waiting for framework_start_init RPC")
            return nil
        }
        do {
            try await initializer.initialize()
        } catch {
            return error.description
        }
        await autosaver?.save()
        server.resume()
        logger.notice("iSCSI target started")
        return nil
    }

    private func fail(_ message: String) -> Int32 {
        logger.error("\(message)")
        return 1
    }
}
