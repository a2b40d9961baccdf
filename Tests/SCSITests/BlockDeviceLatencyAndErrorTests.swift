import BlockDevice
import NIOCore
import SCSI
import Testing

/// The SCSI side of the test devices: a delay device's latency becomes the completion's response delay, an
/// injected failure the right sense.
@Suite struct BlockDeviceLatencyAndErrorTests {
    private let read10: [UInt8] = [0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0]
    private let write10: [UInt8] = [0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0]
    private let synchronizeCache10: [UInt8] = [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    private func makeBase() throws -> MallocBlockDevice {
        try MallocBlockDevice(.init(name: "Malloc0", blockCount: 64, blockSize: 512))
    }

    @Test func delayDeviceLatencyIsTheResponseDelay() throws {
        let delay = DelayBlockDevice(
            name: "Delay0",
            base: try self.makeBase(),
            latencies: [.averageRead: 300, .averageWrite: 700]
        )
        let fixture = try SCSITestFixture(blockDevice: delay)
        #expect(fixture.run(self.read10).completion.responseDelay == .microseconds(300))
        let write = fixture.run(
            self.write10,
            expectedLength: 512,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 1, count: 512)]
        )
        #expect(write.completion.status == .good)
        #expect(write.completion.responseDelay == .microseconds(700))
        #expect(fixture.run(self.synchronizeCache10).completion.responseDelay == .zero)
        // INQUIRY does no block I/O.
        #expect(fixture.run([0x12, 0, 0, 0, 36, 0]).completion.responseDelay == .zero)
    }

    @Test func injectedFailuresBecomeMediumErrors() throws {
        let error = ErrorBlockDevice(base: try self.makeBase())
        let fixture = try SCSITestFixture(blockDevice: error)
        error.inject(.init(errorType: .failure), into: [.read, .write, .flush])

        let read = fixture.run(self.read10).completion
        #expect(read.status == .checkCondition)
        #expect(read.sense?.key == .mediumError)
        #expect(read.sense?.code == .unrecoveredReadError)

        let write = fixture.run(
            self.write10,
            expectedLength: 512,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 1, count: 512)]
        ).completion
        #expect(write.sense?.key == .mediumError)
        #expect(write.sense?.code == .writeError)

        #expect(fixture.run(self.synchronizeCache10).completion.sense?.key == .mediumError)
        // The injections were used up.
        #expect(fixture.run(self.read10).completion.status == .good)
    }
}
