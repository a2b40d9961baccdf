import NIOCore

/// What a connection's request loop receives from the channel, in arrival order.
enum RPCConnectionEvent: Sendable {
    /// A parsed top-level value to execute.
    case request(JSONValue)
    /// The stream stopped being JSON: answer `Parse error` and close.
    case parseError
}

/// Sent down the pipeline by the request loop each time it has finished a request, so that
/// ``RPCConnectionHandler`` can read more.
struct RPCRequestCompleted: Sendable {}

/// Turns framed JSON values into ``RPCConnectionEvent``s for the connection's request loop.
///
/// Sits after a `ByteToMessageHandler(JSONValueFramer())`. Parsing uses SPDK's limit of 8192
/// JSON values per request. After a parse error, or once the client has shut down its sending
/// side, further input is ignored and the request loop ends after the requests already received.
///
/// Back-pressure: while `maximumQueuedRequests` requests wait for the loop (a paused server, a
/// slow method), the handler stops reading from the socket, as SPDK stops polling a paused server.
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// SPDK's `SPDK_JSONRPC_MAX_VALUES`.
    static let maximumValuesPerRequest = 8192
    /// How many requests may wait for the request loop before reading stops.
    static let defaultMaximumQueuedRequests = 64

    private let events: AsyncStream<RPCConnectionEvent>.Continuation
    private let maximumQueuedRequests: Int
    private var queuedRequests = 0
    private var isReadDeferred = false
    private var isFinished = false

    init(
        events: AsyncStream<RPCConnectionEvent>.Continuation,
        maximumQueuedRequests: Int = RPCConnectionHandler.defaultMaximumQueuedRequests
    ) {
        self.events = events
        self.maximumQueuedRequests = maximumQueuedRequests
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isFinished else { return }
        let bytes = self.unwrapInboundIn(data)
        do {
            let value = try JSONValue.parse(bytes.readableBytesView, maxValues: Self.maximumValuesPerRequest)
            self.queuedRequests += 1
            self.events.yield(.request(value))
        } catch {
            self.finish(with: .parseError)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.queuedRequests >= self.maximumQueuedRequests {
            self.isReadDeferred = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is RPCRequestCompleted:
            self.queuedRequests -= 1
            if self.isReadDeferred, self.queuedRequests < self.maximumQueuedRequests {
                self.isReadDeferred = false
                context.read()
            }
        case ChannelEvent.inputClosed:
            // A client that shut down its sending side still gets the answers to what it sent.
            self.finish(with: nil)
            context.fireUserInboundEventTriggered(event)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.isFinished else { return }
        if case JSONFramingError.invalidJSON = error {
            self.finish(with: .parseError)
        } else {
            self.finish(with: nil)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(with: nil)
        context.fireChannelInactive()
    }

    private func finish(with lastEvent: RPCConnectionEvent?) {
        guard !self.isFinished else { return }
        self.isFinished = true
        if let lastEvent {
            self.events.yield(lastEvent)
        }
        self.events.finish()
    }
}
