import BlockDevice
import SCSI

/// What a command's counters need from its arrival until its response: when it came, and the block bytes it
/// moves when it ends GOOD.
struct CommandMeter {
    /// Uptime nanoseconds at the command's arrival; 0 when metrics are off.
    var arrivalUptimeNanoseconds: UInt64
    /// Whether the command's data-in is block data read from the device.
    var readsBlocks = false
    /// The block bytes the command writes.
    var writtenBytes = 0

    /// A command that moves no block data (or was not executed).
    init(arrivalUptimeNanoseconds: UInt64) {
        self.arrivalUptimeNanoseconds = arrivalUptimeNanoseconds
    }

    /// A command that ran as `prepared`.
    init(arrivalUptimeNanoseconds: UInt64, prepared: SCSIPreparedCommand) {
        self.arrivalUptimeNanoseconds = arrivalUptimeNanoseconds
        switch prepared.operation.blockIOKind {
        case .read:
            self.readsBlocks = true
        case .write, .writeZeroes:
            self.writtenBytes = prepared.dataOutLength
        case .unmap, .flush, nil:
            break
        }
    }
}
