import JSONRPC
import NIOCore
import NIOPosix
import Testing

@testable import iscsi_tgt

@Suite struct ReactorStatisticsTests {
    @Test func reactorsAndThreads() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        do {
            try await checkResults(loops: Array(group.makeIterator()))
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func checkResults(loops: [any EventLoop]) async throws {
        let statistics = ReactorStatistics(
            reactors: [Reactor(core: 3, loop: loops[0]), Reactor(core: 1, loop: loops[1])],
            mainCore: 3
        )
        let reactors = try await statistics.reactorsResult()
        #expect(reactors.objectValue?["tick_rate"] == 1_000_000_000)
        let list = try #require(reactors.objectValue?["reactors"]?.arrayValue)
        #expect(list.map { $0.objectValue?["lcore"] } == [1, 3])
        let main = try #require(list[1].objectValue)
        #expect(
            main.members.map(\.key) == [
                "lcore", "numa_id", "tid", "busy", "idle", "in_interrupt", "irq", "sys", "usr", "lw_threads",
            ]
        )
        #expect((main["tid"]?.int64Value ?? 0) > 0)
        let names = main["lw_threads"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue }
        #expect(names == ["app_thread", "iscsi_poll_group_3"])
        #expect(main["lw_threads"]?.arrayValue?.first?.objectValue?["cpumask"] == "8")

        let threads = try await statistics.threadsResult()
        let threadNames = threads.objectValue?["threads"]?.arrayValue?.compactMap {
            $0.objectValue?["name"]?.stringValue
        }
        #expect(threadNames == ["app_thread", "iscsi_poll_group_1", "iscsi_poll_group_3"])
    }
}
