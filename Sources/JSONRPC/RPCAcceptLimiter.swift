import NIOCore

/// Sent down the server channel's pipeline when an accepted connection has closed.
struct RPCConnectionClosed: Sendable {}

/// Stops accepting while `maximumConnections` clients are connected (SPDK's
/// `SPDK_JSONRPC_MAX_CONNS`); further clients wait in the listen backlog until a slot frees.
///
/// Sits on the server channel, before the bootstrap's accept handler; the server channel must
/// accept one connection per read (`maxMessagesPerRead` 1) for the limit to be exact.
final class RPCAcceptLimiter: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    /// SPDK's `SPDK_JSONRPC_MAX_CONNS`.
    static let defaultMaximumConnections = 64

    private let maximumConnections: Int
    private var openConnections = 0
    private var isReadDeferred = false

    init(maximumConnections: Int = RPCAcceptLimiter.defaultMaximumConnections) {
        self.maximumConnections = maximumConnections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = self.unwrapInboundIn(data)
        self.openConnections += 1
        let serverPipeline = context.pipeline
        child.closeFuture.whenComplete { _ in
            serverPipeline.fireUserInboundEventTriggered(RPCConnectionClosed())
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if self.openConnections >= self.maximumConnections {
            self.isReadDeferred = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RPCConnectionClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.openConnections -= 1
        if self.isReadDeferred, self.openConnections < self.maximumConnections {
            self.isReadDeferred = false
            context.read()
        }
    }
}
