import NIOCore

/// What a connection's request loop receives from the channel, in arrival order.
enum RPCConnectionEvent: Sendable {
    /// A parsed top-level value to execute.
    case request(JSONValue)
    /// The stream stopped being JSON: answer `Parse error` and close.
    case parseError
}

/// Turns framed JSON values into ``RPCConnectionEvent``s for the connection's request loop.
///
/// Sits after a `ByteToMessageHandler(JSONValueFramer())`. Parsing uses SPDK's limit of 8192
/// JSON values per request. After a parse error, or once the client has shut down its sending
/// side, further input is ignored and the request loop ends after the requests already received.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// SPDK's `SPDK_JSONRPC_MAX_VALUES`.
    static let maximumValuesPerRequest = 8192

    private let events: AsyncStream<RPCConnectionEvent>.Continuation
    private var isFinished = false

    init(events: AsyncStream<RPCConnectionEvent>.Continuation) {
        self.events = events
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isFinished else { return }
        let bytes = self.unwrapInboundIn(data)
        do {
            let value = try JSONValue.parse(bytes.readableBytesView, maxValues: Self.maximumValuesPerRequest)
            self.events.yield(.request(value))
        } catch {
            self.finish(with: .parseError)
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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // A client that shut down its sending side still gets the answers to what it sent.
            self.finish(with: nil)
        }
        context.fireUserInboundEventTriggered(event)
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
