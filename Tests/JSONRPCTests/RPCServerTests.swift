import Foundation
import JSONRPC
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Collects what the server sends until `expectedLines` newlines arrived or the connection closed.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let expectedLines: Int
    private let done: EventLoopPromise<String>
    private var received = ""

    init(expectedLines: Int, done: EventLoopPromise<String>) {
        self.expectedLines = expectedLines
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received += String(buffer: self.unwrapInboundIn(data))
        if self.received.filter({ $0 == "\n" }).count >= self.expectedLines {
            self.done.succeed(self.received)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.done.succeed(self.received)
    }
}

/// Connects to `path`, sends `text`, returns what came back (`lines` responses, or all until close).
private func exchange(
    _ text: String,
    path: String,
    lines: Int,
    group: any EventLoopGroup,
    thenShutDownOutput: Bool = false
) async throws -> String {
    let done = group.next().makePromise(of: String.self)
    let channel = try await ClientBootstrap(group: group)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ResponseCollector(expectedLines: lines, done: done))
            }
        }
        .connect(unixDomainSocketPath: path)
        .get()
    try await channel.writeAndFlush(ByteBuffer(string: text))
    if thenShutDownOutput {
        try await channel.close(mode: .output)
    }
    let response = try await done.futureResult.get()
    try? await channel.close()
    return response
}

private func temporarySocketPath() -> String {
    "/tmp/jsonrpc-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
}

private let logger = Logger(label: "JSONRPCTests")

@Suite(.serialized) struct RPCServerTests {
    @Test func answersPrettyPipelinedRequestsLikeRpcPy() async throws {
        let path = temporarySocketPath()
        let server = try await RPCServer.start(
            path: path,
            methods: RPCMethodTable(),
            group: MultiThreadedEventLoopGroup.singleton,
            startPaused: false,
            logger: logger
        )
        let first = JSONValue.object(["jsonrpc": "2.0", "method": "spdk_get_version", "id": 1]).prettyText(indent: 2)
        let second = JSONValue.object(["jsonrpc": "2.0", "method": "rpc_get_methods", "id": 2]).prettyText(indent: 2)
        let response = try await exchange(
            first + "\n" + second,
            path: path,
            lines: 2,
            group: MultiThreadedEventLoopGroup.singleton
        )
        #expect(
            response
                == #"{"jsonrpc":"2.0","id":1,"result":{"version":"SPDK v26.09-pre","fields":{"major":26,"#
                + #""minor":9,"patch":0,"suffix":"-pre"}}}"# + "\n"
                + #"{"jsonrpc":"2.0","id":2,"result":["spdk_get_version","rpc_get_methods"]}"# + "\n"
        )
        await server.close()
    }

    @Test func answersParseErrorThenCloses() async throws {
        let path = temporarySocketPath()
        let server = try await RPCServer.start(
            path: path,
            methods: RPCMethodTable(),
            group: MultiThreadedEventLoopGroup.singleton,
            startPaused: false,
            logger: logger
        )
        for garbage in [#"{"method":]"#, #"{"method":tru}"#, "x"] {
            let response = try await exchange(
                garbage + #"{"method":"spdk_get_version","id":1}"#,
                path: path,
                lines: 5,
                group: MultiThreadedEventLoopGroup.singleton
            )
            #expect(response == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"# + "\n")
        }
        await server.close()
    }

    @Test func answersClientsThatShutDownTheirSendingSide() async throws {
        let path = temporarySocketPath()
        let server = try await RPCServer.start(
            path: path,
            methods: RPCMethodTable(),
            group: MultiThreadedEventLoopGroup.singleton,
            startPaused: false,
            logger: logger
        )
        // Like `socat - UNIX-CONNECT:…` with a request on stdin: send, shut down writing, read until EOF.
        let response = try await exchange(
            #"{"method":"spdk_get_version","id":1}"# + "\n" + #"[{"method":"rpc_get_methods","id":2}]"#,
            path: path,
            lines: 3,
            group: MultiThreadedEventLoopGroup.singleton,
            thenShutDownOutput: true
        )
        let lines = response.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix(#"{"jsonrpc":"2.0","id":1,"result":{"version""#) == true)
        #expect(lines.last?.hasPrefix(#"[{"jsonrpc":"2.0","id":2,"result":["#) == true)
        await server.close()
    }

    @Test func holdsRequestsWhilePaused() async throws {
        let path = temporarySocketPath()
        let called = Mutex(false)
        let methods = RPCMethodTable()
        methods.register(
            RPCMethod("probe", allowedIn: .both) { _ in
                called.withLock { $0 = true }
                return true
            }
        )
        let server = try await RPCServer.start(
            path: path,
            methods: methods,
            group: MultiThreadedEventLoopGroup.singleton,
            startPaused: true,
            logger: logger
        )
        let response = Task {
            try await exchange(
                #"{"method":"probe","id":1}"#,
                path: path,
                lines: 1,
                group: MultiThreadedEventLoopGroup.singleton
            )
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(called.withLock { $0 } == false)
        server.resume()
        #expect(try await response.value == #"{"jsonrpc":"2.0","id":1,"result":true}"# + "\n")
        #expect(called.withLock { $0 })
        await server.close()
    }

    @Test func lockFileMakesThePathExclusive() async throws {
        let path = temporarySocketPath()
        let server = try await RPCServer.start(
            path: path,
            methods: RPCMethodTable(),
            group: MultiThreadedEventLoopGroup.singleton,
            startPaused: false,
            logger: logger
        )
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: path + ".lock"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path + ".lock")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        do {
            _ = try await RPCServer.start(
                path: path,
                methods: RPCMethodTable(),
                group: MultiThreadedEventLoopGroup.singleton,
                startPaused: false,
                logger: logger
            )
            Issue.record("a second server started on \(path)")
        } catch let error as RPCServerError {
            #expect(error == .socketInUse(path))
            #expect(error.description == "RPC Unix domain socket path \(path) in use. Specify another.")
        }
        // The refused second start must not have removed the first server's socket.
        #expect(FileManager.default.fileExists(atPath: path))

        await server.close()
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
    }

    @Test func reclaimsAStaleSocketFile() async throws {
        let path = temporarySocketPath()
        #expect(FileManager.default.createFile(atPath: path, contents: Data("stale".utf8)))
        let server = try await RPCServer.start(
            path: path,
            methods: RPCMethodTable(),
            group: MultiThreadedEventLoopGroup.singleton,
            startPaused: false,
            logger: logger
        )
        let response = try await exchange(
            #"{"jsonrpc":"2.0","method":"spdk_get_version","id":"v"}"#,
            path: path,
            lines: 1,
            group: MultiThreadedEventLoopGroup.singleton
        )
        #expect(response.hasPrefix(#"{"jsonrpc":"2.0","id":"v","result":"#))
        await server.close()
    }

    @Test func rejectsPathsTooLongForSunPath() async throws {
        let path = "/tmp/" + String(repeating: "p", count: 100)
        await #expect(throws: RPCServerError.pathTooLong(path + ".lock")) {
            try await RPCServer.start(
                path: path,
                methods: RPCMethodTable(),
                group: MultiThreadedEventLoopGroup.singleton,
                startPaused: false,
                logger: logger
            )
        }
    }
}
