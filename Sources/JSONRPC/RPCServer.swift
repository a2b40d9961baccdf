import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The JSON-RPC server on a Unix-domain socket, SPDK-compatible (`jsonrpc.md` §1–§4).
///
/// Each connection's requests are executed one after another, in arrival order, and each
/// response is written as compact JSON followed by `\n`. Different connections run concurrently,
/// so method handlers must be safe to call concurrently. At most 64 clients are connected at a
/// time; more wait in the listen backlog.
public final class RPCServer: Sendable {
    /// SPDK's `listen()` backlog.
    static let backlog: Int32 = 512
    /// `sizeof(sockaddr_un.sun_path)` on Linux, NUL included.
    static let maximumPathLength = 108

    /// The socket path.
    public let path: String
    private let lock: RPCSocketLock
    private let serverChannel: any Channel
    private let gate: RPCServerGate
    private let connections: RPCConnectionSet
    private let isClosed = Mutex(false)
    private let logger: Logger

    private init(
        path: String,
        lock: RPCSocketLock,
        serverChannel: any Channel,
        gate: RPCServerGate,
        connections: RPCConnectionSet,
        logger: Logger
    ) {
        self.path = path
        self.lock = lock
        self.serverChannel = serverChannel
        self.gate = gate
        self.connections = connections
        self.logger = logger
    }

    /// Starts listening on `path`.
    ///
    /// Takes `<path>.lock` (mode 0600, non-blocking exclusive `flock`), removes a stale socket
    /// file, binds and listens (backlog 512). Connections are accepted at once, but no request
    /// is answered while paused.
    ///
    /// - Parameters:
    ///   - startPaused: Hold requests until ``resume()`` (the app resumes after init and config load).
    /// - Throws: ``RPCServerError/socketInUse(_:)`` when another process holds the lock,
    ///   ``RPCServerError/pathTooLong(_:)``, or the bind error.
    public static func start(
        path: String,
        methods: RPCMethodTable,
        group: any EventLoopGroup,
        startPaused: Bool,
        logger: Logger
    ) async throws -> RPCServer {
        let lockPath = path + ".lock"
        for candidate in [path, lockPath] where candidate.utf8.count >= Self.maximumPathLength {
            throw RPCServerError.pathTooLong(candidate)
        }
        let lock = try RPCSocketLock(path: lockPath, socketPath: path)
        unlink(path)

        let gate = RPCServerGate(paused: startPaused)
        let connections = RPCConnectionSet()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Self.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.maxMessagesPerRead, value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RPCAcceptLimiter())
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let (events, continuation) = AsyncStream.makeStream(of: RPCConnectionEvent.self)
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(JSONValueFramer()),
                        RPCConnectionHandler(events: continuation)
                    )
                    connections.insert(channel)
                    Task {
                        await Self.serve(events, on: channel, methods: methods, gate: gate, logger: logger)
                    }
                }
            }
        let serverChannel: any Channel
        do {
            serverChannel = try await bootstrap.bind(unixDomainSocketPath: path).get()
        } catch {
            lock.release()
            throw error
        }
        logger.debug("RPC server listening", metadata: ["path": "\(path)", "paused": "\(startPaused)"])
        return RPCServer(
            path: path,
            lock: lock,
            serverChannel: serverChannel,
            gate: gate,
            connections: connections,
            logger: logger
        )
    }

    /// Starts answering requests, including those that arrived while paused.
    public func resume() {
        self.gate.resume()
    }

    /// Stops answering requests until ``resume()``; requests already executing finish
    /// (`framework_start_init` pauses the server while subsystems initialise).
    public func pause() {
        self.gate.pause()
    }

    /// Stops accepting, closes every connection, and removes the socket file and the lock file.
    public func close() async {
        let wasClosed = self.isClosed.withLock { isClosed in
            defer { isClosed = true }
            return isClosed
        }
        guard !wasClosed else { return }
        self.gate.close()
        try? await self.serverChannel.close()
        for channel in self.connections.removeAll() {
            try? await channel.close()
        }
        unlink(self.path)
        self.lock.release()
        self.logger.debug("RPC server closed", metadata: ["path": "\(self.path)"])
    }

    /// A connection's request loop: executes requests in arrival order, writes each response, and
    /// closes the connection when the requests end (client EOF, parse error, server closing).
    private static func serve(
        _ events: AsyncStream<RPCConnectionEvent>,
        on channel: any Channel,
        methods: RPCMethodTable,
        gate: RPCServerGate,
        logger: Logger
    ) async {
        var lastWrite: EventLoopFuture<Void>?
        for await event in events {
            guard await gate.waitUntilOpen() else { break }
            let response: JSONValue?
            switch event {
            case .request(let request):
                response = await methods.respond(to: request)
                channel.pipeline.fireUserInboundEventTriggered(RPCRequestCompleted())
            case .parseError:
                logger.debug("RPC parse error, closing connection")
                response = RPCResponse.error(.parseError, id: .null)
            }
            if let response {
                lastWrite = channel.writeAndFlush(Self.frame(response))
            }
        }
        // The client closed its side, the stream broke, or the server is closing: close once the
        // last response is out.
        if let lastWrite {
            lastWrite.whenComplete { _ in channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
    }

    /// A response as sent: compact JSON and a newline.
    private static func frame(_ response: JSONValue) -> ByteBuffer {
        ByteBuffer(string: response.compactText() + "\n")
    }
}
