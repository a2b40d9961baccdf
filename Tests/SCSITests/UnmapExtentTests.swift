import BlockDevice
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import SCSI

@Suite struct UnmapExtentTests {
    @Test func descriptorsMergeIntoSortedDisjointExtents() {
        let descriptors: [(lba: UInt64, blocks: UInt32)] = [(20, 1), (10, 2), (12, 3), (0, 0), (30, 5), (31, 2)]
        #expect(
            Unmap.extents(of: descriptors) == [
                BlockExtent(lba: 10, blocks: 5), BlockExtent(lba: 20, blocks: 1), BlockExtent(lba: 30, blocks: 5),
            ]
        )
    }

    /// libiscsi's UNMAP test: one descriptor per block, 1 to 256 of them; each command is one range.
    @Test func oneDescriptorPerBlockIsOneExtent() {
        let descriptors = (0..<256).map { (lba: UInt64($0), blocks: UInt32(1)) }
        #expect(Unmap.extents(of: descriptors.reversed()) == [BlockExtent(lba: 0, blocks: 256)])
    }

    @Test func emptyAndZeroBlockDescriptorsGiveNoExtent() {
        #expect(Unmap.extents(of: []).isEmpty)
        #expect(Unmap.extents(of: [(5, 0), (5, 0)]).isEmpty)
    }

    @Test func anExtentInsideAnotherIsAbsorbed() {
        #expect(Unmap.extents(of: [(0, 100), (10, 5), (99, 2)]) == [BlockExtent(lba: 0, blocks: 101)])
    }

    @Test func aGroupReportsOnceAfterTheLastRequestWithTheFirstFailure() {
        let reports = Mutex<[(status: BlockIOStatus, lba: UInt64)?]>([])
        let group = BlockIOGroup(count: 3) { failure in reports.withLock { $0.append(failure) } }
        group.complete(.success, lba: 1)
        group.complete(.failed(.ioError), lba: 2)
        #expect(reports.withLock { $0.isEmpty })
        group.complete(.failed(.outOfRange), lba: 3)
        let outcome = reports.withLock { $0 }
        #expect(outcome.count == 1)
        #expect(outcome.first??.lba == 2 && outcome.first??.status == .failed(.ioError))
    }

    @Test func aGroupOfSuccessesReportsNil() {
        let reports = Mutex<Int>(0)
        let group = BlockIOGroup(count: 2) { failure in
            #expect(failure == nil)
            reports.withLock { $0 += 1 }
        }
        group.complete(.success, lba: 0)
        group.complete(.success, lba: 8)
        #expect(reports.withLock { $0 } == 1)
    }

    /// Overlapping descriptors submitted to an asynchronous device: every named block reads back as zeroes, the
    /// blocks around them keep their data.
    @Test func overlappingDescriptorsAreUnmappedOnAnAsynchronousDevice() async throws {
        let blockDevice = try QueuedBlockDevice()
        let fixture = try SCSITestFixture(blockDevice: blockDevice)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        _ = blockDevice.base.write(lba: 0, data: ByteBuffer(repeating: 0xEE, count: 64 * 512))
        let ranges: [(UInt64, UInt32)] = [(3, 2), (4, 3), (40, 1), (5, 1), (41, 0)]
        var parameters = ByteBuffer()
        parameters.writeInteger(UInt16(6 + 16 * ranges.count))
        parameters.writeInteger(UInt16(16 * ranges.count))
        parameters.writeInteger(UInt32(0))
        for (lba, blocks) in ranges {
            parameters.writeMultipleIntegers(lba, blocks, UInt32(0))
        }
        let length = UInt8(parameters.readableBytes)
        guard
            case .ready(let unmap) = fixture.prepare(
                [0x42, 0, 0, 0, 0, 0, 0, 0, length, 0],
                expectedLength: UInt32(length),
                isWrite: true
            )
        else {
            Issue.record("UNMAP was not accepted")
            return
        }
        #expect(fixture.device.canSubmit(unmap, dataOut: [parameters]))
        let promise = eventLoop.makePromise(of: SCSICompletion.self)
        fixture.device.submit(unmap, dataOut: [parameters], dataIn: ByteBuffer(), on: eventLoop) { completion, _ in
            promise.succeed(completion)
        }
        #expect(try await promise.futureResult.get() == .good())

        var stored = ByteBuffer()
        _ = blockDevice.base.read(lba: 0, blocks: 64, into: &stored)
        let bytes = Array(stored.readableBytesView)
        let zeroed = (0..<64).filter { block in bytes[(block * 512)..<((block + 1) * 512)].allSatisfy { $0 == 0 } }
        #expect(zeroed == [3, 4, 5, 6, 40])
    }
}
