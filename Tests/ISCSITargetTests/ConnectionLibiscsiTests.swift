import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import ISCSITarget

private let libiscsiToolsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/iscsi-inq")

/// Real initiators (libiscsi's tools and qemu-io) against the data plane on a loopback socket. Skipped
/// where the tools are not installed (`apt-get install libiscsi-bin qemu-utils`).
@Suite(.enabled(if: libiscsiToolsInstalled, "libiscsi-bin is not installed"))
struct ConnectionLibiscsiTests {
    /// Serves the default test configuration on an ephemeral port while `body` runs.
    private func withTarget(_ body: (_ portal: String) throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let store = ConfigurationStore(ConnectionTestInitiator.defaultSnapshot())
        let plane = ISCSIDataPlane(configuration: store, connections: ConnectionRegistry())
        let server = try await ServerBootstrap(group: group)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try plane.configure(channel: channel, portalGroupTag: 1) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        var snapshot = store.snapshot
        snapshot.portalGroups[0].portals = [Portal(host: "0.0.0.0", port: String(port))]
        store.publish(snapshot)
        do {
            try body("127.0.0.1:\(port)")
        } catch {
            try? await server.close()
            try? await group.shutdownGracefully()
            throw error
        }
        try await server.close()
        try await group.shutdownGracefully()
    }

    /// Runs a tool and returns its standard output; fails the test on a non-zero exit.
    private func run(_ path: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> String
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(path) \(arguments): \(text)", sourceLocation: sourceLocation)
        return text
    }

    @Test func discoveryInquiryAndReadCapacity() async throws {
        try await self.withTarget { portal in
            let lun = "iscsi://\(portal)/\(ConnectionTestInitiator.targetName)/0"
            let listing = try self.run("/usr/bin/iscsi-ls", ["-s", "iscsi://\(portal)/"])
            #expect(listing.contains("Target:\(ConnectionTestInitiator.targetName) Portal:\(portal),1"))
            #expect(listing.contains("Lun:0"))
            #expect(try self.run("/usr/bin/iscsi-inq", [lun]).contains("Vendor:INTEL"))
            let capacity = try self.run("/usr/bin/iscsi-readcapacity16", [lun + "?header_digest=crc32c"])
            #expect(capacity.contains("Total size:1048576"))
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-io")))
    func qemuWritesAndReadsBackOneMebibyte() async throws {
        try await self.withTarget { portal in
            let lun = "iscsi://\(portal)/\(ConnectionTestInitiator.targetName)/0"
            let output = try self.run(
                "/usr/bin/qemu-io",
                ["-f", "raw", "-c", "write -P 0xab 0 1M", "-c", "read -P 0xab 0 1M", lun]
            )
            #expect(output.contains("read 1048576/1048576 bytes at offset 0"))
            #expect(!output.contains("Pattern verification failed"))
        }
    }
}
