import BlockDevice
import NIOCore

/// VERIFY (10), (12) and (16) (SBC-3 §5.24–5.26): checks that blocks can be read and, with BYTCHK, that they hold
/// the data-out.
///
/// BYTCHK 00b reads the blocks (a medium check, no data-out); 01b compares them with as many blocks of data-out;
/// 11b compares each of them with one block of data-out; 10b is reserved. A difference is MISCOMPARE with the
/// offset of the first differing byte. VRPROTECT must be 0 (no protection information); DPO is accepted.
public struct Verify: Sendable, Hashable {
    public static let operationCode10: UInt8 = 0x2F
    public static let operationCode12: UInt8 = 0xAF
    public static let operationCode16: UInt8 = 0x8F

    /// What the blocks are compared with (the BYTCHK field).
    public enum ByteCheck: UInt8, Sendable, Hashable {
        /// No comparison: the blocks are only read.
        case mediumOnly = 0
        /// The blocks are compared with the same number of blocks of data-out.
        case compareAll = 1
        /// Every block is compared with the one block of data-out.
        case compareEachWithOne = 3
    }

    public var logicalBlockAddress: UInt64
    /// The number of blocks to verify; 0 verifies nothing.
    public var verificationLength: UInt32
    public var byteCheck: ByteCheck
    public var disablePageOut: Bool

    /// Decodes VERIFY (10), (12) or (16); nil for other operation codes. A non-zero VRPROTECT or a reserved
    /// BYTCHK is INVALID FIELD IN CDB.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        switch cdb.operationCode {
        case Self.operationCode10:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.verificationLength = UInt32(cdb.uint16(at: 7))
        case Self.operationCode12:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.verificationLength = cdb.uint32(at: 6)
        case Self.operationCode16:
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.verificationLength = cdb.uint32(at: 10)
        default:
            return nil
        }
        guard cdb.protectionField == 0, let byteCheck = ByteCheck(rawValue: (cdb[1] >> 1) & 0x03) else {
            throw .invalidFieldInCDB
        }
        self.byteCheck = byteCheck
        self.disablePageOut = cdb[1] & 0x10 != 0
    }

    /// Checks the range and returns the data-out length.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.verificationLength))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        guard self.verificationLength <= logicalUnit.maximumTransferBlocks else {
            throw .invalidFieldInCDB
        }
        switch self.byteCheck {
        case .mediumOnly:
            return 0
        case .compareAll:
            return Int(self.verificationLength) * Int(device.blockSize)
        case .compareEachWithOne:
            return self.verificationLength == 0 ? 0 : Int(device.blockSize)
        }
    }
}

extension Verify {
    /// The command's outcome once its blocks, `stored`, were read: compared with `data` (the gathered data-out) as
    /// BYTCHK says.
    func outcome(stored: ByteBuffer, data: ByteBuffer, blockSize: Int) -> SCSICompletion {
        switch self.byteCheck {
        case .mediumOnly:
            return .good()
        case .compareAll:
            if let offset = Miscompare.firstDifference(stored: stored, expected: data.readableBytesView) {
                return .checkCondition(Miscompare.sense(at: offset))
            }
            return .good()
        case .compareEachWithOne:
            for block in 0..<Int(self.verificationLength) {
                let offset = block * blockSize
                if let difference = Miscompare.firstDifference(
                    stored: stored,
                    from: offset,
                    expected: data.readableBytesView
                ) {
                    return .checkCondition(Miscompare.sense(at: offset + difference))
                }
            }
            return .good()
        }
    }
}

extension LogicalUnit {
    /// Reads the blocks and compares them as BYTCHK says with `data` (the gathered data-out).
    func verify(_ command: Verify, data: ByteBuffer) -> SCSICompletion {
        guard command.verificationLength > 0 else {
            return .good()
        }
        let lba = command.logicalBlockAddress
        var stored = ByteBuffer()
        stored.reserveCapacity(Int(command.verificationLength) * Int(self.blockDevice.blockSize))
        let status = self.blockDevice.read(lba: lba, blocks: command.verificationLength, into: &stored)
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .read, lba: lba))
        }
        return command.outcome(stored: stored, data: data, blockSize: Int(self.blockDevice.blockSize))
    }

    /// ``verify(_:data:)`` on an asynchronous device: one asynchronous read, then the comparison; `completion`
    /// runs on the device's thread.
    func submitVerify(
        _ command: Verify,
        data: ByteBuffer,
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        guard command.verificationLength > 0 else {
            return completion(.good())
        }
        let lba = command.logicalBlockAddress
        let blockSize = Int(device.blockSize)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Int(command.verificationLength) * blockSize)
        device.submitRead(lba: lba, blocks: command.verificationLength, into: buffer) { status, stored in
            guard case .success = status else {
                return completion(.checkCondition(SenseData(failure: status, direction: .read, lba: lba)))
            }
            completion(command.outcome(stored: stored, data: data, blockSize: blockSize))
        }
    }
}
