import BlockDevice
import NIOCore

/// WRITE ATOMIC (16) (SBC-4 §5.48): a write that other commands see either entirely or not at all.
///
/// It runs with every other write to the logical unit held off (``AtomicWriteGate``), up to the MAXIMUM ATOMIC
/// TRANSFER LENGTH of VPD 0xB0 (the maximum transfer length, no alignment or granularity constraint). WRPROTECT must
/// be 0 (no protection information); DPO and FUA are accepted.
public struct WriteAtomic: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x9C

    public var logicalBlockAddress: UInt64
    /// The number of blocks; 0 writes nothing.
    public var transferLength: UInt16
    public var forceUnitAccess: Bool
    public var disablePageOut: Bool

    /// Decodes WRITE ATOMIC (16). A non-zero WRPROTECT is INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard cdb.protectionField == 0 else {
            throw .invalidFieldInCDB
        }
        self.logicalBlockAddress = cdb.uint64(at: 2)
        self.transferLength = cdb.uint16(at: 12)
        self.forceUnitAccess = cdb[1] & 0x08 != 0
        self.disablePageOut = cdb[1] & 0x10 != 0
    }

    /// Checks the range and the atomic limit and returns the data-out length.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.transferLength))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        guard UInt32(self.transferLength) <= logicalUnit.maximumAtomicTransferBlocks else {
            throw .invalidFieldInCDB
        }
        return Int(self.transferLength) * Int(device.blockSize)
    }
}

extension LogicalUnit {
    /// Writes the data-out with every other write held off.
    func writeAtomic(_ command: WriteAtomic, dataOut: [ByteBuffer]) -> SCSICompletion {
        guard command.transferLength > 0 else {
            return .good()
        }
        let lba = command.logicalBlockAddress
        let status = self.atomicWriteGate.withExclusiveAccess {
            self.blockDevice.write(lba: lba, segments: dataOut)
        }
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
        }
        return self.completeWrite(lba: lba, forceUnitAccess: command.forceUnitAccess)
    }
}

extension LogicalUnit {
    /// ``writeAtomic(_:dataOut:)`` on an asynchronous device: one asynchronous write with every other write held
    /// off until it ends (``AtomicWriteGate/enterExclusive()``); `completion` runs on the device's thread.
    func submitWriteAtomic(
        _ command: WriteAtomic,
        dataOut: [ByteBuffer],
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        guard command.transferLength > 0 else {
            return completion(.good())
        }
        let lba = command.logicalBlockAddress
        self.atomicWriteGate.enterExclusive()
        device.submitWrite(lba: lba, segments: dataOut, forceUnitAccess: command.forceUnitAccess) { status in
            self.atomicWriteGate.leaveExclusive()
            guard case .success = status else {
                return completion(.checkCondition(SenseData(failure: status, direction: .write, lba: lba)))
            }
            completion(.good())
        }
    }
}
