import ISCSIWire
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import ISCSITarget

@Suite struct MetricsConnectionTests {
    private let normal = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
        "ImmediateData": "Yes",
        "MaxRecvDataSegmentLength": "512",
    ]
    private let key = MetricSeriesKey(
        target: ConnectionTestInitiator.targetName,
        initiator: ConnectionTestInitiator.initiatorName,
        logicalUnit: 0
    )

    /// WRITE(10) of 2 blocks with immediate data, READ(10) of them, and a READ past the end.
    private func runCommands(_ initiator: ConnectionTestInitiator) throws {
        _ = try initiator.login(keys: self.normal)
        let payload = ByteBuffer(repeating: 0x5A, count: 1024)
        let write = initiator.command(
            cdb: [0x2a, 0, 0, 0, 0, 4, 0, 0, 2, 0],
            write: true,
            expectedLength: 1024,
            data: payload.getSlice(at: 0, length: 512)!
        )
        try initiator.send(write.makePDU())
        let r2t = try ReadyToTransferPDU(try #require(try initiator.receiveAll().first))
        try initiator.send(
            SCSIDataOutPDU(
                isFinal: true,
                logicalUnitNumber: 0,
                initiatorTaskTag: write.initiatorTaskTag,
                targetTransferTag: r2t.targetTransferTag,
                expStatSN: initiator.expStatSN,
                dataSN: 0,
                bufferOffset: 512,
                data: payload.getSlice(at: 512, length: 512)!
            ).makePDU()
        )
        #expect(try SCSIResponsePDU(try #require(try initiator.receiveAll().first)).status == 0)
        try initiator.send(
            initiator.command(cdb: [0x28, 0, 0, 0, 0, 4, 0, 0, 2, 0], read: true, expectedLength: 1024).makePDU()
        )
        #expect(try initiator.receiveAll().count == 2)
        try initiator.send(
            initiator.command(cdb: [0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0], read: true, expectedLength: 512).makePDU()
        )
        #expect(try SCSIResponsePDU(try #require(try initiator.receiveAll().first)).status == 0x02)
    }

    @Test func commandsBytesAndErrorsAreCounted() throws {
        let metrics = ISCSIMetrics()
        let initiator = try ConnectionTestInitiator(metrics: metrics)
        try self.runCommands(initiator)
        let counters = try #require(metrics.shard(of: initiator.channel.eventLoop).snapshot()[self.key])
        #expect(counters.commands == 3)
        #expect(counters.writtenBytes == 1024)
        #expect(counters.readBytes == 1024)
        #expect(counters.errors == 1)
        #expect(counters.latencyBuckets.indices.reduce(0) { $0 + counters.latencyBuckets[$1] } == 3)
    }

    @Test func countersOutliveTheirConnection() throws {
        let metrics = ISCSIMetrics()
        let initiator = try ConnectionTestInitiator(metrics: metrics)
        try self.runCommands(initiator)
        try initiator.channel.close().wait()
        let counters = try #require(metrics.shard(of: initiator.channel.eventLoop).snapshot()[self.key])
        #expect(counters.commands == 3 && counters.errors == 1)
    }

    @Test func withoutMetricsNothingIsCounted() throws {
        let initiator = try ConnectionTestInitiator()
        try self.runCommands(initiator)
        let handler = try initiator.channel.pipeline.syncOperations.handler(type: ISCSIConnectionHandler.self)
        #expect(handler.metrics == nil)
    }

    @Test func httpGetMetricsAnswersTheExposition() throws {
        let metrics = ISCSIMetrics()
        let initiator = try ConnectionTestInitiator(metrics: metrics)
        try self.runCommands(initiator)
        let http = EmbeddedChannel(handler: MetricsHTTPHandler(metrics: metrics))
        let response = try self.request(.GET, "/metrics", on: http, running: initiator.channel.embeddedEventLoop)
        #expect(response.head.status == .ok)
        #expect(response.head.headers["Content-Type"] == [PrometheusExposition.contentType])
        #expect(response.body.contains("iscsi_scsi_commands_total{target=\"iqn.2016-06.io.spdk:disk1\""))
        #expect(response.body.contains("lun=\"0\"} 3\n"))
        #expect(try self.request(.GET, "/", on: http, running: nil).head.status == .notFound)
        #expect(try self.request(.POST, "/metrics", on: http, running: nil).head.status == .methodNotAllowed)
    }

    private func request(
        _ method: HTTPMethod,
        _ uri: String,
        on channel: EmbeddedChannel,
        running loop: EmbeddedEventLoop?
    ) throws -> (head: HTTPResponseHead, body: String) {
        try channel.writeInbound(
            HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri))
        )
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        loop?.run()
        channel.embeddedEventLoop.run()
        guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no response head")
            throw ChannelError.eof
        }
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .body(.byteBuffer(let buffer)) = part {
                body += String(buffer: buffer)
            }
        }
        return (head, body)
    }
}
