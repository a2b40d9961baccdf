import BlockDevice
import NIOCore

extension SCSIDevice {
    /// The logical unit of this device a target descriptor names by its NAA designator (VPD page 0x83), if any.
    func logicalUnit(designatedBy target: TargetDescriptor) -> LogicalUnit? {
        guard target.designatorType == Self.naaDesignatorType, target.designator.count == 8 else {
            return nil
        }
        let naa = target.designator.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return self.logicalUnits.first { logicalUnit in
            !logicalUnit.isRemoved && VitalProductData.naaIdentifier(of: logicalUnit.blockDevice.name) == naa
        }
    }

    /// Runs an EXTENDED COPY received by `logicalUnit`: each segment in order, stopping at the first that fails.
    /// With LIST ID USAGE 00b the outcome is held for RECEIVE COPY RESULTS on this nexus.
    func extendedCopy(
        _ command: ExtendedCopy,
        parameters: ByteBuffer,
        on logicalUnit: LogicalUnit,
        nexus: inout SCSINexus
    ) -> SCSICompletion {
        guard command.parameterListLength > 0 else {
            return .good()
        }
        let list: ExtendedCopyParameterList
        do {
            list = try ExtendedCopyParameterList(parameters)
        } catch {
            return .checkCondition(error.sense)
        }
        var status = CopyStatus(succeeded: true, segmentsProcessed: 0, bytesTransferred: 0)
        var failure: SenseData?
        for segment in list.segments {
            do {
                status.bytesTransferred += try self.copy(segment, targets: list.targets)
                status.segmentsProcessed += 1
            } catch {
                status.succeeded = false
                failure = error.sense
                break
            }
        }
        if list.listIdentifierUsage == .hold {
            nexus.heldCopyResults.hold(status, logicalUnit: logicalUnit.id, listIdentifier: list.listIdentifier)
        }
        return failure.map { .checkCondition($0) } ?? .good()
    }

    /// Copies one block-to-block segment and returns the bytes written.
    ///
    /// A target index past the target list is COPY ABORTED / COPY TARGET DEVICE NOT REACHABLE, a designator no
    /// logical unit of this device has is UNREACHABLE COPY TARGET, a block length or device type that does not
    /// match INCORRECT COPY TARGET DEVICE TYPE, and a range past the end of either logical unit COPY ABORTED with
    /// no additional sense. A write-protected destination is DATA PROTECT.
    private func copy(_ segment: SegmentDescriptor, targets: [TargetDescriptor]) throws(SCSICheckCondition) -> UInt64 {
        guard segment.sourceIndex < targets.count, segment.destinationIndex < targets.count else {
            throw Self.copyAborted(.copyTargetDeviceNotReachable)
        }
        let sourceTarget = targets[segment.sourceIndex]
        let destinationTarget = targets[segment.destinationIndex]
        guard let source = self.logicalUnit(designatedBy: sourceTarget)?.blockDevice,
            let destinationUnit = self.logicalUnit(designatedBy: destinationTarget)
        else {
            throw Self.copyAborted(.unreachableCopyTarget)
        }
        let destination = destinationUnit.blockDevice
        guard sourceTarget.peripheralDeviceType == 0, destinationTarget.peripheralDeviceType == 0,
            sourceTarget.blockLength == source.blockSize, destinationTarget.blockLength == destination.blockSize
        else {
            throw Self.copyAborted(.incorrectCopyTargetDeviceType)
        }
        if let sense = destinationUnit.writeProtection {
            throw SCSICheckCondition(sense)
        }
        let sourceBlockSize = UInt64(source.blockSize)
        let destinationBlockSize = UInt64(destination.blockSize)
        let bytes = UInt64(segment.blocks) * (segment.countsDestinationBlocks ? destinationBlockSize : sourceBlockSize)
        guard bytes % sourceBlockSize == 0, bytes % destinationBlockSize == 0 else {
            throw .illegalRequest(.invalidFieldInParameterList)
        }
        guard source.contains(lba: segment.sourceLBA, blocks: bytes / sourceBlockSize),
            destination.contains(lba: segment.destinationLBA, blocks: bytes / destinationBlockSize)
        else {
            throw Self.copyAborted(.noAdditionalSenseInformation)
        }
        let plan = CopyPlan(
            bytes: bytes,
            sourceOffset: segment.sourceLBA * sourceBlockSize,
            destinationOffset: segment.destinationLBA * destinationBlockSize,
            blockSizes: (sourceBlockSize, destinationBlockSize),
            sameDevice: source === destination
        )
        for chunk in plan.chunks {
            var data = ByteBuffer()
            data.reserveCapacity(Int(chunk.length))
            var status = source.read(
                lba: chunk.sourceOffset / sourceBlockSize,
                blocks: UInt32(chunk.length / sourceBlockSize),
                into: &data
            )
            if case .success = status {
                status = destination.write(lba: chunk.destinationOffset / destinationBlockSize, data: data)
            }
            guard case .success = status else {
                throw Self.copyAborted(.noAdditionalSenseInformation)
            }
        }
        return bytes
    }

    private static let naaDesignatorType: UInt8 = 3

    private static func copyAborted(_ code: AdditionalSenseCode) -> SCSICheckCondition {
        SCSICheckCondition(SenseData(key: .copyAborted, code: code))
    }
}

/// How a segment's bytes are split into chunks of whole blocks of both devices, in an order that is safe when the
/// source and destination ranges of one device overlap (back to front when the destination lies after the source).
struct CopyPlan: Sendable {
    /// One read-then-write step.
    struct Chunk: Sendable, Hashable {
        var sourceOffset: UInt64
        var destinationOffset: UInt64
        var length: UInt64
    }

    var bytes: UInt64
    var sourceOffset: UInt64
    var destinationOffset: UInt64
    var blockSizes: (source: UInt64, destination: UInt64)
    var sameDevice: Bool

    /// About 1 MiB per chunk, a multiple of both block sizes.
    static let preferredChunkLength: UInt64 = 1 << 20

    var chunks: [Chunk] {
        let unit = Self.leastCommonMultiple(self.blockSizes.source, self.blockSizes.destination)
        let chunkLength = max(1, Self.preferredChunkLength / unit) * unit
        var chunks: [Chunk] = []
        var done: UInt64 = 0
        while done < self.bytes {
            let length = min(chunkLength, self.bytes - done)
            chunks.append(
                Chunk(
                    sourceOffset: self.sourceOffset + done,
                    destinationOffset: self.destinationOffset + done,
                    length: length
                )
            )
            done += length
        }
        let overlapsForward =
            self.sameDevice && self.destinationOffset > self.sourceOffset
            && self.destinationOffset < self.sourceOffset + self.bytes
        return overlapsForward ? chunks.reversed() : chunks
    }

    private static func leastCommonMultiple(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 {
            (x, y) = (y, x % y)
        }
        return a / x * b
    }
}
