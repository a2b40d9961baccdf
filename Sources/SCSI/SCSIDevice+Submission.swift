import BlockDevice
import NIOCore

extension SCSIDevice {
    /// Whether ``submit(_:dataOut:dataIn:on:completion:)`` can run `prepared` without blocking: a READ, a WRITE or
    /// WRITE AND VERIFY of whole blocks, a SYNCHRONIZE CACHE, an UNMAP, a WRITE SAME, a VERIFY, a COMPARE AND WRITE,
    /// an ORWRITE or a WRITE ATOMIC on a logical unit whose block device is an ``AsynchronousBlockDevice``, with all
    /// its data-out at hand. Other commands run with ``execute(_:dataOut:dataIn:nexus:)``.
    public func canSubmit(_ prepared: SCSIPreparedCommand, dataOut: [ByteBuffer]) -> Bool {
        guard let logicalUnit = prepared.logicalUnit, !logicalUnit.isRemoved,
            logicalUnit.asynchronousBlockDevice != nil
        else {
            return false
        }
        let hasDataOut = dataOut.reduce(0, { $0 + $1.readableBytes }) >= prepared.dataOutLength
        switch prepared.operation {
        case .blockTransfer(let transfer) where transfer.direction == .read:
            return true
        case .blockTransfer:
            return hasDataOut && prepared.dataOutLength % Int(logicalUnit.blockDevice.blockSize) == 0
        case .synchronizeCache:
            return true
        case .unmap, .writeSame, .verify, .compareAndWrite, .orWrite, .writeAtomic:
            return hasDataOut
        default:
            return false
        }
    }

    /// Starts a command that ``canSubmit(_:dataOut:)`` accepted and returns at once; `completion` runs later on
    /// `eventLoop` with the command's outcome and `dataIn` (holding the read data after a good READ).
    ///
    /// The command's block I/O is counted in the device's ``BlockDevice/ioAccounting`` and its
    /// ``SCSICompletion/responseDelay`` set, as ``execute(_:dataOut:dataIn:nexus:)`` does.
    public func submit(
        _ prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer],
        dataIn: consuming ByteBuffer,
        on eventLoop: any EventLoop,
        completion: @escaping @Sendable (SCSICompletion, consuming ByteBuffer) -> Void
    ) {
        guard let logicalUnit = prepared.logicalUnit,
            let device = logicalUnit.asynchronousBlockDevice,
            let kind = prepared.operation.blockIOKind
        else {
            preconditionFailure("submit(_:) of a command canSubmit(_:) refuses")
        }
        let start = NIODeadline.now()
        let dataOutLength = prepared.dataOutLength
        // Runs on the device's thread: the rest of the work belongs to the connection's loop.
        let finish: @Sendable (SCSICompletion, consuming ByteBuffer) -> Void = { outcome, dataIn in
            guard dataIn.readableBytes > 0 else {
                return eventLoop.execute {
                    completion(
                        Self.accounted(outcome, of: kind, on: device, since: start, dataOutLength: dataOutLength),
                        ByteBuffer()
                    )
                }
            }
            // Read data travels in a box the loop empties, so that `completion` gets the only reference to it (no
            // copy when a header is written in front of the data).
            let box = NIOLoopBoundBox.makeBoxSendingValue(consume dataIn, eventLoop: eventLoop)
            eventLoop.execute {
                let dataIn = box.value
                box.value = ByteBuffer()
                completion(
                    Self.accounted(outcome, of: kind, on: device, since: start, dataOutLength: dataOutLength),
                    consume dataIn
                )
            }
        }
        // Commands other than reads return no data-in.
        let answer: @Sendable (SCSICompletion) -> Void = { finish($0, ByteBuffer()) }
        switch prepared.operation {
        case .blockTransfer(let transfer) where transfer.direction == .read:
            logicalUnit.submitRead(
                transfer,
                limit: prepared.dataInLimit,
                into: consume dataIn,
                on: device,
                completion: finish
            )
        case .blockTransfer(let transfer):
            logicalUnit.submitWrite(
                transfer,
                dataOut: Self.trim(dataOut, to: dataOutLength),
                on: device,
                completion: answer
            )
        case .unmap(let unmap):
            logicalUnit.submitUnmap(
                unmap,
                parameters: Self.gather(dataOut, length: dataOutLength),
                on: device,
                completion: answer
            )
        case .writeSame(let writeSame):
            logicalUnit.submitWriteSame(
                writeSame,
                pattern: Self.gather(dataOut, length: dataOutLength),
                on: device,
                completion: answer
            )
        case .compareAndWrite(let command):
            logicalUnit.submitCompareAndWrite(
                command,
                data: Self.gather(dataOut, length: dataOutLength),
                on: device,
                completion: answer
            )
        case .verify(let command):
            logicalUnit.submitVerify(
                command,
                data: Self.gather(dataOut, length: dataOutLength),
                on: device,
                completion: answer
            )
        case .orWrite(let command):
            logicalUnit.submitOrWrite(
                command,
                data: Self.gather(dataOut, length: dataOutLength),
                on: device,
                completion: answer
            )
        case .writeAtomic(let command):
            logicalUnit.submitWriteAtomic(
                command,
                dataOut: Self.trim(dataOut, to: dataOutLength),
                on: device,
                completion: answer
            )
        default:
            logicalUnit.submitSynchronizeCache(on: device, completion: answer)
        }
    }
}

extension SCSIDevice {
    /// `outcome` with its block I/O counted in `device`'s accounting and its response delay set (the device's
    /// delay plus a QoS throttle), as the synchronous path does.
    fileprivate static func accounted(
        _ outcome: SCSICompletion,
        of kind: BlockIOKind,
        on device: any AsynchronousBlockDevice,
        since start: NIODeadline,
        dataOutLength: Int
    ) -> SCSICompletion {
        var outcome = outcome
        let latency = UInt64(max(0, (NIODeadline.now() - start).nanoseconds))
        let bytes = kind == .read ? outcome.dataInLength : dataOutLength
        let throttle = device.ioAccounting?.record(kind, bytes: bytes, latencyNanoseconds: latency) ?? .zero
        outcome.responseDelay = device.responseDelay(for: kind) + throttle
        return outcome
    }
}

extension LogicalUnit {
    /// ``read(_:limit:into:)`` on an asynchronous device; `completion` runs on the device's thread.
    fileprivate func submitRead(
        _ transfer: BlockTransfer,
        limit: Int,
        into dataIn: consuming ByteBuffer,
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion, consuming ByteBuffer) -> Void
    ) {
        let dataIn = consume dataIn
        let blockSize = Int(device.blockSize)
        let bytes = min(Int(transfer.transferLength) * blockSize, limit)
        guard bytes > 0 else {
            return completion(.good(), consume dataIn)
        }
        guard self.atomicWriteGate.tryEnterShared() else {
            // An atomic command runs or waits on this logical unit: read after it, without waiting on this thread.
            let held = dataIn
            return self.atomicWriteGate.retryWhenExclusiveLeaves {
                self.submitRead(transfer, limit: limit, into: held, on: device, completion: completion)
            }
        }
        // Read whole blocks covering `bytes`, then drop the tail the initiator did not ask for.
        let blocks = UInt32((bytes + blockSize - 1) / blockSize)
        let start = dataIn.writerIndex
        let lba = transfer.logicalBlockAddress
        device.submitRead(lba: lba, blocks: blocks, into: consume dataIn) { status, dataIn in
            self.atomicWriteGate.leaveShared()
            var dataIn = consume dataIn
            guard case .success = status else {
                return completion(
                    .checkCondition(SenseData(failure: status, direction: .read, lba: lba)),
                    consume dataIn
                )
            }
            dataIn.moveWriterIndex(to: start + bytes)
            completion(.good(dataInLength: bytes), consume dataIn)
        }
    }

    /// ``write(_:length:dataOut:)`` of whole blocks on an asynchronous device, and for WRITE AND VERIFY with
    /// BYTCHK the read-back comparison; `completion` runs on the device's thread.
    fileprivate func submitWrite(
        _ transfer: BlockTransfer,
        dataOut: [ByteBuffer],
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        let length = dataOut.reduce(0) { $0 + $1.readableBytes }
        guard length > 0 else {
            return completion(.good())
        }
        guard self.atomicWriteGate.tryEnterShared() else {
            // An atomic command runs or waits on this logical unit: write after it, without waiting on this thread.
            return self.atomicWriteGate.retryWhenExclusiveLeaves {
                self.submitWrite(transfer, dataOut: dataOut, on: device, completion: completion)
            }
        }
        let lba = transfer.logicalBlockAddress
        device.submitWrite(lba: lba, segments: dataOut, forceUnitAccess: transfer.forceUnitAccess) { status in
            self.atomicWriteGate.leaveShared()
            guard case .success = status else {
                return completion(.checkCondition(SenseData(failure: status, direction: .write, lba: lba)))
            }
            guard transfer.verifiesBytes else {
                return completion(.good())
            }
            self.submitVerifyWritten(lba: lba, length: length, dataOut: dataOut, on: device, completion: completion)
        }
    }

    /// ``synchronizeCache()`` on an asynchronous device; `completion` runs on the device's thread.
    fileprivate func submitSynchronizeCache(
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        device.submitFlush { status in
            guard case .success = status else {
                return completion(.checkCondition(SenseData(failure: status, direction: .write, lba: nil)))
            }
            completion(.good())
        }
    }

    /// ``unmap(_:parameters:)`` on an asynchronous device: the merged ranges (see ``Unmap/extents(of:)``) all in
    /// flight at once; `completion` runs on the device's thread when the last ends.
    fileprivate func submitUnmap(
        _ command: Unmap,
        parameters: ByteBuffer,
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        guard command.parameterListLength > 0 else {
            return completion(.good())
        }
        let extents: [BlockExtent]
        do {
            extents = Unmap.extents(of: try command.descriptors(in: parameters, for: self))
        } catch {
            return completion(.checkCondition(error.sense))
        }
        guard !extents.isEmpty else {
            return completion(.good())
        }
        // Shared access keeps an UNMAP from landing inside a COMPARE AND WRITE's read and write.
        guard self.atomicWriteGate.tryEnterShared() else {
            return self.atomicWriteGate.retryWhenExclusiveLeaves {
                self.submitUnmap(command, parameters: parameters, on: device, completion: completion)
            }
        }
        let group = BlockIOGroup(count: extents.count) { failure in
            self.atomicWriteGate.leaveShared()
            guard let failure else {
                return completion(.good())
            }
            completion(.checkCondition(SenseData(failure: failure.status, direction: .write, lba: failure.lba)))
        }
        for extent in extents {
            device.submitUnmap(lba: extent.lba, blocks: extent.blocks) { status in
                group.complete(status, lba: extent.lba)
            }
        }
    }

    /// ``writeSame(_:pattern:)`` on an asynchronous device: unmap, write zeroes or write the pattern; `completion`
    /// runs on the device's thread.
    fileprivate func submitWriteSame(
        _ command: WriteSame,
        pattern: ByteBuffer,
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        guard self.atomicWriteGate.tryEnterShared() else {
            return self.atomicWriteGate.retryWhenExclusiveLeaves {
                self.submitWriteSame(command, pattern: pattern, on: device, completion: completion)
            }
        }
        let lba = command.logicalBlockAddress
        let blocks = command.blocks(on: device)
        let done: @Sendable (BlockIOStatus) -> Void = { status in
            self.atomicWriteGate.leaveShared()
            guard case .success = status else {
                return completion(.checkCondition(SenseData(failure: status, direction: .write, lba: lba)))
            }
            completion(.good())
        }
        if command.unmap {
            device.submitUnmap(lba: lba, blocks: blocks, completion: done)
        } else if command.noDataOutBuffer || pattern.readableBytesView.allSatisfy({ $0 == 0 }) {
            device.submitWriteZeroes(lba: lba, blocks: blocks, completion: done)
        } else {
            device.submitWriteSame(lba: lba, blocks: blocks, pattern: pattern, completion: done)
        }
    }
}
