import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// What the hostile-peer suite found, replayed on an embedded connection.
@Suite struct ConnectionHostileInputTests {
    @Test func aLoginRequestCarryingAHSFailsWithAnInitiatorError() throws {
        let initiator = try ConnectionTestInitiator()
        var login = LoginRequestPDU(
            isTransit: true,
            currentStage: .loginOperationalNegotiation,
            nextStage: .fullFeaturePhase,
            isid: 1,
            tsih: 0,
            initiatorTaskTag: 1,
            cid: 0,
            cmdSN: 1,
            expStatSN: 0,
            data: ByteBuffer(string: "InitiatorName=iqn.x\0SessionType=Discovery\0")
        ).makePDU()
        login.additionalHeaderSegments = ByteBuffer(repeating: 0xff, count: 1020)
        try initiator.send(login)
        let response = try LoginResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == .initiatorError)
        #expect(!initiator.channel.isActive)
    }
}
