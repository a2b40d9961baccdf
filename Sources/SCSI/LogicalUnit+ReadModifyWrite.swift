import BlockDevice
import NIOCore

extension LogicalUnit {
    /// The asynchronous form of the read-modify-write commands emulated here (ORWRITE, COMPARE AND WRITE on a
    /// device that cannot compare and write by itself): reads `blocks` blocks at `lba`, lets `modify` turn them
    /// into the blocks to write (or refuse with a check condition, and nothing is written), and writes those, with
    /// every other write to the logical unit held off from the read to the end of the write
    /// (``AtomicWriteGate/enterExclusive()``). With `forceUnitAccess` the write is durable when `completion` runs,
    /// once, on the device's thread.
    ///
    /// Entering the gate waits, on the caller's thread, for the writes under way; the I/O itself does not block it.
    func submitReadModifyWrite(
        lba: UInt64,
        blocks: UInt32,
        forceUnitAccess: Bool,
        on device: any AsynchronousBlockDevice,
        modify: @escaping @Sendable (ByteBuffer) throws(SCSICheckCondition) -> ByteBuffer,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        self.atomicWriteGate.enterExclusive()
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Int(blocks) * Int(device.blockSize))
        device.submitRead(lba: lba, blocks: blocks, into: buffer) { status, stored in
            guard case .success = status else {
                self.atomicWriteGate.leaveExclusive()
                return completion(.checkCondition(SenseData(failure: status, direction: .read, lba: lba)))
            }
            let replacement: ByteBuffer
            do throws(SCSICheckCondition) {
                replacement = try modify(stored)
            } catch {
                self.atomicWriteGate.leaveExclusive()
                return completion(.checkCondition(error.sense))
            }
            device.submitWrite(lba: lba, segments: [replacement], forceUnitAccess: forceUnitAccess) { status in
                self.atomicWriteGate.leaveExclusive()
                guard case .success = status else {
                    return completion(.checkCondition(SenseData(failure: status, direction: .write, lba: lba)))
                }
                completion(.good())
            }
        }
    }
}
