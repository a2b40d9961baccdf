import BlockDevice
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import SCSI

/// ORWRITE, COMPARE AND WRITE (emulated), WRITE ATOMIC, VERIFY and WRITE AND VERIFY on an asynchronous device:
/// submitted, answered on the loop, and atomic against other writes through the logical unit's gate.
@Suite struct ReadModifyWriteSubmissionTests {
    private static func orWrite16(lba: UInt64, blocks: UInt32, flags: UInt8 = 0) -> [UInt8] {
        [0x8B, flags] + bigEndian(lba) + bigEndian(blocks) + [0, 0]
    }

    private static func write10(lba: UInt32, blocks: UInt16) -> [UInt8] {
        [0x2A, 0] + bigEndian(lba) + [0] + bigEndian(blocks) + [0]
    }

    /// Prepares `cdb` with `dataOut` and checks that the submission path takes it.
    private func submittable(
        _ fixture: SCSITestFixture,
        _ cdb: [UInt8],
        dataOut: [ByteBuffer]
    ) throws -> SCSIPreparedCommand {
        let length = UInt32(dataOut.reduce(0) { $0 + $1.readableBytes })
        guard case .ready(let prepared) = fixture.prepare(cdb, expectedLength: length, isWrite: length > 0) else {
            throw SubmissionRefused()
        }
        guard fixture.device.canSubmit(prepared, dataOut: dataOut) else {
            throw SubmissionRefused()
        }
        return prepared
    }

    private struct SubmissionRefused: Error {}

    /// Submits `prepared` from `eventLoop` and returns a future of its completion, which must arrive on the loop.
    private func submit(
        _ prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer],
        to device: SCSIDevice,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<SCSICompletion> {
        let promise = eventLoop.makePromise(of: SCSICompletion.self)
        eventLoop.execute {
            device.submit(prepared, dataOut: dataOut, dataIn: ByteBuffer(), on: eventLoop) { completion, _ in
                #expect(eventLoop.inEventLoop)
                promise.succeed(completion)
            }
        }
        return promise.futureResult
    }

    private func stored(_ device: QueuedBlockDevice, lba: UInt64, blocks: UInt32) -> [UInt8] {
        var buffer = ByteBuffer()
        _ = device.base.read(lba: lba, blocks: blocks, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test func orWriteMergesByteByByte() {
        var blocks = ByteBuffer(bytes: [0x00, 0x0F, 0xF0, 0x81])
        OrWrite.merge(ByteBuffer(bytes: [0x01, 0xF0, 0x0F]), into: &blocks)
        #expect(Array(blocks.readableBytesView) == [0x01, 0xFF, 0xFF, 0x81])
    }

    @Test func orWriteIsSubmittedWithFUA() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        _ = blockDevice.base.write(lba: 10, data: ByteBuffer(repeating: 0x0F, count: 1024))
        let data = [ByteBuffer(repeating: 0x30, count: 1024)]
        let command = try self.submittable(fixture, Self.orWrite16(lba: 10, blocks: 2, flags: 0x08), dataOut: data)
        let completion = try await self.submit(command, dataOut: data, to: fixture.device, on: eventLoop).get()
        #expect(completion == .good())
        #expect(self.stored(blockDevice, lba: 10, blocks: 2).allSatisfy { $0 == 0x3F })
        #expect(blockDevice.forceUnitAccessWrites.load(ordering: .relaxed) == 1)
    }

    @Test func aFailedReadOfAnOrWriteWritesNothing() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        blockDevice.failure.withLock { $0 = .ioError }
        let data = [ByteBuffer(repeating: 0x30, count: 512)]
        let command = try self.submittable(fixture, Self.orWrite16(lba: 4, blocks: 1), dataOut: data)
        let completion = try await self.submit(command, dataOut: data, to: fixture.device, on: eventLoop).get()
        #expect(
            completion == .checkCondition(SenseData(key: .mediumError, code: .unrecoveredReadError, information: 4))
        )
        #expect(self.stored(blockDevice, lba: 4, blocks: 1).allSatisfy { $0 == 0 })
        // The gate was left: a write goes through afterwards.
        blockDevice.failure.withLock { $0 = nil }
        let write = try self.submittable(fixture, Self.write10(lba: 4, blocks: 1), dataOut: data)
        #expect(try await self.submit(write, dataOut: data, to: fixture.device, on: eventLoop).get() == .good())
    }

    /// An ORWRITE waits for a write in flight and reads its data; a write that arrives while the ORWRITE is in
    /// flight lands after it. Three loops: the ORWRITE's loop waits in the gate for the early write.
    @Test func orWriteIsAtomicAgainstWritesInFlight() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let (first, second, third) = (loops.next(), loops.next(), loops.next())
        blockDevice.queue.suspend()

        let early = [ByteBuffer(repeating: 0x01, count: 512)]
        let earlyWrite = try self.submittable(fixture, Self.write10(lba: 20, blocks: 1), dataOut: early)
        let earlyDone = self.submit(earlyWrite, dataOut: early, to: fixture.device, on: first)
        try await Task.sleep(for: .milliseconds(20))

        let mask = [ByteBuffer(repeating: 0x10, count: 1024)]
        let orWrite = try self.submittable(fixture, Self.orWrite16(lba: 20, blocks: 2), dataOut: mask)
        let orDone = self.submit(orWrite, dataOut: mask, to: fixture.device, on: second)
        try await Task.sleep(for: .milliseconds(20))

        let late = [ByteBuffer(repeating: 0x80, count: 512)]
        let lateWrite = try self.submittable(fixture, Self.write10(lba: 21, blocks: 1), dataOut: late)
        let lateDone = self.submit(lateWrite, dataOut: late, to: fixture.device, on: third)
        try await Task.sleep(for: .milliseconds(20))

        blockDevice.queue.resume()
        #expect(try await earlyDone.get() == .good())
        #expect(try await orDone.get() == .good())
        #expect(try await lateDone.get() == .good())
        // Block 20: the early write ORed; block 21: the late write over the ORWRITE's result (0x90 had it landed
        // before the ORWRITE read the block).
        let blocks = self.stored(blockDevice, lba: 20, blocks: 2)
        #expect(blocks[..<512].allSatisfy { $0 == 0x11 } && blocks[512...].allSatisfy { $0 == 0x80 })
        try await loops.shutdownGracefully()
    }

    /// A read that meets an ORWRITE in flight waits for it without holding its loop, and reads its result.
    @Test func aReadWaitsForAnOrWriteWithoutBlockingItsLoop() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = loops.next()
        _ = blockDevice.base.write(lba: 12, data: ByteBuffer(repeating: 0x03, count: 512))
        blockDevice.queue.suspend()
        let mask = [ByteBuffer(repeating: 0x30, count: 512)]
        let orWrite = try self.submittable(fixture, Self.orWrite16(lba: 12, blocks: 1), dataOut: mask)
        let orDone = self.submit(orWrite, dataOut: mask, to: fixture.device, on: eventLoop)

        guard
            case .ready(let read) = fixture.prepare(
                [0x28, 0, 0, 0, 0, 12, 0, 0, 1, 0],
                expectedLength: 512,
                isWrite: false
            )
        else {
            Issue.record("READ (10) was not accepted")
            return
        }
        let readDone = eventLoop.makePromise(of: ByteBuffer.self)
        let device = fixture.device
        eventLoop.execute {
            device.submit(read, dataOut: [], dataIn: ByteBuffer(), on: eventLoop) { completion, dataIn in
                #expect(completion == .good(dataInLength: 512))
                readDone.succeed(dataIn)
            }
        }
        let responsive = RanFlag()
        eventLoop.execute { responsive.set() }
        // The device is still suspended: a loop waiting for the ORWRITE would never get here.
        for _ in 0..<200 where !responsive.isSet {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(responsive.isSet)

        blockDevice.queue.resume()
        #expect(try await orDone.get() == .good())
        #expect(try await readDone.futureResult.get().readableBytesView.allSatisfy { $0 == 0x33 })
        try await loops.shutdownGracefully()
    }

    @Test func emulatedCompareAndWriteIsSubmitted() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        _ = blockDevice.base.write(lba: 8, data: ByteBuffer(repeating: 0x77, count: 1024))
        let compareAndWrite: [UInt8] = [0x89, 0] + bigEndian(UInt64(8)) + [0, 0, 0, 2, 0, 0]

        var matching = ByteBuffer(repeating: 0x77, count: 1024)
        matching.writeRepeatingByte(0x11, count: 1024)
        let command = try self.submittable(fixture, compareAndWrite, dataOut: [matching])
        #expect(try await self.submit(command, dataOut: [matching], to: fixture.device, on: eventLoop).get() == .good())
        #expect(self.stored(blockDevice, lba: 8, blocks: 2).allSatisfy { $0 == 0x11 })

        var stale = ByteBuffer(repeating: 0x11, count: 1024)
        stale.setInteger(UInt8(0x22), at: 600)
        stale.writeRepeatingByte(0x33, count: 1024)
        let completion = try await self.submit(command, dataOut: [stale], to: fixture.device, on: eventLoop).get()
        #expect(completion == .checkCondition(Miscompare.sense(at: 600)))
        #expect(self.stored(blockDevice, lba: 8, blocks: 2).allSatisfy { $0 == 0x11 })
    }

    @Test func writeAtomicIsSubmitted() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let writeAtomic: [UInt8] = [0x9C, 0x08] + bigEndian(UInt64(30)) + [0, 0, 0, 2, 0, 0]
        let data = [ByteBuffer(repeating: 0x6E, count: 512), ByteBuffer(repeating: 0x6F, count: 512)]
        let command = try self.submittable(fixture, writeAtomic, dataOut: data)
        #expect(try await self.submit(command, dataOut: data, to: fixture.device, on: eventLoop).get() == .good())
        #expect(
            self.stored(blockDevice, lba: 30, blocks: 2) == [UInt8](repeating: 0x6E, count: 512)
                + [UInt8](repeating: 0x6F, count: 512)
        )
        #expect(blockDevice.forceUnitAccessWrites.load(ordering: .relaxed) == 1)
    }

    @Test func verifyIsSubmittedAndReportsTheFirstDifference() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        _ = blockDevice.base.write(lba: 40, data: ByteBuffer(repeating: 0x5A, count: 1024))
        // VERIFY (10), BYTCHK 01b: two blocks of data-out.
        let verify: [UInt8] = [0x2F, 0x02, 0, 0, 0, 40, 0, 0, 2, 0]
        let same = [ByteBuffer(repeating: 0x5A, count: 1024)]
        let command = try self.submittable(fixture, verify, dataOut: same)
        #expect(try await self.submit(command, dataOut: same, to: fixture.device, on: eventLoop).get() == .good())
        var different = ByteBuffer(repeating: 0x5A, count: 1024)
        different.setInteger(UInt8(0), at: 700)
        let completion = try await self.submit(command, dataOut: [different], to: fixture.device, on: eventLoop).get()
        #expect(completion == .checkCondition(Miscompare.sense(at: 700)))

        // BYTCHK 11b: each block against the one block of data-out.
        let eachWithOne: [UInt8] = [0x2F, 0x06, 0, 0, 0, 40, 0, 0, 2, 0]
        let one = [ByteBuffer(repeating: 0x5A, count: 512)]
        let eachCommand = try self.submittable(fixture, eachWithOne, dataOut: one)
        #expect(try await self.submit(eachCommand, dataOut: one, to: fixture.device, on: eventLoop).get() == .good())
    }

    @Test func writeAndVerifyIsSubmittedAndReadsTheBlocksBack() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        // WRITE AND VERIFY (10), BYTCHK 01b, two segments.
        let writeAndVerify: [UInt8] = [0x2E, 0x02, 0, 0, 0, 50, 0, 0, 2, 0]
        let data = [ByteBuffer(repeating: 0xC3, count: 700), ByteBuffer(repeating: 0x3C, count: 324)]
        let command = try self.submittable(fixture, writeAndVerify, dataOut: data)
        #expect(try await self.submit(command, dataOut: data, to: fixture.device, on: eventLoop).get() == .good())
        #expect(
            self.stored(blockDevice, lba: 50, blocks: 2)
                == [UInt8](repeating: 0xC3, count: 700) + [UInt8](repeating: 0x3C, count: 324)
        )
        // WRITE AND VERIFY is a write with FUA.
        #expect(blockDevice.forceUnitAccessWrites.load(ordering: .relaxed) == 1)
    }

    @Test func theDifferenceAcrossSegmentsIsFoundAtItsOffset() {
        let stored = ByteBuffer(bytes: [1, 2, 3, 4, 5, 6])
        let same = [ByteBuffer(bytes: [1, 2]), ByteBuffer(bytes: [3, 4, 5, 6])]
        #expect(Miscompare.firstDifference(stored: stored, segments: same) == nil)
        let different = [ByteBuffer(bytes: [1, 2, 3]), ByteBuffer(bytes: [4, 0, 6])]
        #expect(Miscompare.firstDifference(stored: stored, segments: different) == 4)
    }

    /// The gate's exclusive side held across calls: ordinary writes wait for it, on the lock-free path and on the
    /// lock.
    @Test func anExclusiveHeldAcrossCallsHoldsOffOrdinaryWrites() async throws {
        let gate = AtomicWriteGate()
        gate.enterExclusive()
        #expect(!gate.tryEnterShared())
        let ran = RanFlag()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.submit { gate.withSharedAccess { ran.set() } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!ran.isSet)
        gate.leaveExclusive()
        try await done.get()
        #expect(ran.isSet)
        #expect(gate.tryEnterShared())
        gate.leaveShared()
    }
}

/// Whether a body ran, set from another thread.
private final class RanFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { self.value.load(ordering: .sequentiallyConsistent) }

    func set() {
        self.value.store(true, ordering: .sequentiallyConsistent)
    }
}
