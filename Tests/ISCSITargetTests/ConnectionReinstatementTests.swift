import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// Session reinstatement (a login with the ISID of an open session, RFC 7143 §6.3.5) while the old connection
/// lives on another event loop: its close comes later, and must not undo what the new session did meanwhile. And
/// connection reinstatement, which keeps the session and its I_T nexus.
@Suite struct ConnectionReinstatementTests {
    private let normal = ["SessionType": "Normal", "TargetName": ConnectionTestInitiator.targetName]
    private static let reserve6: [UInt8] = [0x16, 0, 0, 0, 0, 0]
    private static let reservationConflict: UInt8 = 0x18

    /// Holds the close of its channel until `release()`: a connection whose event loop has not run its close yet.
    private final class DeferredClose: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer

        private var heldClose: (context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?)?

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            self.heldClose = (context, mode, promise)
        }

        func release() {
            guard let held = self.heldClose.take() else { return }
            held.context.close(mode: held.mode, promise: held.promise)
        }
    }

    /// The SCSI status of a RESERVE(6) from `initiator`.
    private func reserve(_ initiator: ConnectionTestInitiator) throws -> UInt8 {
        try initiator.send(initiator.command(cdb: Self.reserve6, expectedLength: 0).makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        initiator.expStatSN = response.statSN &+ 1
        return response.status
    }

    /// A logged-in initiator port `isid` on `old`'s target.
    private func initiator(sharing old: ConnectionTestInitiator, isid: UInt64) throws -> ConnectionTestInitiator {
        let initiator = try ConnectionTestInitiator(sharing: old)
        #expect(try initiator.login(keys: self.normal, isid: isid).status == .success)
        return initiator
    }

    @Test func theReinstatedSessionKeepsAReservationTakenBeforeTheOldConnectionCloses() throws {
        let old = try ConnectionTestInitiator()
        #expect(try old.login(keys: self.normal).status == .success)
        let deferredClose = DeferredClose()
        try old.channel.pipeline.syncOperations.addHandler(deferredClose, position: .first)

        let new = try self.initiator(sharing: old, isid: 0x8000_0000_0001)
        #expect(try self.reserve(new) == 0)
        deferredClose.release()
        #expect(!old.channel.isActive)

        let other = try self.initiator(sharing: old, isid: 0x8000_0000_0002)
        #expect(try self.reserve(other) == Self.reservationConflict)
    }

    @Test func connectionReinstatementKeepsTheSessionsReservation() throws {
        let old = try ConnectionTestInitiator()
        let login = try old.login(keys: self.normal)
        #expect(try self.reserve(old) == 0)

        let replacement = try ConnectionTestInitiator(sharing: old)
        replacement.cmdSN = old.cmdSN
        #expect(try replacement.login(keys: self.normal, tsih: login.tsih, cid: 0).status == .success)
        old.channel.embeddedEventLoop.run()
        #expect(!old.channel.isActive)

        let other = try self.initiator(sharing: old, isid: 0x8000_0000_0002)
        #expect(try self.reserve(other) == Self.reservationConflict)
        #expect(try self.reserve(replacement) == 0)
    }

    @Test func reinstatementReleasesTheOldSessionsReservationAtOnce() throws {
        let old = try ConnectionTestInitiator()
        #expect(try old.login(keys: self.normal).status == .success)
        #expect(try self.reserve(old) == 0)
        let deferredClose = DeferredClose()
        try old.channel.pipeline.syncOperations.addHandler(deferredClose, position: .first)

        _ = try self.initiator(sharing: old, isid: 0x8000_0000_0001)
        let other = try self.initiator(sharing: old, isid: 0x8000_0000_0002)
        #expect(try self.reserve(other) == 0)
        deferredClose.release()
    }
}
