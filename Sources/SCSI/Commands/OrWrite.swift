import BlockDevice
import NIOCore

/// ORWRITE (16) (SBC-3 §5.11): ORs the data-out into the blocks, atomically against every other write to the
/// logical unit (the same ``AtomicWriteGate`` as COMPARE AND WRITE).
///
/// ORPROTECT must be 0 (no protection information); DPO and FUA are accepted, FUA_NV ignored.
public struct OrWrite: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x8B

    public var logicalBlockAddress: UInt64
    /// The number of blocks; 0 writes nothing.
    public var transferLength: UInt32
    public var forceUnitAccess: Bool
    public var disablePageOut: Bool

    /// Decodes ORWRITE (16). A non-zero ORPROTECT is INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard cdb.protectionField == 0 else {
            throw .invalidFieldInCDB
        }
        self.logicalBlockAddress = cdb.uint64(at: 2)
        self.transferLength = cdb.uint32(at: 10)
        self.forceUnitAccess = cdb[1] & 0x08 != 0
        self.disablePageOut = cdb[1] & 0x10 != 0
    }

    /// Checks the range and returns the data-out length.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
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

    /// ORs `mask` into `blocks`, byte by byte, over the readable bytes the two have in common.
    static func merge(_ mask: ByteBuffer, into blocks: inout ByteBuffer) {
        blocks.withUnsafeMutableReadableBytes { stored in
            mask.withUnsafeReadableBytes { mask in
                for index in 0..<min(stored.count, mask.count) {
                    stored[index] |= mask[index]
                }
            }
        }
    }
}

extension LogicalUnit {
    /// Reads the blocks, ORs `data` into them and writes them back, with every other write held off.
    func orWrite(_ command: OrWrite, data: ByteBuffer) -> SCSICompletion {
        guard command.transferLength > 0 else {
            return .good()
        }
        let lba = command.logicalBlockAddress
        let completion = self.atomicWriteGate.withExclusiveAccess { () -> SCSICompletion in
            var blocks = ByteBuffer()
            blocks.reserveCapacity(data.readableBytes)
            var status = self.blockDevice.read(lba: lba, blocks: command.transferLength, into: &blocks)
            guard case .success = status else {
                return .checkCondition(SenseData(failure: status, direction: .read, lba: lba))
            }
            OrWrite.merge(data, into: &blocks)
            status = self.blockDevice.write(lba: lba, data: blocks)
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
    /// ``orWrite(_:data:)`` on an asynchronous device: the read and the write are asynchronous, under the same
    /// gate (see ``submitReadModifyWrite(lba:blocks:forceUnitAccess:on:modify:completion:)``); `completion` runs
    /// on the device's thread.
    func submitOrWrite(
        _ command: OrWrite,
        data: ByteBuffer,
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        guard command.transferLength > 0 else {
            return completion(.good())
        }
        self.submitReadModifyWrite(
            lba: command.logicalBlockAddress,
            blocks: command.transferLength,
            forceUnitAccess: command.forceUnitAccess,
            on: device,
            modify: { stored in
                var blocks = stored
                OrWrite.merge(data, into: &blocks)
                return blocks
            },
            completion: completion
        )
    }
}
