import CUring
import Testing

@testable import BlockDevice

/// The submission queue entries a ``UringBlockDevice`` hands the kernel: what strace cannot show.
@Suite struct UringSubmissionTests {
    private func encode(_ operation: UringSubmission.Operation) -> io_uring_sqe {
        var entry = io_uring_sqe()
        UringSubmission(descriptor: 7, operation: operation).encode(into: &entry, userData: 42)
        return entry
    }

    @Test func readEntryAddressesTheBufferAndTheOffset() {
        let buffer = UnsafeMutableRawPointer(bitPattern: 0x1000)!
        let entry = self.encode(.read(buffer: buffer, length: 8192, offset: 1 << 30))
        #expect(entry.opcode == UInt8(IORING_OP_READ.rawValue))
        #expect(entry.fd == 7)
        #expect(entry.addr == 0x1000)
        #expect(entry.len == 8192)
        #expect(entry.off == 1 << 30)
        #expect(entry.rw_flags == 0)
        #expect(entry.user_data == 42)
    }

    @Test func forceUnitAccessWriteCarriesDataSync() {
        let buffer = UnsafeRawPointer(bitPattern: 0x2000)!
        let plain = self.encode(.write(buffer: buffer, length: 4096, offset: 512, dataSync: false))
        #expect(plain.opcode == UInt8(IORING_OP_WRITE.rawValue))
        #expect(plain.addr == 0x2000)
        #expect(plain.len == 4096)
        #expect(plain.off == 512)
        #expect(plain.rw_flags == 0)
        let durable = self.encode(.write(buffer: buffer, length: 4096, offset: 512, dataSync: true))
        #expect(durable.opcode == UInt8(IORING_OP_WRITE.rawValue))
        // RWF_DSYNC in <linux/fs.h>.
        #expect(durable.rw_flags == 0x2)
    }

    @Test func flushIsADataSyncOfTheWholeFile() {
        let entry = self.encode(.dataSync)
        #expect(entry.opcode == UInt8(IORING_OP_FSYNC.rawValue))
        #expect(entry.fd == 7)
        #expect(entry.fsync_flags == IORING_FSYNC_DATASYNC)
        // Offset 0 and length 0: the whole file.
        #expect(entry.off == 0)
        #expect(entry.len == 0)
    }

    @Test func fallocateCarriesModeOffsetAndLength() {
        let entry = self.encode(.fallocate(mode: Int32(CURING_FALLOC_PUNCH_HOLE), offset: 4096, length: 1 << 20))
        #expect(entry.opcode == UInt8(IORING_OP_FALLOCATE.rawValue))
        // FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE in `len`, the length in `addr`.
        #expect(entry.len == 0x3)
        #expect(entry.off == 4096)
        #expect(entry.addr == 1 << 20)
        let zero = self.encode(.fallocate(mode: Int32(CURING_FALLOC_ZERO_RANGE), offset: 0, length: 512))
        // FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE.
        #expect(zero.len == 0x11)
    }

    @Test func forceUnitAccessTransferPutsDataSyncOnEveryEntry() throws {
        let bounce = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { bounce.deallocate() }
        let entries = UringSubmission.transfers(
            descriptor: 7,
            .write(dataSync: true),
            offset: 8192,
            length: (3 << 20) + 4096,
            bounce: bounce
        )
        #expect(entries.map(\.transferLength) == [1 << 20, 1 << 20, 1 << 20, 4096])
        for (index, submission) in entries.enumerated() {
            var entry = io_uring_sqe()
            submission.encode(into: &entry, userData: 0)
            #expect(entry.opcode == UInt8(IORING_OP_WRITE.rawValue))
            #expect(entry.rw_flags == 0x2)
            #expect(entry.off == UInt64(8192 + index << 20))
            #expect(entry.addr == UInt64(UInt(bitPattern: bounce.baseAddress)))
        }
        let plain = UringSubmission.transfers(
            descriptor: 7,
            .write(dataSync: false),
            offset: 0,
            length: 512,
            bounce: bounce
        )
        var entry = io_uring_sqe()
        try #require(plain.count == 1)
        plain[0].encode(into: &entry, userData: 0)
        #expect(entry.rw_flags == 0)
    }

    @Test func shortTransferResumesWhereItStopped() {
        let bounce = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { bounce.deallocate() }
        let read = UringSubmission.transfers(descriptor: 7, .read, offset: 4096, length: 65536, bounce: bounce)
        #expect(read.count == 1)
        let rest = read[0].remainder(after: 16384)
        #expect(rest.transferLength == 49152)
        #expect(
            rest.operation == .read(buffer: bounce.baseAddress! + 16384, length: 49152, offset: 4096 + 16384)
        )
    }
}
