import BlockDevice
import NIOCore

/// UNMAP (SBC-3 §5.28): deallocates the ranges listed in the parameter data.
public struct Unmap: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x42

    /// The bytes of parameter data the initiator sends.
    public var parameterListLength: UInt16

    /// Decodes the CDB; ANCHOR is not supported (INVALID FIELD IN CDB).
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard cdb[1] & 0x01 == 0 else {
            throw .invalidFieldInCDB
        }
        self.parameterListLength = cdb.uint16(at: 7)
    }

    /// The block descriptors of the parameter data, each checked against the device.
    func descriptors(
        in parameters: ByteBuffer,
        for logicalUnit: LogicalUnit
    ) throws(SCSICheckCondition) -> [(lba: UInt64, blocks: UInt32)] {
        var parameters = parameters
        guard parameters.readableBytes >= 8,
            let descriptorBytes = parameters.getInteger(at: parameters.readerIndex + 2, as: UInt16.self)
        else {
            throw .illegalRequest(.parameterListLengthError)
        }
        parameters.moveReaderIndex(forwardBy: 8)
        guard Int(descriptorBytes) <= parameters.readableBytes else {
            throw .illegalRequest(.parameterListLengthError)
        }
        let count = Int(descriptorBytes) / 16
        guard count <= LogicalUnit.maximumUnmapDescriptorCount else {
            throw .illegalRequest(.invalidFieldInParameterList)
        }
        var descriptors: [(lba: UInt64, blocks: UInt32)] = []
        descriptors.reserveCapacity(count)
        for _ in 0..<count {
            guard let (lba, blocks, _) = parameters.readMultipleIntegers(as: (UInt64, UInt32, UInt32).self) else {
                throw .illegalRequest(.parameterListLengthError)
            }
            guard blocks <= LogicalUnit.maximumUnmapBlockCount else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            guard logicalUnit.blockDevice.contains(lba: lba, blocks: UInt64(blocks)) else {
                throw .logicalBlockAddressOutOfRange
            }
            descriptors.append((lba, blocks))
        }
        return descriptors
    }
}

extension LogicalUnit {
    /// Validates every descriptor first, then unmaps the non-empty ranges.
    func unmap(_ command: Unmap, parameters: ByteBuffer) -> SCSICompletion {
        guard command.parameterListLength > 0 else {
            return .good()
        }
        let descriptors: [(lba: UInt64, blocks: UInt32)]
        do {
            descriptors = try command.descriptors(in: parameters, for: self)
        } catch {
            return .checkCondition(error.sense)
        }
        // Shared access keeps an UNMAP from landing inside a COMPARE AND WRITE's read and write.
        return self.atomicWriteGate.withSharedAccess {
            for descriptor in descriptors where descriptor.blocks > 0 {
                let status = self.blockDevice.unmap(lba: descriptor.lba, blocks: UInt64(descriptor.blocks))
                guard case .success = status else {
                    return .checkCondition(SenseData(failure: status, direction: .write, lba: descriptor.lba))
                }
            }
            return .good()
        }
    }
}
