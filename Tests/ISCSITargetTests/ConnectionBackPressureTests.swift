import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// A peer that does not take its responses: past the outbound high watermark the connection stops
/// decoding and reading, and goes on once the channel is writable again.
@Suite struct ConnectionBackPressureTests {
    private let normal = ["SessionType": "Normal", "TargetName": ConnectionTestInitiator.targetName]

    private func nopOut(_ initiator: ConnectionTestInitiator, tag: UInt32) -> ISCSIPDU {
        NOPOutPDU(
            initiatorTaskTag: tag,
            cmdSN: initiator.cmdSN,
            expStatSN: initiator.expStatSN,
            data: ByteBuffer(string: "ping")
        ).makePDU()
    }

    /// The autoRead value last set on `channel` (EmbeddedChannel's getOption always answers true).
    private static func autoRead(_ channel: EmbeddedChannel) -> Bool? {
        channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool
    }

    @Test func decodingWaitsWhileTheChannelIsNotWritable() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        initiator.channel.isWritable = false
        try initiator.send(self.nopOut(initiator, tag: 1))
        try initiator.send(self.nopOut(initiator, tag: 2))
        #expect(try initiator.receiveAll().isEmpty)
        #expect(Self.autoRead(initiator.channel) == false)

        initiator.channel.isWritable = true
        initiator.channel.pipeline.fireChannelWritabilityChanged()
        let answers = try initiator.receiveAll().map { try NOPInPDU($0).initiatorTaskTag }
        #expect(answers == [1, 2])
        #expect(Self.autoRead(initiator.channel) == true)
    }

    @Test func theWatermarksAreSetWhenTheHandlerIsAdded() throws {
        let initiator = try ConnectionTestInitiator()
        let marks = try initiator.channel.getOption(ChannelOptions.writeBufferWaterMark).wait()
        #expect(marks.high == 4 << 20 && marks.low == 1 << 20)
    }
}
