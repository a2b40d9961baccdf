import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// Random headers of every opcode after login must get an answer or a closed connection, never a trap.
@Suite struct ConnectionRandomPDUTests {
    @Test(arguments: 0..<4)
    func randomHeadersNeverCrashTheConnection(seed: Int) throws {
        var generator = SplitMix64(seed: UInt64(seed))
        var initiator = try ConnectionTestInitiator()
        var connections = 1
        for _ in 0..<1000 {
            if !initiator.channel.isActive {
                // A protocol error closed the connection: log in again and go on.
                initiator = try ConnectionTestInitiator()
                connections += 1
            }
            if initiator.registry.connections.first?.info.loginPhase != "full_feature_phase" {
                let login = try initiator.login(keys: [
                    "SessionType": "Normal",
                    "TargetName": ConnectionTestInitiator.targetName,
                    "ImmediateData": "Yes",
                ])
                #expect(login.status == .success)
            }
            var header = ISCSIBasicHeaderSegment(
                opcode: ISCSIOpcode(rawValue: UInt8.random(in: 0...0x3f, using: &generator))
            )
            for index in 1..<ISCSIBasicHeaderSegment.byteCount {
                header.bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) {
                header.opcode =
                    [.scsiCommand, .scsiDataOut, .nopOut, .textRequest, .taskManagementRequest][
                        Int.random(in: 0..<5, using: &generator)
                    ]
                header.setUInt32(initiator.cmdSN, at: 24)
                header.logicalUnitNumber = 0
            }
            let data = ByteBuffer(repeating: 0x41, count: Int.random(in: 0...600, using: &generator))
            try initiator.send(ISCSIPDU(header: header, dataSegment: data))
            _ = try initiator.receiveAll()
        }
        #expect(connections < 1000)
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
