import BlockDevice

extension SCSIOperation {
    /// The block I/O the operation performs, whose device-added latency (``BlockDevice/responseDelay(for:)``)
    /// its response waits for; nil for commands that only describe the device.
    public var blockIOKind: BlockIOKind? {
        switch self {
        case .blockTransfer(let transfer):
            transfer.direction == .read ? .read : .write
        case .compareAndWrite, .orWrite, .writeAtomic:
            .write
        case .verify:
            .read
        case .writeSame(let writeSame):
            writeSame.unmap ? .unmap : .write
        case .unmap:
            .unmap
        case .synchronizeCache:
            .flush
        default:
            nil
        }
    }
}
