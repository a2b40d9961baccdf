import BlockDevice
import NIOCore

/// READ or WRITE (6, 10, 12 or 16) (SBC-3 §5.8–5.11, §5.32–5.35): a transfer of whole blocks.
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

    /// Decodes a READ or WRITE CDB; nil when the operation code is none of them.
    public init?(_ cdb: CDB) {
        switch cdb.operationCode {
        case Self.read6, Self.write6:
            self.direction = cdb.operationCode == Self.read6 ? .read : .write
            self.logicalBlockAddress = cdb.integer(at: 1, width: 3) & 0x1F_FFFF
            let length = UInt32(cdb[4])
            self.transferLength = length == 0 ? 256 : length
            self.forceUnitAccess = false
        case Self.read10, Self.write10:
            self.direction = cdb.operationCode == Self.read10 ? .read : .write
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.transferLength = UInt32(cdb.uint16(at: 7))
            self.forceUnitAccess = cdb[1] & 0x08 != 0
        case Self.read12, Self.write12:
            self.direction = cdb.operationCode == Self.read12 ? .read : .write
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.transferLength = cdb.uint32(at: 6)
            self.forceUnitAccess = cdb[1] & 0x08 != 0
        case Self.read16, Self.write16:
            self.direction = cdb.operationCode == Self.read16 ? .read : .write
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.transferLength = cdb.uint32(at: 10)
            self.forceUnitAccess = cdb[1] & 0x08 != 0
        default:
            return nil
        }
    }

    /// Checks the transfer against the logical unit and returns the bytes it moves.
    ///
    /// LBA OUT OF RANGE when the first LBA or any block lies past the end; INVALID FIELD IN CDB when the transfer exceeds the
    /// maximum transfer length (4 MiB, reported in VPD 0xB0, as SPDK does).
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
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
        let status = self.blockDevice.read(lba: transfer.logicalBlockAddress, blocks: blocks, into: &dataIn)
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .read, lba: transfer.logicalBlockAddress))
        }
        dataIn.moveWriterIndex(to: start + bytes)
        return .good(dataInLength: bytes)
    }

    /// Writes the data-out segments, which hold exactly `length` bytes: the transfer's bytes, or fewer when the
    /// expected data transfer length cut the write short (residual overflow). A short write stores the whole
    /// blocks it carries; one ending inside a block cannot be stored as sent and is refused with INVALID FIELD IN
    /// INFORMATION UNIT before anything is written (FCP-4 §9.4.2, the choice libiscsi's residual tests accept).
    func write(_ transfer: BlockTransfer, length: Int, dataOut: [ByteBuffer]) -> SCSICompletion {
        let blockSize = Int(self.blockDevice.blockSize)
        guard length % blockSize == 0 else {
            return .checkCondition(.illegalRequest(.invalidFieldInInformationUnit))
        }
        guard length > 0 else {
            return .good()
        }
        let status = self.blockDevice.write(
            lba: transfer.logicalBlockAddress,
            segments: dataOut,
            forceUnitAccess: transfer.forceUnitAccess
        )
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: transfer.logicalBlockAddress))
        }
        return .good()
    }
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
