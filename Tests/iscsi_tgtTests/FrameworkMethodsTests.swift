import Glibc
import ISCSITarget
import JSONRPC
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import iscsi_tgt

/// The framework methods over a real target service, driven through the method table.
final class FrameworkFixture: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let table = RPCMethodTable()
    let service: ISCSITargetService
    let shutdown = ShutdownTrigger()
    let lockDirectory: String
    let coreLocks: CoreLocks

    init() throws {
        var template = Array("/tmp/framework-locks-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) } != nil
        }
        try #require(created)
        lockDirectory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        coreLocks = CoreLocks(cores: [0], directory: lockDirectory)
        let logger = Logger(label: "test")
        service = ISCSITargetService(group: group, coreIDs: [0], logger: logger)
        let initializer = FrameworkInitializer(service: service, table: table, logger: logger)
        service.registerMethods(in: table)
        table.register(SubsystemMethods.make(service: service))
        let loop = group.next()
        let framework = FrameworkMethods(
            table: table,
            initializer: initializer,
            statistics: ReactorStatistics(reactors: [Reactor(core: 0, loop: loop)], mainCore: 0),
            coreLocks: coreLocks,
            shutdown: shutdown,
            logger: logger
        )
        table.register(framework.make())
    }

    deinit {
        coreLocks.release()
        rmdir(lockDirectory)
        try? group.syncShutdownGracefully()
    }

    func error(_ method: String, _ params: JSONValue?) async -> RPCError? {
        do {
            _ = try await table.call(method, params: params)
            return nil
        } catch {
            return error
        }
    }
}

@Suite struct FrameworkMethodsTests {
    @Test func waitInitIsDeferredUntilStartInit() async throws {
        let fixture = try FrameworkFixture()
        let finished = Atomic<Bool>(false)
        let waiter = Task {
            let result = try await fixture.table.call("framework_wait_init", params: nil)
            finished.store(true, ordering: .sequentiallyConsistent)
            return result
        }
        #expect(try await fixture.table.call("iscsi_set_options", params: ["max_sessions": 16]) == true)
        try await Task.sleep(for: .milliseconds(100))
        let finishedEarly = finished.load(ordering: .sequentiallyConsistent)
        #expect(!finishedEarly)
        #expect(try await fixture.table.call("framework_start_init", params: nil) == true)
        #expect(try await waiter.value == true)
        #expect(fixture.table.state == .runtime)
        #expect(try await fixture.table.call("framework_wait_init", params: nil) == true)
        #expect(await fixture.error("framework_start_init", nil) == .startupOnly)
    }

    @Test func startInitRefusesParams() async throws {
        let fixture = try FrameworkFixture()
        #expect(
            await fixture.error("framework_start_init", [:])
                == .invalidParameters("framework_start_init requires no parameters")
        )
    }

    @Test func failedInitializationAnswersAndStops() async throws {
        let fixture = try FrameworkFixture()
        #expect(try await fixture.table.call("iscsi_set_options", params: ["max_queue_depth": 0]) == true)
        #expect(await fixture.error("framework_start_init", nil) == .internalError("framework_initialization failed"))
        #expect(await fixture.shutdown.wait() == 1)
    }

    @Test func subsystemsAndConfig() async throws {
        let fixture = try FrameworkFixture()
        #expect(await fixture.error("framework_get_subsystems", nil) == .runtimeOnly)
        #expect(try await fixture.table.call("framework_start_init", params: nil) == true)
        let subsystems = try await fixture.table.call("framework_get_subsystems", params: nil)
        #expect(subsystems.arrayValue?.count == 10)
        #expect(
            await fixture.error("framework_get_subsystems", [:])
                == .invalidParameters("'framework_get_subsystems' requires no arguments")
        )
        #expect(try await fixture.table.call("framework_get_config", params: ["name": "scsi"]) == .null)
        #expect(try await fixture.table.call("framework_get_config", params: ["name": "nbd"]) == [])
        let iscsi = try await fixture.table.call("framework_get_config", params: ["name": "iscsi"])
        #expect(iscsi.arrayValue?.first?.objectValue?["method"] == "iscsi_set_options")
        let bdev = try await fixture.table.call("framework_get_config", params: ["name": "bdev", "with_batches": true])
        #expect(bdev.arrayValue?.last == ["method": "bdev_wait_for_examine"])
        #expect(
            await fixture.error("framework_get_config", ["name": "nvmf"])
                == .invalidParameters("Subsystem 'nvmf' not found")
        )
        #expect(await fixture.error("framework_get_config", ["name": 1]) == .invalidParameters("Invalid arguments"))
        #expect(await fixture.error("framework_get_config", [:]) == .invalidParameters("Invalid arguments"))
    }

    @Test func reactorsAndThreadStatsRefuseParams() async throws {
        let fixture = try FrameworkFixture()
        #expect(try await fixture.table.call("framework_start_init", params: nil) == true)
        let reactors = try await fixture.table.call("framework_get_reactors", params: nil)
        #expect(reactors.objectValue?["pid"]?.int64Value == Int64(getpid()))
        #expect(
            await fixture.error("framework_get_reactors", [:])
                == .invalidParameters("`framework_get_reactors` requires no arguments")
        )
        #expect(
            await fixture.error("thread_get_stats", ["a": 1])
                == .invalidParameters("'thread_get_stats' requires no arguments")
        )
    }

    @Test func killInstanceChecksTheSignalName() async throws {
        let fixture = try FrameworkFixture()
        #expect(try await fixture.table.call("framework_start_init", params: nil) == true)
        #expect(await fixture.error("spdk_kill_instance", ["sig_name": "SIGSTOP"]) == .invalidParameters)
        #expect(await fixture.error("spdk_kill_instance", [:]) == .invalidParameters)
        #expect(await fixture.error("spdk_kill_instance", ["sig_name": "SIGTERM", "x": 1]) == .invalidParameters)
    }

    @Test func cpumaskLocksCanBeToggled() async throws {
        let fixture = try FrameworkFixture()
        #expect(!fixture.coreLocks.isHeld)
        #expect(try await fixture.table.call("framework_enable_cpumask_locks", params: nil) == true)
        #expect(fixture.coreLocks.isHeld)
        #expect(access(fixture.coreLocks.path(ofCore: 0), F_OK) == 0)
        #expect(try await fixture.table.call("framework_disable_cpumask_locks", params: nil) == true)
        #expect(!fixture.coreLocks.isHeld)
        #expect(access(fixture.coreLocks.path(ofCore: 0), F_OK) != 0)
    }
}
