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

    /// The blocks `descriptors` name, as few ranges as possible: sorted by LBA, overlapping and adjacent ranges
    /// joined, empty ones dropped. One device request per range, not per descriptor: an initiator may list each
    /// block of a range as a descriptor of its own (libiscsi's UNMAP test sends up to 256 of them, overlapping the
    /// previous command's), and on a network device each request is a round trip.
    static func extents(of descriptors: [(lba: UInt64, blocks: UInt32)]) -> [BlockExtent] {
        let sorted = descriptors.filter { $0.blocks > 0 }.sorted { $0.lba < $1.lba }
        var extents: [BlockExtent] = []
        for descriptor in sorted {
            let end = descriptor.lba + UInt64(descriptor.blocks)
            if let last = extents.last, descriptor.lba <= last.end {
                extents[extents.count - 1].blocks = max(last.end, end) - last.lba
            } else {
                extents.append(BlockExtent(lba: descriptor.lba, blocks: UInt64(descriptor.blocks)))
            }
        }
        return extents
    }
}

/// A run of consecutive blocks.
struct BlockExtent: Sendable, Hashable {
    var lba: UInt64
    var blocks: UInt64

    /// The first block after the run.
    var end: UInt64 { self.lba + self.blocks }
}

extension LogicalUnit {
    /// Validates every descriptor first, then unmaps their ranges, merged (see ``Unmap/extents(of:)``).
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
            for extent in Unmap.extents(of: descriptors) {
                let status = self.blockDevice.unmap(lba: extent.lba, blocks: extent.blocks)
                guard case .success = status else {
                    return .checkCondition(SenseData(failure: status, direction: .write, lba: extent.lba))
                }
            }
            return .good()
        }
    }
}
