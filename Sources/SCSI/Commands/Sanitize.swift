import BlockDevice
import NIOCore

/// SANITIZE (SBC-3 §5.20): erases every block of the logical unit. OVERWRITE fills the medium with an
/// initialization pattern; BLOCK ERASE deallocates every block (they read back as zeroes, as LBPRZ says); EXIT
/// FAILURE MODE has nothing to leave, since a sanitize here either completes or fails like any write.
/// CRYPTOGRAPHIC ERASE is not offered: nothing is encrypted.
///
/// The erase goes about 1 MiB at a time. Without IMMED it runs before the command completes; with IMMED the
/// command completes with GOOD at once and the erase goes on in the background. Meanwhile the logical unit is
/// "sanitize in progress" (SBC-3 §4.11): other commands but INQUIRY, REPORT LUNS and REQUEST SENSE answer NOT READY,
/// LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS with the progress indication.
public struct Sanitize: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x48

    /// The service actions offered.
    public enum ServiceAction: UInt8, Sendable, Hashable {
        case overwrite = 0x01
        case blockErase = 0x02
        case exitFailureMode = 0x1F
    }

    public var serviceAction: ServiceAction
    /// IMMED: complete at once and erase in the background.
    public var immediate: Bool
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
        self.immediate = cdb[1] & 0x80 != 0
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
    /// Runs a validated SANITIZE with its parameter data. A sanitize already in progress (through another
    /// connection) answers SANITIZE IN PROGRESS.
    func sanitize(_ command: Sanitize, parameters: ByteBuffer) -> SCSICompletion {
        let erase: SanitizeErase
        switch command.serviceAction {
        case .exitFailureMode:
            return .good()
        case .blockErase:
            erase = SanitizeErase(.blockErase(unmaps: self.supportsUnmap), on: self.blockDevice)
        case .overwrite:
            do {
                let overwrite = try OverwriteParameters(parameters, blockSize: Int(self.blockDevice.blockSize))
                erase = SanitizeErase(.overwrite(pattern: overwrite.finalPattern), on: self.blockDevice)
            } catch {
                return .checkCondition(error.sense)
            }
        }
        guard self.beginSanitize() else {
            return .checkCondition(self.sanitizeInProgress ?? SenseData.sanitizeInProgress(progress: 0))
        }
        guard command.immediate else {
            return self.runToCompletion(erase)
        }
        Task.detached {
            var erase = erase
            while !erase.isFinished {
                guard case .success = self.eraseNextChunk(of: &erase) else { break }
                await Task.yield()
            }
            self.endSanitize()
        }
        return .good()
    }

    /// The sense every command but INQUIRY, REPORT LUNS and REQUEST SENSE gets while a sanitize runs; nil when
    /// none does. One atomic load.
    public var sanitizeInProgress: SenseData? {
        let progress = self.sanitizeProgress.load(ordering: .acquiring)
        guard progress != Self.noSanitize else {
            return nil
        }
        return .sanitizeInProgress(progress: UInt16(truncatingIfNeeded: progress))
    }

    /// The `sanitizeProgress` value while no sanitize runs.
    static var noSanitize: UInt32 { .max }

    /// Marks a sanitize in progress at 0 %; false when one already is.
    func beginSanitize() -> Bool {
        self.sanitizeProgress.compareExchange(expected: Self.noSanitize, desired: 0, ordering: .acquiringAndReleasing)
            .exchanged
    }

    /// Marks the sanitize finished.
    func endSanitize() {
        self.sanitizeProgress.store(Self.noSanitize, ordering: .releasing)
    }

    /// Erases every chunk now, then ends the sanitize.
    private func runToCompletion(_ erase: SanitizeErase) -> SCSICompletion {
        defer { self.endSanitize() }
        var erase = erase
        while !erase.isFinished {
            let status = self.eraseNextChunk(of: &erase)
            guard case .success = status else {
                return .checkCondition(SenseData(failure: status, direction: .write, lba: nil))
            }
        }
        return .good()
    }

    /// Erases the next chunk (behind a COMPARE AND WRITE or the like that is already running) and publishes the
    /// progress.
    private func eraseNextChunk(of erase: inout SanitizeErase) -> BlockIOStatus {
        let status = self.atomicWriteGate.withSharedAccess { erase.eraseNextChunk(on: self.blockDevice) }
        self.sanitizeProgress.store(UInt32(erase.progressIndication), ordering: .releasing)
        return status
    }
}

/// The erase of a whole logical unit, chunk by chunk, and how far it got.
struct SanitizeErase: Sendable {
    /// What each chunk gets.
    enum Method: Sendable, Hashable {
        /// BLOCK ERASE: deallocate (when the device unmaps) or write zeroes.
        case blockErase(unmaps: Bool)
        /// OVERWRITE: the initialization pattern, repeated.
        case overwrite(pattern: [UInt8])
    }

    /// About 1 MiB per chunk written; deallocation, which moves no data, goes 64 MiB at a time.
    static let chunkBytes = 1 << 20
    static let deallocationChunkBytes = 64 << 20

    private let unmaps: Bool
    /// For OVERWRITE: one chunk of pattern-filled blocks.
    private let fill: ByteBuffer?
    let blockCount: UInt64
    let blocksPerChunk: UInt64
    /// The first block not yet erased.
    private(set) var nextBlock: UInt64 = 0

    init(_ method: Method, on device: any BlockDevice) {
        let blockSize = Int(device.blockSize)
        let deallocates = method == .blockErase(unmaps: true)
        self.blockCount = device.blockCount
        self.blocksPerChunk = UInt64(max(1, (deallocates ? Self.deallocationChunkBytes : Self.chunkBytes) / blockSize))
        switch method {
        case .blockErase(let unmaps):
            self.unmaps = unmaps
            self.fill = nil
        case .overwrite(let pattern):
            self.unmaps = false
            var block = [UInt8]()
            block.reserveCapacity(blockSize)
            while block.count < blockSize {
                block += pattern.prefix(blockSize - block.count)
            }
            var chunk = ByteBuffer()
            chunk.reserveCapacity(Int(self.blocksPerChunk) * blockSize)
            for _ in 0..<self.blocksPerChunk {
                chunk.writeBytes(block)
            }
            self.fill = chunk
        }
    }

    /// Whether every block is erased.
    var isFinished: Bool { self.nextBlock >= self.blockCount }

    /// The PROGRESS INDICATION (SPC-4 §4.5.2.4.4): the fraction erased, in 65536ths.
    var progressIndication: UInt16 {
        guard self.blockCount > 0 else { return 0 }
        return UInt16(min(UInt64(UInt16.max), self.nextBlock * 65536 / self.blockCount))
    }

    /// Erases the next chunk on `device`; after a failure the erase stops where it was.
    mutating func eraseNextChunk(on device: any BlockDevice) -> BlockIOStatus {
        let blocks = min(self.blocksPerChunk, self.blockCount - self.nextBlock)
        let status: BlockIOStatus
        if let fill = self.fill {
            let length = Int(blocks) * Int(device.blockSize)
            status = device.write(
                lba: self.nextBlock,
                data: fill.getSlice(at: fill.readerIndex, length: length) ?? fill
            )
        } else if self.unmaps {
            status = device.unmap(lba: self.nextBlock, blocks: blocks)
        } else {
            status = device.writeZeroes(lba: self.nextBlock, blocks: blocks)
        }
        if case .success = status {
            self.nextBlock += blocks
        }
        return status
    }
}

extension SenseData {
    /// NOT READY, LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS with its progress indication (SBC-3 §4.11).
    static func sanitizeInProgress(progress: UInt16) -> SenseData {
        var sense = SenseData(key: .notReady, code: .sanitizeInProgress)
        sense.progressIndication = progress
        return sense
    }
}

extension AdditionalSenseCode {
    /// 04 1B: LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS.
    static let sanitizeInProgress = Self(code: 0x04, qualifier: 0x1B)
}
