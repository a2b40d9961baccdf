import BlockDevice
import ISCSIWire
import NIOCore
import NIOEmbedded
import SCSI
import Testing

@testable import ISCSITarget

/// Drives an `ISCSIConnectionHandler` on an `EmbeddedChannel` the way an initiator would.
final class ConnectionTestInitiator {
    static let targetName = "iqn.2016-06.io.spdk:disk1"
    static let initiatorName = "iqn.2016-06.io.test:initiator"

    let channel = EmbeddedChannel()
    let registry: ConnectionRegistry
    let plane: ISCSIDataPlane
    var encoder = ISCSIPDUEncoder()
    var decoder = ISCSIPDUDecoder(configuration: .init(maxDataSegmentLength: 1 << 24))
    private var received = ByteBuffer()
    var cmdSN: UInt32 = 1
    var expStatSN: UInt32 = 0
    var nextTag: UInt32 = 1

    /// A new connection; with `sharing`, to the same target instance as that initiator's connection.
    init(
        snapshot: ConfigurationSnapshot = ConnectionTestInitiator.defaultSnapshot(),
        sharing other: ConnectionTestInitiator? = nil,
        metrics: ISCSIMetrics? = nil
    ) throws {
        self.channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 3260)
        self.channel.remoteAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 50_000)
        self.registry = other?.registry ?? ConnectionRegistry()
        self.plane =
            other?.plane
            ?? ISCSIDataPlane(configuration: ConfigurationStore(snapshot), connections: self.registry, metrics: metrics)
        try self.plane.configure(channel: self.channel, portalGroupTag: 1)
        try self.channel.connect(to: self.channel.remoteAddress!).wait()
    }

    /// One 1 MiB Malloc LUN behind portal group 1, open to every initiator from anywhere.
    static func defaultSnapshot(initiators: [String] = ["ANY"]) -> ConfigurationSnapshot {
        let device = try! MallocBlockDevice(.init(name: "Malloc0", blockCount: 2048, blockSize: 512))
        let logicalUnit = LogicalUnit(id: 0, blockDevice: device)
        let target = TargetNodeSnapshot(
            name: Self.targetName,
            aliasName: "Data Disk1",
            maps: [PortalGroupInitiatorGroupMap(pgTag: 1, igTag: 1)],
            logicalUnits: [logicalUnit],
            queueDepth: 64,
            auth: CHAPPolicy(),
            headerDigest: false,
            dataDigest: false,
            redirects: [:],
            isBeingDeleted: false,
            scsiDevice: SCSIDevice(
                name: Self.targetName,
                id: 0,
                ports: [SCSITargetPort(targetName: Self.targetName, portalGroupTag: 1)],
                logicalUnits: [logicalUnit]
            )
        )
        return ConfigurationSnapshot(
            portalGroups: [
                PortalGroupSnapshot(
                    tag: 1,
                    portals: [Portal(host: "0.0.0.0", port: "3260")],
                    isPrivate: false,
                    auth: CHAPPolicy()
                )
            ],
            initiatorGroups: [InitiatorGroupSnapshot(tag: 1, initiators: initiators, netmasks: ["ANY"])],
            targets: [target]
        )
    }

    func send(_ pdu: ISCSIPDU) throws {
        var buffer = ByteBuffer()
        self.encoder.encode(pdu, into: &buffer)
        try self.channel.writeInbound(buffer)
    }

    /// Every PDU the target has written so far.
    func receiveAll() throws -> [ISCSIPDU] {
        while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            self.received.writeImmutableBuffer(buffer)
        }
        var pdus: [ISCSIPDU] = []
        while let pdu = try self.decoder.decode(buffer: &self.received) {
            pdus.append(pdu)
        }
        return pdus
    }

    func takeTag() -> UInt32 {
        defer { self.nextTag += 1 }
        return self.nextTag
    }

    /// Logs in straight from operational negotiation to full feature phase, as initiator port `isid`; with `tsih`,
    /// as connection `cid` of that open session.
    func login(
        keys: [String: String],
        extraKeys: String = "",
        isid: UInt64 = 0x8000_0000_0001,
        tsih: UInt16 = 0,
        cid: UInt16 = 0
    ) throws -> LoginResponsePDU {
        var text = "InitiatorName=\(Self.initiatorName)\0"
        for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
            text += "\(key)=\(value)\0"
        }
        text += extraKeys
        try self.send(
            LoginRequestPDU(
                isTransit: true,
                currentStage: .loginOperationalNegotiation,
                nextStage: .fullFeaturePhase,
                isid: isid,
                tsih: tsih,
                initiatorTaskTag: self.takeTag(),
                cid: cid,
                cmdSN: self.cmdSN,
                expStatSN: self.expStatSN,
                data: ByteBuffer(string: text)
            ).makePDU()
        )
        let pdus = try self.receiveAll()
        let response = try LoginResponsePDU(try #require(pdus.last))
        self.expStatSN = response.statSN &+ 1
        return response
    }

    func command(
        cdb: [UInt8],
        read: Bool = false,
        write: Bool = false,
        expectedLength: UInt32,
        data: ByteBuffer = ByteBuffer()
    ) -> SCSICommandPDU {
        var bytes = InlineArray<16, UInt8>(repeating: 0)
        for (index, byte) in cdb.enumerated() {
            bytes[index] = byte
        }
        defer { self.cmdSN &+= 1 }
        return SCSICommandPDU(
            isRead: read,
            isWrite: write,
            logicalUnitNumber: 0,
            initiatorTaskTag: self.takeTag(),
            expectedDataTransferLength: expectedLength,
            cmdSN: self.cmdSN,
            expStatSN: self.expStatSN,
            cdb: bytes,
            data: data
        )
    }
}
