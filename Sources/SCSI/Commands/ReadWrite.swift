import BlockDevice
import NIOCore

/// READ or WRITE (6, 10, 12 or 16) (SBC-3 §5.8–5.11, §5.32–5.35), or WRITE AND VERIFY (10, 12 or 16) (see
/// `WriteAndVerify.swift`): a transfer of whole blocks.
///
/// The logical unit keeps no protection information, so a non-zero RDPROTECT/WRPROTECT field is INVALID FIELD IN
/// CDB. DPO and FUA are accepted (MODE SENSE reports DPOFUA): DPO is a caching hint a RAM or page-cached device
/// ignores, and a FUA write flushes a write-back device before it completes. FUA_NV is ignored.
public struct BlockTransfer: Sendable, Hashable {
    /// Which way the blocks move.
    public enum Direction: Sendable, Hashable {
        case read
        case write
    }

    public static let read6: UInt8 = 0x08
    public static let read10: UInt8 = 0x28
    public static let read12: UInt8 = 0xA8
    public static let read16: UInt8 = 0x88
    public static let write6: UInt8 = 0x0A
    public static let write10: UInt8 = 0x2A
    public static let write12: UInt8 = 0xAA
    public static let write16: UInt8 = 0x8A

    public var direction: Direction
    /// The first logical block address.
    public var logicalBlockAddress: UInt64
    /// The number of blocks; 0 transfers nothing (except READ/WRITE 6, where 0 means 256).
    public var transferLength: UInt32
    /// Force unit access: the write must be durable before the command completes.
    public var forceUnitAccess: Bool
    /// Disable page out: a hint that the blocks need not stay cached.
    public var disablePageOut: Bool
    /// The RDPROTECT, WRPROTECT or (WRITE AND VERIFY) WRPROTECT field; only 0 is valid here.
    public var protection: UInt8
    /// WRITE AND VERIFY with BYTCHK set: read the blocks back and compare them with the data-out.
    public var verifiesBytes: Bool

    /// Decodes a READ, WRITE or WRITE AND VERIFY CDB; nil when the operation code is none of them.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        self.forceUnitAccess = cdb[1] & 0x08 != 0
        self.disablePageOut = cdb[1] & 0x10 != 0
        self.protection = cdb.protectionField
        self.verifiesBytes = false
        switch cdb.operationCode {
        case Self.read6, Self.write6:
            self.direction = cdb.operationCode == Self.read6 ? .read : .write
            self.logicalBlockAddress = cdb.integer(at: 1, width: 3) & 0x1F_FFFF
            let length = UInt32(cdb[4])
            self.transferLength = length == 0 ? 256 : length
            self.forceUnitAccess = false
            self.disablePageOut = false
            self.protection = 0
        case Self.read10, Self.write10:
            self.direction = cdb.operationCode == Self.read10 ? .read : .write
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.transferLength = UInt32(cdb.uint16(at: 7))
        case Self.read12, Self.write12:
            self.direction = cdb.operationCode == Self.read12 ? .read : .write
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.transferLength = cdb.uint32(at: 6)
        case Self.read16, Self.write16:
            self.direction = cdb.operationCode == Self.read16 ? .read : .write
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.transferLength = cdb.uint32(at: 10)
        default:
            guard let writeAndVerify = try Self(writeAndVerify: cdb) else {
                return nil
            }
            self = writeAndVerify
        }
    }

    /// Checks the transfer against the logical unit and returns the bytes it moves.
    ///
    /// LBA OUT OF RANGE when the first LBA or any block lies past the end; INVALID FIELD IN CDB when the transfer exceeds the
    /// maximum transfer length (4 MiB, reported in VPD 0xB0, as SPDK does).
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        guard self.protection == 0 else {
            throw .invalidFieldInCDB
        }
        // An LBA past the last block is out of range even for a zero-length transfer (as SPDK).
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.transferLength))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        guard self.transferLength <= logicalUnit.maximumTransferBlocks else {
            throw .invalidFieldInCDB
        }
        return Int(self.transferLength) * Int(device.blockSize)
    }
}

extension LogicalUnit {
    /// Reads the blocks into `dataIn`, at most `limit` bytes (the expected data transfer length).
    func read(_ transfer: BlockTransfer, limit: Int, into dataIn: inout ByteBuffer) -> SCSICompletion {
        let blockSize = Int(self.blockDevice.blockSize)
        let bytes = min(Int(transfer.transferLength) * blockSize, limit)
        guard bytes > 0 else {
            return .good()
        }
        // Read whole blocks covering `bytes`, then drop the tail the initiator did not ask for.
        let blocks = UInt32((bytes + blockSize - 1) / blockSize)
        let start = dataIn.writerIndex
        let status = self.atomicWriteGate.withSharedAccess {
            self.blockDevice.read(lba: transfer.logicalBlockAddress, blocks: blocks, into: &dataIn)
        }
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .read, lba: transfer.logicalBlockAddress))
        }
        dataIn.moveWriterIndex(to: start + bytes)
        return .good(dataInLength: bytes)
    }

    /// Writes the data-out segments, which hold exactly `length` bytes: the transfer's bytes, or fewer when the
    /// expected data transfer length cut the write short (residual overflow). A short write stores the bytes it
    /// carries: whole blocks as sent, and a last block that ends early over the rest of that block's old contents,
    /// as tgt does (libiscsi's reservation tests write 512 bytes to 4096-byte LUNs this way). A WRITE AND VERIFY cut
    /// short inside a block is refused with INVALID FIELD IN INFORMATION UNIT before anything is written (FCP-4
    /// §9.4.2, which libiscsi's residual tests also accept).
    func write(_ transfer: BlockTransfer, length: Int, dataOut: [ByteBuffer]) -> SCSICompletion {
        let blockSize = Int(self.blockDevice.blockSize)
        let endsInsideBlock = length % blockSize != 0
        guard !endsInsideBlock || !transfer.verifiesBytes else {
            return .checkCondition(.illegalRequest(.invalidFieldInInformationUnit))
        }
        guard length > 0 else {
            return .good()
        }
        let lba = transfer.logicalBlockAddress
        let status = self.atomicWriteGate.withSharedAccess {
            endsInsideBlock
                ? self.writeEndingInsideBlock(
                    lba: lba,
                    length: length,
                    dataOut: dataOut,
                    forceUnitAccess: transfer.forceUnitAccess
                )
                : self.blockDevice.write(lba: lba, segments: dataOut, forceUnitAccess: transfer.forceUnitAccess)
        }
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
        }
        if transfer.verifiesBytes {
            // With FUA the write above is already durable.
            return self.verifyWritten(lba: lba, length: length, dataOut: dataOut, forceUnitAccess: false)
        }
        return .good()
    }

    /// Writes `length` bytes that end inside a block: the data, then the old contents of the last block after
    /// the data's end, read first, in one write (the one copy this rare path makes).
    private func writeEndingInsideBlock(
        lba: UInt64,
        length: Int,
        dataOut: [ByteBuffer],
        forceUnitAccess: Bool
    ) -> BlockIOStatus {
        let blockSize = Int(self.blockDevice.blockSize)
        let wholeBlocks = length / blockSize
        var lastBlock = ByteBuffer()
        let readStatus = self.blockDevice.read(lba: lba + UInt64(wholeBlocks), blocks: 1, into: &lastBlock)
        guard case .success = readStatus else {
            return readStatus
        }
        var data = ByteBuffer()
        data.reserveCapacity((wholeBlocks + 1) * blockSize)
        var remaining = length
        for segment in dataOut where remaining > 0 {
            let take = min(remaining, segment.readableBytes)
            data.writeBytes(segment.readableBytesView.prefix(take))
            remaining -= take
        }
        data.writeBytes(lastBlock.readableBytesView.dropFirst(length % blockSize))
        return self.blockDevice.write(lba: lba, segments: [data], forceUnitAccess: forceUnitAccess)
    }

    /// Completes a successful write: with FUA on a write-back device, flushes it first.
    func completeWrite(lba: UInt64, forceUnitAccess: Bool) -> SCSICompletion {
        guard forceUnitAccess, self.blockDevice.writeCacheEnabled else {
            return .good()
        }
        let status = self.blockDevice.flush()
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
        }
        return .good()
    }
}

extension CDB {
    /// The RDPROTECT / WRPROTECT / VRPROTECT / ORPROTECT field of the block commands (byte 1, bits 7–5).
    var protectionField: UInt8 { self[1] >> 5 }
}

extension SenseData {
    /// The sense for a failed block I/O.
    init(failure status: BlockIOStatus, direction: BlockTransfer.Direction, lba: UInt64?) {
        let information = lba.flatMap { UInt32(exactly: $0) }
        switch status {
        case .success:
            self = .noSense
        case .failed(.outOfRange):
            self = .illegalRequest(.logicalBlockAddressOutOfRange)
        case .failed(.deviceRemoved):
            self = .illegalRequest(.logicalUnitNotSupported)
        case .failed(.unsupported):
            self = .illegalRequest(.invalidCommandOperationCode)
        case .failed(.miscompare):
            self = SenseData(key: .miscompare, code: .miscompareDuringVerify)
        case .failed(.ioError):
            let code: AdditionalSenseCode = direction == .read ? .unrecoveredReadError : .writeError
            self = SenseData(key: .mediumError, code: code, information: information)
        }
    }
}
