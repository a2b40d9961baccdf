import Glibc
import JSONRPC
import NIOCore

/// One pinned event loop: SPDK's reactor of a core.
struct Reactor: Sendable {
    var core: Int
    var loop: any EventLoop
}

/// What a reactor's thread reports about itself, measured on that thread.
struct ReactorSample: Sendable, Equatable {
    /// The kernel thread id.
    var threadID: Int
    /// CPU time the thread has used (`CLOCK_THREAD_CPUTIME_ID`), in nanoseconds: SPDK's "busy".
    var busyNanoseconds: UInt64
    /// User and system CPU time of the thread in clock ticks (`/proc/thread-self/stat`).
    var userTicks: UInt64
    var systemTicks: UInt64

    /// Measures the calling thread.
    static func current() -> ReactorSample {
        var cpuTime = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuTime)
        let ticks = threadTicks()
        return ReactorSample(
            threadID: threadID(),
            busyNanoseconds: UInt64(cpuTime.tv_sec) * 1_000_000_000 + UInt64(cpuTime.tv_nsec),
            userTicks: ticks.user,
            systemTicks: ticks.system
        )
    }

    /// The tid, from the `/proc/thread-self` link (`<pid>/task/<tid>`); 0 if unavailable.
    private static func threadID() -> Int {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard length > 0 else { return 0 }
        let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.flatMap { Int($0) } ?? 0
    }

    /// Fields 14 and 15 (utime, stime) of `/proc/thread-self/stat`; zeros if unavailable.
    private static func threadTicks() -> (user: UInt64, system: UInt64) {
        guard let bytes = try? FileContents.read(path: "/proc/thread-self/stat") else { return (0, 0) }
        let text = String(decoding: bytes, as: UTF8.self)
        // The command name (field 2) may contain spaces; the fields after its closing parenthesis start at 3.
        guard let end = text.lastIndex(of: ")") else { return (0, 0) }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return (0, 0) }
        return (user, system)
    }
}

/// `framework_get_reactors` and `thread_get_stats` data: one reactor per `-m` core, the app thread on
/// the main core, and one `iscsi_poll_group_<core>` per core (SPDK's thread layout for iscsi_tgt).
///
/// Times are in nanoseconds, so `tick_rate` is 10^9. The app thread shares its event loop with the
/// main core's poll group, so both report that loop's numbers.
struct ReactorStatistics: Sendable {
    /// SPDK's tick rate for this target's time values: nanoseconds.
    static let tickRate: Int64 = 1_000_000_000

    let reactors: [Reactor]
    let mainCore: Int
    /// `CLOCK_MONOTONIC` at startup, in nanoseconds.
    let startNanoseconds: UInt64

    init(reactors: [Reactor], mainCore: Int) {
        self.reactors = reactors.sorted { $0.core < $1.core }
        self.mainCore = mainCore
        self.startNanoseconds = Self.monotonicNanoseconds()
    }

    /// The `framework_get_reactors` result.
    func reactorsResult() async throws -> JSONValue {
        let samples = try await sampleAll()
        let elapsed = Int64(clamping: Self.monotonicNanoseconds() &- startNanoseconds)
        var entries: [JSONValue] = []
        for (index, reactor) in reactors.enumerated() {
            let sample = samples[index]
            let busy = Int64(clamping: sample.busyNanoseconds)
            var threads: [JSONValue] = []
            if reactor.core == mainCore {
                threads.append(lightweightThread(name: "app_thread", id: 1, core: reactor.core, elapsed: elapsed))
            }
            threads.append(
                lightweightThread(
                    name: "iscsi_poll_group_\(reactor.core)",
                    id: Int64(index + 2),
                    core: reactor.core,
                    elapsed: elapsed
                )
            )
            entries.append(
                .object([
                    "lcore": .integer(Int64(reactor.core)),
                    "numa_id": .integer(Int64(NUMATopology.node(ofCore: reactor.core))),
                    "tid": .integer(Int64(sample.threadID)),
                    "busy": .integer(busy),
                    "idle": .integer(max(0, elapsed - busy)),
                    "in_interrupt": false,
                    "irq": 0,
                    "sys": .integer(Int64(clamping: sample.systemTicks)),
                    "usr": .integer(Int64(clamping: sample.userTicks)),
                    "lw_threads": .array(threads),
                ])
            )
        }
        return .object([
            "tick_rate": .integer(Self.tickRate),
            "pid": .integer(Int64(getpid())),
            "reactors": .array(entries),
        ])
    }

    /// The `thread_get_stats` result.
    func threadsResult() async throws -> JSONValue {
        let samples = try await sampleAll()
        let elapsed = Int64(clamping: Self.monotonicNanoseconds() &- startNanoseconds)
        var threads: [JSONValue] = []
        func thread(name: String, id: Int64, core: Int, sample: ReactorSample) -> JSONValue {
            let busy = Int64(clamping: sample.busyNanoseconds)
            return .object([
                "name": .string(name),
                "id": .integer(id),
                "cpumask": .string(CoreSet.hexMask(ofCore: core)),
                "busy": .integer(busy),
                "idle": .integer(max(0, elapsed - busy)),
                "active_pollers_count": 0,
                "timed_pollers_count": 0,
                "paused_pollers_count": 0,
            ])
        }
        if let main = reactors.firstIndex(where: { $0.core == mainCore }) {
            threads.append(thread(name: "app_thread", id: 1, core: mainCore, sample: samples[main]))
        }
        for (index, reactor) in reactors.enumerated() {
            threads.append(
                thread(
                    name: "iscsi_poll_group_\(reactor.core)",
                    id: Int64(index + 2),
                    core: reactor.core,
                    sample: samples[index]
                )
            )
        }
        return .object(["tick_rate": .integer(Self.tickRate), "threads": .array(threads)])
    }

    private func lightweightThread(name: String, id: Int64, core: Int, elapsed: Int64) -> JSONValue {
        .object([
            "name": .string(name),
            "id": .integer(id),
            "cpumask": .string(CoreSet.hexMask(ofCore: core)),
            "elapsed": .integer(elapsed),
        ])
    }

    private func sampleAll() async throws -> [ReactorSample] {
        var samples: [ReactorSample] = []
        for reactor in reactors {
            samples.append(try await reactor.loop.submit { ReactorSample.current() }.get())
        }
        return samples
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// The NUMA node of a core, from `/sys/devices/system/node/node<N>/cpulist`.
enum NUMATopology {
    /// The node holding `core`, or -1 (SPDK's "any") when the system does not say.
    static func node(ofCore core: Int) -> Int {
        for node in 0..<64 {
            guard let bytes = try? FileContents.read(path: "/sys/devices/system/node/node\(node)/cpulist") else {
                return -1
            }
            let list = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
            if CoreSet(parsing: "[" + list + "]")?.cores.contains(core) == true { return node }
        }
        return -1
    }
}
