import Glibc
import JSONRPC
import Logging

/// `framework_start_init`, `framework_wait_init`, `framework_get_reactors`, `thread_get_stats`,
/// `spdk_kill_instance` and `framework_enable/disable_cpumask_locks` (rpc-methods.md §A).
struct FrameworkMethods: Sendable {
    let table: RPCMethodTable
    let initializer: FrameworkInitializer
    let statistics: ReactorStatistics
    let coreLocks: CoreLocks
    let shutdown: ShutdownTrigger
    let server: RPCServerSlot
    let logger: Logger

    /// The signals `spdk_kill_instance` may send.
    static let killSignals: [String: Int32] = [
        "SIGINT": SIGINT, "SIGTERM": SIGTERM, "SIGQUIT": SIGQUIT, "SIGHUP": SIGHUP, "SIGKILL": SIGKILL,
        "SIGUSR1": SIGUSR1,
    ]

    /// How long a failed `framework_start_init` leaves for its reply before the application stops.
    static let replyGracePeriod = Duration.milliseconds(200)

    /// The methods, ready to register.
    func make() -> [RPCMethod] {
        [startInit(), waitInit(), getReactors(), threadStats(), killInstance(), enableLocks(), disableLocks()]
    }

    private func startInit() -> RPCMethod {
        RPCMethod("framework_start_init", allowedIn: .startup) { [initializer, shutdown, server, logger] params in
            try RPCParams.expectNone(params, error: .invalidParameters("framework_start_init requires no parameters"))
            // Other clients wait until initialisation and the RUNTIME pass of the configuration are done.
            server.pause()
            defer { server.resume() }
            do throws(FrameworkInitializationError) {
                try await initializer.initialize()
            } catch .alreadyStarted {
                throw RPCError.startupOnly
            } catch {
                logger.error("\(error.description)")
                // The error reply must reach the client before the server closes; closing does not wait for
                // responses still being written, so the stop is requested a moment after this handler returns.
                Task {
                    try? await Task.sleep(for: Self.replyGracePeriod)
                    shutdown.request(exitStatus: 1)
                }
                throw RPCError.internalError("framework_initialization failed")
            }
            return true
        }
    }

    private func waitInit() -> RPCMethod {
        RPCMethod("framework_wait_init", allowedIn: .both) { [table] _ in
            await table.waitUntilRuntime()
            return true
        }
    }

    private func getReactors() -> RPCMethod {
        RPCMethod("framework_get_reactors") { [statistics] params in
            try RPCParams.expectNone(
                params,
                error: .invalidParameters("`framework_get_reactors` requires no arguments")
            )
            return try await statistics.reactorsResult()
        }
    }

    private func threadStats() -> RPCMethod {
        RPCMethod("thread_get_stats") { [statistics] params in
            try RPCParams.expectNone(params, error: .invalidParameters("'thread_get_stats' requires no arguments"))
            return try await statistics.threadsResult()
        }
    }

    private func killInstance() -> RPCMethod {
        RPCMethod("spdk_kill_instance") { [logger] params in
            var decoder = try RPCParams(params, failure: .invalidParameters)
            let name = try decoder.required("sig_name", as: String.self)
            try decoder.finish()
            guard let number = Self.killSignals[name] else { throw RPCError.invalidParameters }
            logger.notice("spdk_kill_instance: sending \(name) to self")
            kill(getpid(), number)
            return true
        }
    }

    private func enableLocks() -> RPCMethod {
        RPCMethod("framework_enable_cpumask_locks", allowedIn: .both) { [coreLocks] params in
            try RPCParams.expectNone(
                params,
                error: .invalidParameters("framework_enable_cpumask_locks requires no arguments")
            )
            do throws(CoreLockError) {
                try coreLocks.claim()
            } catch {
                throw RPCError.internalError("Failed to claim CPU core: \(error.core)")
            }
            return true
        }
    }

    private func disableLocks() -> RPCMethod {
        RPCMethod("framework_disable_cpumask_locks", allowedIn: .both) { [coreLocks] params in
            try RPCParams.expectNone(
                params,
                error: .invalidParameters("framework_disable_cpumask_locks requires no arguments")
            )
            coreLocks.release()
            return true
        }
    }
}
