import NIOCore
import NIOEmbedded
import Testing

@testable import JSONRPC

/// Counts the reads that reach the socket.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var reads = 0

    func read(context: ChannelHandlerContext) {
        self.reads += 1
        context.read()
    }
}

@Suite struct RPCConnectionHandlerTests {
    private func makeChannel(
        maximumQueuedRequests: Int = 64
    ) throws -> (EmbeddedChannel, ReadCounter, AsyncStream<RPCConnectionEvent>) {
        let (events, continuation) = AsyncStream.makeStream(of: RPCConnectionEvent.self)
        let counter = ReadCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(
            counter,
            ByteToMessageHandler(JSONValueFramer()),
            RPCConnectionHandler(events: continuation, maximumQueuedRequests: maximumQueuedRequests)
        )
        return (channel, counter, events)
    }

    @Test func emitsRequestsThenParseErrorAndIgnoresTheRest() async throws {
        let (channel, _, events) = try self.makeChannel()
        try channel.writeInbound(ByteBuffer(string: #"{"method":"a"} [1] {"method":tru} {"method":"b"}"#))
        var received: [String] = []
        for await event in events {
            switch event {
            case .request(let value): received.append(value.compactText())
            case .parseError: received.append("parse error")
            }
        }
        #expect(received == [#"{"method":"a"}"#, "[1]", "parse error"])
    }

    @Test func framingGarbageBecomesParseError() async throws {
        let (channel, _, events) = try self.makeChannel()
        try channel.writeInbound(ByteBuffer(string: "{]"))
        var received: [String] = []
        for await event in events {
            if case .parseError = event { received.append("parse error") }
        }
        #expect(received == ["parse error"])
    }

    @Test func stopsReadingWhileTooManyRequestsWait() throws {
        let (channel, counter, _) = try self.makeChannel(maximumQueuedRequests: 2)
        channel.read()
        #expect(counter.reads == 1)
        try channel.writeInbound(ByteBuffer(string: "{}{}"))
        channel.read()
        #expect(counter.reads == 1)
        channel.pipeline.fireUserInboundEventTriggered(RPCRequestCompleted())
        #expect(counter.reads == 2)
        channel.read()
        #expect(counter.reads == 3)
    }

    @Test func inputClosedEndsTheRequests() async throws {
        let (channel, _, events) = try self.makeChannel()
        try channel.writeInbound(ByteBuffer(string: #"{"method":"a"}"#))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        var count = 0
        for await _ in events {
            count += 1
        }
        #expect(count == 1)
    }
}

@Suite struct RPCAcceptLimiterTests {
    @Test func stopsAcceptingAtTheLimitUntilAConnectionCloses() throws {
        let counter = ReadCounter()
        let server = EmbeddedChannel()
        try server.pipeline.syncOperations.addHandlers(counter, RPCAcceptLimiter(maximumConnections: 2))
        let first = EmbeddedChannel(loop: server.embeddedEventLoop)
        let second = EmbeddedChannel(loop: server.embeddedEventLoop)
        try server.writeInbound(first as any Channel)
        server.read()
        #expect(counter.reads == 1)
        try server.writeInbound(second as any Channel)
        server.read()
        #expect(counter.reads == 1)
        try first.close().wait()
        server.embeddedEventLoop.run()
        #expect(counter.reads == 2)
        _ = try server.readInbound(as: (any Channel).self)
    }
}
