import BlockDevice
import Dispatch
import FoundationEssentials
import NIOCore
import NIOPosix
import SCSI
import Synchronization
import Testing

/// An asynchronous device for these tests: a Malloc device whose submissions run on a queue of their own, which a
/// test may suspend to keep requests in flight.
final class QueuedBlockDevice: AsynchronousBlockDevice {
    let base: MallocBlockDevice
    let queue = DispatchQueue(label: "QueuedBlockDevice")
    let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    /// Fails every submitted request with this error when set.
    let failure = Mutex<BlockIOError?>(nil)
    /// The blocks one submitted compare-and-write may cover; 0: the SCSI layer emulates COMPARE AND WRITE.
    let maximumCompareAndWriteBlocks: UInt8
    /// How many flushes were submitted.
    let submittedFlushes = Atomic<Int>(0)
    /// How many writes were submitted with FUA.
    let forceUnitAccessWrites = Atomic<Int>(0)

    init(maximumCompareAndWriteBlocks: UInt8 = 0) throws {
        self.base = try MallocBlockDevice(.init(name: "Queued0", blockCount: 64, blockSize: 512))
        self.maximumCompareAndWriteBlocks = maximumCompareAndWriteBlocks
    }

    var name: String { self.base.name }
    var productName: String { self.base.productName }
    var uuid: UUID { self.base.uuid }
    var blockSize: UInt32 { self.base.blockSize }
    var blockCount: UInt64 { self.base.blockCount }
    var physicalBlockSize: UInt32 { self.base.physicalBlockSize }
    var optimalIOBoundary: UInt32 { self.base.optimalIOBoundary }
    var supportedIOTypes: BlockIOTypes { self.base.supportedIOTypes }
    var writeCacheEnabled: Bool { true }

    func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        self.base.read(lba: lba, blocks: blocks, into: &buffer)
    }

    func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.base.write(lba: lba, data: data)
    }

    func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.base.writeZeroes(lba: lba, blocks: blocks)
    }

    func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.base.unmap(lba: lba, blocks: blocks)
    }

    func flush() -> BlockIOStatus {
        self.base.flush()
    }

    func submitRead(
        lba: UInt64,
        blocks: UInt32,
        into buffer: consuming ByteBuffer,
        completion: @escaping @Sendable (BlockIOStatus, consuming ByteBuffer) -> Void
    ) {
        // Handed back without a reference left behind, as the protocol asks.
        let held = Mutex<ByteBuffer?>(consume buffer)
        self.queue.async {
            var buffer = held.withLock { $0.take() } ?? ByteBuffer()
            let status =
                self.failure.withLock { $0 }.map { .failed($0) }
                ?? self.base.read(lba: lba, blocks: blocks, into: &buffer)
            completion(status, consume buffer)
        }
    }

    func submitWrite(
        lba: UInt64,
        segments: [ByteBuffer],
        forceUnitAccess: Bool,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    ) {
        if forceUnitAccess {
            self.forceUnitAccessWrites.add(1, ordering: .relaxed)
        }
        self.queue.async {
            let status =
                self.failure.withLock { $0 }.map { .failed($0) }
                ?? self.base.write(lba: lba, segments: segments, forceUnitAccess: forceUnitAccess)
            completion(status)
        }
    }

    func submitFlush(completion: @escaping @Sendable (BlockIOStatus) -> Void) {
        self.submittedFlushes.add(1, ordering: .relaxed)
        self.queue.async {
            completion(self.failure.withLock { $0 }.map { .failed($0) } ?? .success)
        }
    }

    func submitWriteZeroes(lba: UInt64, blocks: UInt64, completion: @escaping @Sendable (BlockIOStatus) -> Void) {
        self.queue.async {
            completion(
                self.failure.withLock { $0 }.map { .failed($0) } ?? self.base.writeZeroes(lba: lba, blocks: blocks)
            )
        }
    }

    func submitUnmap(lba: UInt64, blocks: UInt64, completion: @escaping @Sendable (BlockIOStatus) -> Void) {
        self.queue.async {
            completion(self.failure.withLock { $0 }.map { .failed($0) } ?? self.base.unmap(lba: lba, blocks: blocks))
        }
    }

    func submitWriteSame(
        lba: UInt64,
        blocks: UInt64,
        pattern: ByteBuffer,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    ) {
        self.queue.async {
            var filled = ByteBuffer()
            for _ in 0..<blocks {
                filled.writeImmutableBuffer(pattern)
            }
            completion(self.failure.withLock { $0 }.map { .failed($0) } ?? self.base.write(lba: lba, data: filled))
        }
    }
}

extension QueuedBlockDevice: AtomicCompareAndWriteDevice {
    func submitCompareAndWrite(
        lba: UInt64,
        expected: ByteBuffer,
        replacement: ByteBuffer,
        completion: @escaping @Sendable (CompareAndWriteStatus) -> Void
    ) {
        self.queue.async {
            var stored = ByteBuffer()
            _ = self.base.read(lba: lba, blocks: UInt32(expected.readableBytes / 512), into: &stored)
            let pairs = Array(zip(stored.readableBytesView, expected.readableBytesView))
            if let offset = pairs.firstIndex(where: { $0 != $1 }) {
                return completion(.miscompare(offset: offset))
            }
            completion(self.base.write(lba: lba, data: replacement) == .success ? .written : .failed(.ioError))
        }
    }
}

@Suite struct SubmissionTests {
    private static let read10: [UInt8] = [0x28, 0, 0, 0, 0, 8, 0, 0, 2, 0]
    private static let write10: [UInt8] = [0x2A, 0x08, 0, 0, 0, 8, 0, 0, 2, 0]
    private static let synchronizeCache10: [UInt8] = [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    private func prepared(_ fixture: SCSITestFixture, _ cdb: [UInt8], length: UInt32 = 1024, isWrite: Bool = false)
        -> SCSIPreparedCommand?
    {
        guard case .ready(let prepared) = fixture.prepare(cdb, expectedLength: length, isWrite: isWrite) else {
            return nil
        }
        return prepared
    }

    /// Submits `prepared` and waits for its completion, which must arrive on `eventLoop`.
    private func submit(
        _ prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer] = [],
        to device: SCSIDevice,
        on eventLoop: any EventLoop
    ) async throws -> (SCSICompletion, ByteBuffer) {
        let promise = eventLoop.makePromise(of: (SCSICompletion, ByteBuffer).self)
        device.submit(prepared, dataOut: dataOut, dataIn: ByteBuffer(), on: eventLoop) { completion, dataIn in
            #expect(eventLoop.inEventLoop)
            promise.succeed((completion, dataIn))
        }
        return try await promise.futureResult.get()
    }

    /// Whether `buffer`'s storage is referenced by `buffer` alone: writing into it then leaves it where it is.
    private static func isUniquelyReferenced(_ buffer: consuming ByteBuffer) -> Bool {
        var buffer = consume buffer
        let before = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        buffer.setInteger(UInt8(0), at: buffer.readerIndex)
        return buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == before
    }

    @Test func onlyBlockCommandsOfAnAsynchronousDeviceAreSubmitted() throws {
        let fixture = try SCSITestFixture(blockDevice: QueuedBlockDevice())
        let data = [ByteBuffer(repeating: 1, count: 1024)]
        #expect(try fixture.device.canSubmit(#require(self.prepared(fixture, Self.read10)), dataOut: []))
        let write = try #require(self.prepared(fixture, Self.write10, isWrite: true))
        #expect(fixture.device.canSubmit(write, dataOut: data))
        // Data-out still missing, or not a whole number of blocks: the synchronous path answers.
        #expect(!fixture.device.canSubmit(write, dataOut: []))
        let short = try #require(self.prepared(fixture, Self.write10, length: 1000, isWrite: true))
        #expect(!fixture.device.canSubmit(short, dataOut: [ByteBuffer(repeating: 1, count: 1000)]))
        #expect(try fixture.device.canSubmit(#require(self.prepared(fixture, Self.synchronizeCache10)), dataOut: []))
        let writeAndVerify: [UInt8] = [0x2E, 0x02, 0, 0, 0, 8, 0, 0, 2, 0]
        let verified = try #require(self.prepared(fixture, writeAndVerify, isWrite: true))
        #expect(fixture.device.canSubmit(verified, dataOut: data))
        let inquiry = try #require(self.prepared(fixture, [0x12, 0, 0, 0, 96, 0], length: 96))
        #expect(!fixture.device.canSubmit(inquiry, dataOut: []))

        let malloc = try SCSITestFixture()
        #expect(try !malloc.device.canSubmit(#require(self.prepared(malloc, Self.read10)), dataOut: []))
    }

    @Test func aSubmittedReadHandsItsDataBackWithTheOnlyReference() async throws {
        // The connection writes the Data-In header in front of the data in the same buffer: a second reference
        // left on the way (a closure's capture) would make that write copy the whole read.
        let fixture = try SCSITestFixture(blockDevice: QueuedBlockDevice())
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let read = try #require(self.prepared(fixture, Self.read10))
        let fresh = Self.isUniquelyReferenced(ByteBuffer(repeating: 1, count: 8))
        let shared = ByteBuffer(repeating: 1, count: 8)
        let stillShared = Self.isUniquelyReferenced(shared)
        #expect(fresh && !stillShared)
        for _ in 0..<20 {
            let promise = eventLoop.makePromise(of: Bool.self)
            var room = ByteBuffer()
            room.reserveCapacity(1024)
            fixture.device.submit(read, dataOut: [], dataIn: consume room, on: eventLoop) { completion, dataIn in
                let unique = Self.isUniquelyReferenced(consume dataIn)
                promise.succeed(unique && completion == .good(dataInLength: 1024))
            }
            #expect(try await promise.futureResult.get())
        }
    }

    @Test func aSubmittedWriteAndReadCompleteOnTheLoop() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()

        let write = try #require(self.prepared(fixture, Self.write10, isWrite: true))
        let data = [ByteBuffer(repeating: 0x5A, count: 512), ByteBuffer(repeating: 0xA5, count: 512)]
        let (written, _) = try await self.submit(write, dataOut: data, to: fixture.device, on: eventLoop)
        #expect(written == .good())

        let read = try #require(self.prepared(fixture, Self.read10, length: 1000))
        let (completion, dataIn) = try await self.submit(read, to: fixture.device, on: eventLoop)
        #expect(completion == .good(dataInLength: 1000))
        #expect(
            Array(dataIn.readableBytesView) == [UInt8](repeating: 0x5A, count: 512)
                + [UInt8](repeating: 0xA5, count: 488)
        )

        let flush = try #require(self.prepared(fixture, Self.synchronizeCache10))
        #expect(try await self.submit(flush, to: fixture.device, on: eventLoop).0 == .good())
        let statistics = try #require(blockDevice.ioAccounting).statistics
        #expect(statistics.read.operations == 1 && statistics.read.bytes == 1000)
        #expect(statistics.write.operations == 1 && statistics.write.bytes == 1024)
    }

    @Test func unmapAndWriteSameAreSubmitted() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        _ = blockDevice.base.write(lba: 0, data: ByteBuffer(repeating: 0xEE, count: 64 * 512))

        // WRITE SAME (10) of a 0x3C block over blocks 4-7.
        let writeSame: [UInt8] = [0x41, 0, 0, 0, 0, 4, 0, 0, 4, 0]
        let same = try #require(self.prepared(fixture, writeSame, length: 512, isWrite: true))
        let pattern = [ByteBuffer(repeating: 0x3C, count: 512)]
        #expect(fixture.device.canSubmit(same, dataOut: pattern))
        #expect(try await self.submit(same, dataOut: pattern, to: fixture.device, on: eventLoop).0 == .good())

        // UNMAP of blocks 10-11 and 20: two descriptors.
        var parameters = ByteBuffer()
        parameters.writeInteger(UInt16(22))
        parameters.writeInteger(UInt16(32))
        parameters.writeInteger(UInt32(0))
        for (lba, blocks) in [(UInt64(10), UInt32(2)), (20, 1)] {
            parameters.writeInteger(lba)
            parameters.writeInteger(blocks)
            parameters.writeInteger(UInt32(0))
        }
        let unmap = try #require(self.prepared(fixture, [0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0], length: 40, isWrite: true))
        #expect(fixture.device.canSubmit(unmap, dataOut: [parameters]))
        #expect(try await self.submit(unmap, dataOut: [parameters], to: fixture.device, on: eventLoop).0 == .good())

        var stored = ByteBuffer()
        _ = blockDevice.base.read(lba: 0, blocks: 24, into: &stored)
        let bytes = Array(stored.readableBytesView)
        let block = { (index: Int) in bytes[(index * 512)..<((index + 1) * 512)] }
        #expect(block(3).allSatisfy { $0 == 0xEE } && block(8).allSatisfy { $0 == 0xEE })
        #expect((4...7).allSatisfy { index in block(index).allSatisfy { $0 == 0x3C } })
        #expect([10, 11, 20].allSatisfy { index in block(index).allSatisfy { $0 == 0 } })
        #expect(block(12).allSatisfy { $0 == 0xEE } && block(21).allSatisfy { $0 == 0xEE })
    }

    @Test func aFailedRequestAnswersItsSense() async throws {
        let blockDevice = try QueuedBlockDevice()
        blockDevice.failure.withLock { $0 = .ioError }
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let read = try #require(self.prepared(fixture, Self.read10))
        let (completion, dataIn) = try await self.submit(read, to: fixture.device, on: eventLoop)
        #expect(
            completion == .checkCondition(SenseData(key: .mediumError, code: .unrecoveredReadError, information: 8))
        )
        #expect(dataIn.readableBytes == 0)
        let write = try #require(self.prepared(fixture, Self.write10, isWrite: true))
        let data = [ByteBuffer(repeating: 1, count: 1024)]
        let (written, _) = try await self.submit(write, dataOut: data, to: fixture.device, on: eventLoop)
        #expect(written == .checkCondition(SenseData(key: .mediumError, code: .writeError, information: 8)))
    }

    /// COMPARE AND WRITE (16) of `blocks` blocks at LBA 8, with FUA when asked.
    private static func compareAndWrite16(blocks: UInt8, forceUnitAccess: Bool = false) -> [UInt8] {
        [0x89, forceUnitAccess ? 0x08 : 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, blocks, 0, 0]
    }

    @Test func compareAndWriteIsSubmittedToADeviceThatDoesItAtomically() async throws {
        let blockDevice = try QueuedBlockDevice(maximumCompareAndWriteBlocks: 1)
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        _ = blockDevice.base.write(lba: 8, data: ByteBuffer(repeating: 0x77, count: 512))

        let matching = try #require(
            self.prepared(fixture, Self.compareAndWrite16(blocks: 1, forceUnitAccess: true), isWrite: true)
        )
        let payload = [ByteBuffer(repeating: 0x77, count: 512) + ByteBuffer(repeating: 0x11, count: 512)]
        #expect(fixture.device.canSubmit(matching, dataOut: payload))
        #expect(try await self.submit(matching, dataOut: payload, to: fixture.device, on: eventLoop).0 == .good())
        #expect(blockDevice.submittedFlushes.load(ordering: .relaxed) == 1)
        var stored = ByteBuffer()
        _ = blockDevice.base.read(lba: 8, blocks: 1, into: &stored)
        #expect(stored.readableBytesView.allSatisfy { $0 == 0x11 })

        // The stored block now differs from the expected data from byte 0 on: MISCOMPARE, INFORMATION 0.
        let stale = try #require(self.prepared(fixture, Self.compareAndWrite16(blocks: 1), isWrite: true))
        var expected = ByteBuffer(repeating: 0x11, count: 512)
        expected.setInteger(UInt8(0x22), at: 100)
        let mismatching = [expected + ByteBuffer(repeating: 0x33, count: 512)]
        let (completion, _) = try await self.submit(stale, dataOut: mismatching, to: fixture.device, on: eventLoop)
        #expect(
            completion
                == .checkCondition(SenseData(key: .miscompare, code: .miscompareDuringVerify, information: 100))
        )
        stored.clear()
        _ = blockDevice.base.read(lba: 8, blocks: 1, into: &stored)
        #expect(stored.readableBytesView.allSatisfy { $0 == 0x11 })
    }

    @Test func aDeviceThatComparesOneBlockLimitsCompareAndWriteToOneBlock() throws {
        let atomic = try SCSITestFixture(blockDevice: QueuedBlockDevice(maximumCompareAndWriteBlocks: 1))
        guard
            case .completed(let completion) = atomic.prepare(
                Self.compareAndWrite16(blocks: 2),
                expectedLength: 2048,
                isWrite: true
            )
        else {
            Issue.record("a two-block COMPARE AND WRITE was accepted")
            return
        }
        #expect(completion == .checkCondition(.illegalRequest(.invalidFieldInCDB)))

        // Without the device's own compare-and-write: emulated, up to 255 blocks, with an asynchronous read and
        // write.
        let emulated = try SCSITestFixture(blockDevice: QueuedBlockDevice())
        let command = try #require(
            self.prepared(emulated, Self.compareAndWrite16(blocks: 2), length: 2048, isWrite: true)
        )
        #expect(emulated.device.canSubmit(command, dataOut: [ByteBuffer(repeating: 0, count: 2048)]))
    }

    /// COMPARE AND WRITE waits for a write in flight on the device, even one submitted from the loop that the
    /// COMPARE AND WRITE runs on: the write leaves the logical unit's atomic-write gate from the device's thread.
    @Test func compareAndWriteWaitsForAWriteInFlight() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        blockDevice.queue.suspend()
        let write = try #require(self.prepared(fixture, [0x2A, 0, 0, 0, 0, 8, 0, 0, 1, 0], length: 512, isWrite: true))
        let written = eventLoop.makePromise(of: SCSICompletion.self)
        let data = [ByteBuffer(repeating: 0x77, count: 512)]
        fixture.device.submit(write, dataOut: data, dataIn: ByteBuffer(), on: eventLoop) { completion, _ in
            written.succeed(completion)
        }
        let compared = eventLoop.makePromise(of: SCSICompletion.self)
        let device = fixture.device
        let nexus = fixture.nexus
        eventLoop.execute {
            // Expects the write's data: it runs only after the write completed.
            let command = SCSICommand(
                logicalUnitNumber: 0,
                cdb: CDB([0x89, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0]),
                expectedDataTransferLength: 1024,
                isRead: false,
                isWrite: true
            )
            let payload = [ByteBuffer(repeating: 0x77, count: 512) + ByteBuffer(repeating: 0x11, count: 512)]
            var dataIn = ByteBuffer()
            var nexus = nexus
            compared.succeed(device.execute(command, dataOut: payload, dataIn: &dataIn, nexus: &nexus))
        }
        try await Task.sleep(for: .milliseconds(50))
        blockDevice.queue.resume()
        #expect(try await written.futureResult.get() == .good())
        #expect(try await compared.futureResult.get() == .good())
    }
}

extension ByteBuffer {
    fileprivate static func + (lhs: ByteBuffer, rhs: ByteBuffer) -> ByteBuffer {
        var sum = lhs
        var rhs = rhs
        sum.writeBuffer(&rhs)
        return sum
    }
}
