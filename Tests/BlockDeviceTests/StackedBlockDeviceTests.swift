import BlockDevice
import NIOCore
import Testing

@Suite struct DelayBlockDeviceTests {
    private func makeDevice() throws -> (MallocBlockDevice, DelayBlockDevice) {
        let base = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 16, blockSize: 512))
        let latencies: [DelayBlockDevice.Latency: UInt64] = [
            .averageRead: 100, .p99Read: 1000, .averageWrite: 200, .p99Write: 2000,
        ]
        return (base, DelayBlockDevice(name: "Delay0", base: base, latencies: latencies))
    }

    @Test func forwardsIOToTheBase() throws {
        let (base, device) = try self.makeDevice()
        #expect(device.blockCount == 16 && device.blockSize == 512)
        #expect(device.supportedIOTypes == base.supportedIOTypes)
        #expect(device.write(lba: 2, data: ByteBuffer(repeating: 7, count: 512)) == .success)
        var read = ByteBuffer()
        #expect(base.read(lba: 2, blocks: 1, into: &read) == .success)
        #expect(read.readableBytesView.allSatisfy { $0 == 7 })
    }

    @Test func everyHundredthResponseGetsTheTailLatency() throws {
        let (_, device) = try self.makeDevice()
        let reads = (1...200).map { _ in device.responseDelay(for: .read) }
        #expect(reads.filter { $0 == .microseconds(1000) }.count == 2)
        #expect(reads.filter { $0 == .microseconds(100) }.count == 198)
        #expect(device.responseDelay(for: .write) == .microseconds(200))
        #expect(device.responseDelay(for: .flush) == .zero)
        #expect(device.responseDelay(for: .unmap) == .zero)
    }

    @Test func latenciesCanBeUpdated() throws {
        let (_, device) = try self.makeDevice()
        device.setLatency(.averageWrite, microseconds: 5000)
        #expect(device.latency(.averageWrite) == 5000)
        #expect(device.responseDelay(for: .write) == .milliseconds(5))
    }

    @Test func stackedDelaysAddUp() throws {
        let (_, inner) = try self.makeDevice()
        let outer = DelayBlockDevice(name: "Delay1", base: inner, latencies: [.averageRead: 50])
        #expect(outer.responseDelay(for: .read) == .microseconds(150))
    }
}

@Suite struct ErrorBlockDeviceTests {
    private func makeDevice() throws -> (MallocBlockDevice, ErrorBlockDevice) {
        let base = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 16, blockSize: 512))
        return (base, ErrorBlockDevice(base: base))
    }

    @Test func isNamedAfterItsBase() throws {
        let (_, device) = try self.makeDevice()
        #expect(device.name == "EE_Malloc0")
    }

    @Test func failsTheNextRequestsOfTheArmedKind() throws {
        let (base, device) = try self.makeDevice()
        device.inject(.init(errorType: .failure, count: 2), into: [.write])
        let data = ByteBuffer(repeating: 9, count: 512)
        var read = ByteBuffer()
        #expect(device.read(lba: 0, blocks: 1, into: &read) == .success)
        #expect(device.write(lba: 0, data: data) == .failed(.ioError))
        #expect(device.write(lba: 0, segments: [data], forceUnitAccess: true) == .failed(.ioError))
        // Failed writes never reached the base.
        read.clear()
        #expect(base.read(lba: 0, blocks: 1, into: &read) == .success)
        #expect(read.readableBytesView.allSatisfy { $0 == 0 })
        #expect(device.write(lba: 0, data: data) == .success)
        #expect(device.armedInjections.isEmpty)
    }

    @Test func allArmsEveryKindAndClearDisarms() throws {
        let (_, device) = try self.makeDevice()
        device.inject(.init(errorType: .nvmeFailure, count: 5), into: BlockIOKind.allCases)
        #expect(device.flush() == .failed(.ioError))
        #expect(device.unmap(lba: 0, blocks: 1) == .failed(.ioError))
        #expect(device.writeZeroes(lba: 0, blocks: 1) == .failed(.ioError))
        device.clearInjections()
        #expect(device.flush() == .success)
    }

    @Test func corruptDataXorsOneByte() throws {
        let (base, device) = try self.makeDevice()
        #expect(base.write(lba: 1, data: ByteBuffer(repeating: 0x0F, count: 512)) == .success)
        device.inject(.init(errorType: .corruptData, corruptOffset: 3, corruptValue: 0xFF), into: [.read, .write])
        var read = ByteBuffer(string: "x")
        #expect(device.read(lba: 1, blocks: 1, into: &read) == .success)
        let bytes = Array(read.readableBytesView.dropFirst())
        #expect(bytes[3] == 0xF0)
        #expect(bytes.enumerated().allSatisfy { $0.offset == 3 || $0.element == 0x0F })

        #expect(device.write(lba: 2, data: ByteBuffer(repeating: 0, count: 512)) == .success)
        read.clear()
        #expect(base.read(lba: 2, blocks: 1, into: &read) == .success)
        #expect(Array(read.readableBytesView)[3] == 0xFF)
    }

    @Test func noMemoryRunsTheRequest() throws {
        let (_, device) = try self.makeDevice()
        device.inject(.init(errorType: .noMemory), into: [.flush])
        #expect(device.flush() == .success)
        #expect(device.armedInjections.isEmpty)
    }
}
