import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// A peer that stops reading its socket: what the target writes is never taken. A closing connection must not
/// wait for it forever, or the peer keeps its session, its session slot and its reservations.
@Suite struct ConnectionStalledPeerTests {
    private let normal = ["SessionType": "Normal", "TargetName": ConnectionTestInitiator.targetName]

    /// Stands for the socket of a peer that takes nothing more: writes are held, their promises pending, until the
    /// channel closes.
    private final class StalledSocket: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer

        private var heldWrites: [EventLoopPromise<Void>] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if let promise {
                self.heldWrites.append(promise)
            }
        }

        func flush(context: ChannelHandlerContext) {}

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            let held = self.heldWrites
            self.heldWrites = []
            for write in held {
                write.fail(ChannelError.ioOnClosedChannel)
            }
            context.close(mode: mode, promise: promise)
        }
    }

    /// A logged-in initiator whose socket stops taking the target's writes from now on.
    private func stalledInitiator(isid: UInt64 = 0x8000_0000_0001) throws -> ConnectionTestInitiator {
        let initiator = try ConnectionTestInitiator()
        #expect(try initiator.login(keys: self.normal, isid: isid).status == .success)
        try initiator.channel.pipeline.syncOperations.addHandler(StalledSocket(), position: .first)
        return initiator
    }

    @Test func aPeerThatStopsReadingIsDroppedWhenItsPingGoesUnanswered() throws {
        let initiator = try self.stalledInitiator()
        // The ping after 30 idle seconds never reaches it; nop_timeout (60 s) later the connection is gone.
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        #expect(initiator.channel.isActive)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(!initiator.channel.isActive)
        #expect(initiator.registry.connections.isEmpty)
    }

    @Test func aClosingConnectionWaitsForItsLastWritesAtMostTheLinger() throws {
        let initiator = try self.stalledInitiator()
        try initiator.send(
            LogoutRequestPDU(
                isImmediate: true,
                reason: .closeSession,
                initiatorTaskTag: initiator.takeTag(),
                cid: 0,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN
            ).makePDU()
        )
        // The Logout Response waits in the socket: the connection waits for the peer to take it, a while.
        initiator.channel.embeddedEventLoop.advanceTime(by: ISCSIConnectionHandler.closeLinger - .milliseconds(1))
        #expect(initiator.channel.isActive)
        initiator.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!initiator.channel.isActive)
        #expect(initiator.registry.connections.isEmpty)
    }

    @Test func theReservationOfADroppedPeerIsReleased() throws {
        let holder = try ConnectionTestInitiator()
        #expect(try holder.login(keys: self.normal).status == .success)
        try holder.send(holder.command(cdb: [0x16, 0, 0, 0, 0, 0], expectedLength: 0).makePDU())
        #expect(try SCSIResponsePDU(try #require(try holder.receiveAll().first)).status == 0)
        try holder.channel.pipeline.syncOperations.addHandler(StalledSocket(), position: .first)

        let other = try ConnectionTestInitiator(sharing: holder)
        #expect(try other.login(keys: self.normal, isid: 0x8000_0000_0002).status == .success)
        let reserve = { () throws -> UInt8 in
            try other.send(other.command(cdb: [0x16, 0, 0, 0, 0, 0], expectedLength: 0).makePDU())
            let response = try SCSIResponsePDU(try #require(try other.receiveAll().first))
            other.expStatSN = response.statSN &+ 1
            return response.status
        }
        #expect(try reserve() == 0x18)

        holder.channel.embeddedEventLoop.advanceTime(by: .seconds(91))
        #expect(!holder.channel.isActive)
        #expect(try reserve() == 0)
    }
}
