import BlockDevice
import NIOCore

/// SANITIZE (SBC-3 §5.20): erases every block of the logical unit. OVERWRITE fills the medium with an
/// initialization pattern; BLOCK ERASE deallocates every block (they read back as zeroes, as LBPRZ says); EXIT
/// FAILURE MODE has nothing to leave, since a sanitize here either completes or fails like any write.
/// CRYPTOGRAPHIC ERASE is not offered: nothing is encrypted.
///
/// The erase runs before the command completes, whether or not IMMED asks for an early GOOD.
public struct Sanitize: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x48

    /// The service actions offered.
    public enum ServiceAction: UInt8, Sendable, Hashable {
        case overwrite = 0x01
        case blockErase = 0x02
        case exitFailureMode = 0x1F
    }

    public var serviceAction: ServiceAction
    public var parameterListLength: UInt16

    /// Decodes the CDB. Reserved bits (byte 1 bit 6, bytes 2–6), and a parameter list for BLOCK ERASE or EXIT FAILURE
    /// MODE, are INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard let serviceAction = ServiceAction(rawValue: cdb.serviceAction), cdb[1] & 0x40 == 0,
            (2...6).allSatisfy({ cdb[$0] == 0 })
        else {
            throw .invalidFieldInCDB
        }
        self.serviceAction = serviceAction
        self.parameterListLength = cdb.uint16(at: 7)
        guard serviceAction == .overwrite || self.parameterListLength == 0 else {
            throw .invalidFieldInCDB
        }
    }

    /// Checks the parameter list length against the block size and returns it: OVERWRITE needs a 4-byte header and
    /// an initialization pattern of 1 to block-size bytes.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let length = Int(self.parameterListLength)
        guard self.serviceAction == .overwrite else {
            return 0
        }
        guard length > 4, length <= Int(logicalUnit.blockDevice.blockSize) + 4 else {
            throw .invalidFieldInCDB
        }
        return length
    }
}

/// The parameter list of SANITIZE OVERWRITE (SBC-3 table 85).
struct OverwriteParameters: Sendable, Hashable {
    /// Invert the pattern between passes.
    var invert: Bool
    /// OVERWRITE COUNT: passes, 1–31.
    var passes: UInt8
    var pattern: [UInt8]

    /// Parses the list; a zero overwrite count, or a pattern length of 0 or not matching the list, is INVALID FIELD
    /// IN CDB (libiscsi's expectation; SBC-3 names the parameter list).
    init(_ parameters: ByteBuffer, blockSize: Int) throws(SCSICheckCondition) {
        let bytes = Array(parameters.readableBytesView)
        guard bytes.count >= 4 else {
            throw .invalidFieldInCDB
        }
        let patternLength = Int(bytes[2]) << 8 | Int(bytes[3])
        self.invert = bytes[0] & 0x80 != 0
        self.passes = bytes[0] & 0x1F
        guard self.passes > 0, patternLength > 0, patternLength <= blockSize, patternLength == bytes.count - 4 else {
            throw .invalidFieldInCDB
        }
        self.pattern = Array(bytes[4...])
    }

    /// What the medium holds after the last pass: the pattern, inverted when INVERT flipped it an odd number of
    /// times.
    var finalPattern: [UInt8] {
        self.invert && self.passes % 2 == 0 ? self.pattern.map { ~$0 } : self.pattern
    }
}

extension LogicalUnit {
    /// Runs a validated SANITIZE with its parameter data.
    func sanitize(_ command: Sanitize, parameters: ByteBuffer) -> SCSICompletion {
        self.atomicWriteGate.withSharedAccess { self.runSanitize(command, parameters: parameters) }
    }

    private func runSanitize(_ command: Sanitize, parameters: ByteBuffer) -> SCSICompletion {
        let device = self.blockDevice
        let status: BlockIOStatus
        switch command.serviceAction {
        case .exitFailureMode:
            return .good()
        case .blockErase:
            status =
                self.supportsUnmap
                ? device.unmap(lba: 0, blocks: device.blockCount)
                : device.writeZeroes(lba: 0, blocks: device.blockCount)
        case .overwrite:
            let overwrite: OverwriteParameters
            do {
                overwrite = try OverwriteParameters(parameters, blockSize: Int(device.blockSize))
            } catch {
                return .checkCondition(error.sense)
            }
            status = self.fill(with: overwrite.finalPattern)
        }
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: nil))
        }
        return .good()
    }

    /// Writes `pattern`, repeated, over every block, about 1 MiB at a time.
    private func fill(with pattern: [UInt8]) -> BlockIOStatus {
        let device = self.blockDevice
        let blockSize = Int(device.blockSize)
        let blocksPerChunk = max(1, (1 << 20) / blockSize)
        var block = [UInt8]()
        block.reserveCapacity(blockSize)
        while block.count < blockSize {
            block += pattern.prefix(blockSize - block.count)
        }
        var chunk = ByteBuffer()
        chunk.reserveCapacity(blocksPerChunk * blockSize)
        for _ in 0..<blocksPerChunk {
            chunk.writeBytes(block)
        }
        var lba: UInt64 = 0
        let count = device.blockCount
        while lba < count {
            let blocks = min(UInt64(blocksPerChunk), count - lba)
            let data = chunk.getSlice(at: chunk.readerIndex, length: Int(blocks) * blockSize) ?? chunk
            let status = device.write(lba: lba, data: data)
            guard case .success = status else {
                return status
            }
            lba += blocks
        }
        return .success
    }
}
