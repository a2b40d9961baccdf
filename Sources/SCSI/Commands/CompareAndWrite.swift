import BlockDevice
import NIOCore

/// COMPARE AND WRITE (SBC-3 §5.2): atomically compares blocks with the first half of the data-out and, when
/// they match, writes the second half (VMware's ATS locking). Up to ``LogicalUnit/maximumCompareAndWriteBlocks``
/// blocks (reported in VPD 0xB0).
///
/// WRPROTECT must be 0 (no protection information); DPO and FUA are accepted, FUA_NV ignored.
public struct CompareAndWrite: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x89

    public var logicalBlockAddress: UInt64
    /// Blocks to compare and then write; 0 does nothing.
    public var numberOfBlocks: UInt8
    public var forceUnitAccess: Bool
    public var disablePageOut: Bool
    public var protection: UInt8

    public init(_ cdb: CDB) {
        self.logicalBlockAddress = cdb.uint64(at: 2)
        self.numberOfBlocks = cdb[13]
        self.forceUnitAccess = cdb[1] & 0x08 != 0
        self.disablePageOut = cdb[1] & 0x10 != 0
        self.protection = cdb.protectionField
    }

    /// Checks the fields and the range and returns the data-out length: the verify data and the write data.
    ///
    /// The initiator must announce exactly that much data-out (`expectedLength`): the two halves cannot be told
    /// apart otherwise. A command of 0 blocks does nothing, unless its expected length is more than the largest
    /// COMPARE AND WRITE could carry: then the initiator's block count wrapped in the one-byte field (256 blocks
    /// read as 0) and the command is INVALID FIELD IN CDB, as one over the reported maximum is.
    func validate(on logicalUnit: LogicalUnit, expectedLength: Int) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        let blockSize = Int(device.blockSize)
        let maximumBlocks = logicalUnit.maximumCompareAndWriteBlocks
        guard self.protection == 0, self.numberOfBlocks <= maximumBlocks else {
            throw .invalidFieldInCDB
        }
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.numberOfBlocks))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        let length = 2 * Int(self.numberOfBlocks) * blockSize
        if self.numberOfBlocks == 0 {
            guard expectedLength <= 2 * Int(maximumBlocks) * blockSize else {
                throw .invalidFieldInCDB
            }
            return 0
        }
        guard expectedLength == length else {
            throw .invalidFieldInCDB
        }
        return length
    }
}

extension LogicalUnit {
    /// Compares and writes with every other write to the logical unit held off (see ``AtomicWriteGate``), so
    /// concurrent COMPARE AND WRITEs and WRITEs from any event loop never interleave with it. A mismatch is
    /// MISCOMPARE / MISCOMPARE DURING VERIFY OPERATION with the offset of the first differing byte in INFORMATION,
    /// and nothing is written.
    func compareAndWrite(_ command: CompareAndWrite, data: ByteBuffer) -> SCSICompletion {
        let length = Int(command.numberOfBlocks) * Int(self.blockDevice.blockSize)
        guard length > 0,
            let expected = data.getSlice(at: data.readerIndex, length: length),
            let replacement = data.getSlice(at: data.readerIndex + length, length: length)
        else {
            return .good()
        }
        let lba = command.logicalBlockAddress
        let completion = self.atomicWriteGate.withExclusiveAccess { () -> SCSICompletion in
            var current = ByteBuffer()
            current.reserveCapacity(length)
            var status = self.blockDevice.read(lba: lba, blocks: UInt32(command.numberOfBlocks), into: &current)
            guard case .success = status else {
                return .checkCondition(SenseData(failure: status, direction: .read, lba: lba))
            }
            if let offset = Miscompare.firstDifference(stored: current, expected: expected.readableBytesView) {
                return .checkCondition(Miscompare.sense(at: offset))
            }
            status = self.blockDevice.write(lba: lba, data: replacement)
            guard case .success = status else {
                return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
            }
            return .good()
        }
        guard completion.status == .good else {
            return completion
        }
        return self.completeWrite(lba: lba, forceUnitAccess: command.forceUnitAccess)
    }
}

extension LogicalUnit {
    /// ``compareAndWrite(_:data:)`` on an asynchronous device; `completion` runs on the device's thread.
    ///
    /// A device that compares and writes atomically by itself (see ``atomicCompareAndWriteDevice``) gets the
    /// command whole: other writes of this process pass alongside, as the device orders them; the gate's shared
    /// side keeps the commands emulated here (ORWRITE, WRITE ATOMIC) from running in between. On another device the
    /// command is emulated with an asynchronous read and write under the gate's exclusive side (see
    /// ``submitReadModifyWrite(lba:blocks:forceUnitAccess:on:modify:completion:)``).
    func submitCompareAndWrite(
        _ command: CompareAndWrite,
        data: ByteBuffer,
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        let length = Int(command.numberOfBlocks) * Int(self.blockDevice.blockSize)
        guard length > 0,
            let expected = data.getSlice(at: data.readerIndex, length: length),
            let replacement = data.getSlice(at: data.readerIndex + length, length: length)
        else {
            return completion(.good())
        }
        let lba = command.logicalBlockAddress
        guard let atomicDevice = self.atomicCompareAndWriteDevice else {
            return self.submitReadModifyWrite(
                lba: lba,
                blocks: UInt32(command.numberOfBlocks),
                forceUnitAccess: command.forceUnitAccess,
                on: device,
                modify: { stored throws(SCSICheckCondition) in
                    if let offset = Miscompare.firstDifference(stored: stored, expected: expected.readableBytesView) {
                        throw SCSICheckCondition(Miscompare.sense(at: offset))
                    }
                    return replacement
                },
                completion: completion
            )
        }
        guard self.atomicWriteGate.tryEnterShared() else {
            // An emulated atomic command runs or waits on this logical unit: compare and write after it.
            return self.atomicWriteGate.retryWhenExclusiveLeaves {
                self.submitCompareAndWrite(command, data: data, on: device, completion: completion)
            }
        }
        atomicDevice.submitCompareAndWrite(lba: lba, expected: expected, replacement: replacement) { status in
            self.atomicWriteGate.leaveShared()
            switch status {
            case .written where command.forceUnitAccess && atomicDevice.writeCacheEnabled:
                atomicDevice.submitFlush { status in
                    guard case .success = status else {
                        return completion(.checkCondition(SenseData(failure: status, direction: .write, lba: lba)))
                    }
                    completion(.good())
                }
            case .written:
                completion(.good())
            case .miscompare(let offset):
                completion(.checkCondition(Miscompare.sense(at: offset)))
            case .failed(let error):
                completion(.checkCondition(SenseData(failure: .failed(error), direction: .write, lba: lba)))
            }
        }
    }
}
