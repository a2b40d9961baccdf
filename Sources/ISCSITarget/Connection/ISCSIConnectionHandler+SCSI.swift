import ISCSIWire
import NIOCore
import SCSI

extension ISCSIConnectionHandler {
    /// Runs a SCSI Command: at once when it moves no data-out or all of it came as immediate data,
    /// else after soliciting the rest with R2Ts.
    func executeSCSICommand(_ command: SCSICommandPDU, header: ISCSIBasicHeaderSegment, context: ChannelHandlerContext)
    {
        // The nexus is taken out of the session while it changes, so that neither is copied per command.
        guard let device = self.session?.device, var nexus = self.session?.nexus.take() else {
            // A discovery session carries no SCSI commands.
            self.commandCompleted(isImmediate: command.isImmediate)
            self.reject(header, reason: .protocolError, context: context)
            return
        }
        let scsiCommand = SCSICommand(
            logicalUnitNumber: command.logicalUnitNumber,
            cdb: CDB(command.cdb),
            expectedDataTransferLength: command.expectedDataTransferLength,
            isRead: command.isRead,
            isWrite: command.isWrite
        )
        let preparation = device.prepare(scsiCommand, nexus: &nexus)
        self.session?.nexus = nexus
        switch preparation {
        case .completed(let completion):
            self.commandCompleted(isImmediate: command.isImmediate)
            self.sendCompletion(completion, dataIn: ByteBuffer(), of: command, wantedLength: 0, context: context)
        case .ready(let prepared):
            var write = PendingWrite(
                command: command,
                prepared: prepared,
                maxBurstLength: Int(self.session?.parameters.maxBurstLength ?? 0)
            )
            if write.isComplete {
                self.run(write, context: context)
                return
            }
            let burst = write.nextBurst(targetTransferTag: self.nextTargetTransferTag())
            self.session?.pendingWrites[command.initiatorTaskTag] = write
            self.solicit(burst, for: command, context: context)
        }
    }

    /// Takes a Data-Out PDU for a write waiting for data.
    func receiveDataOut(_ dataOut: SCSIDataOutPDU, header: ISCSIBasicHeaderSegment, context: ChannelHandlerContext) {
        guard var write = self.session?.pendingWrites.removeValue(forKey: dataOut.initiatorTaskTag) else {
            self.reject(header, reason: .invalidPDUField, context: context)
            return
        }
        switch write.receive(dataOut, nextTargetTransferTag: self.nextTargetTransferTag) {
        case .accepted:
            self.session?.pendingWrites[dataOut.initiatorTaskTag] = write
        case .solicit(let burst):
            self.session?.pendingWrites[dataOut.initiatorTaskTag] = write
            self.solicit(burst, for: write.command, context: context)
        case .complete:
            self.run(write, context: context)
        case .invalid:
            // Out-of-sequence data cannot be recovered at ErrorRecoveryLevel 0.
            self.commandCompleted(isImmediate: write.command.isImmediate)
            self.reject(header, reason: .protocolError, context: context)
            self.close(context: context)
        }
    }

    private func solicit(_ burst: PendingWrite.Burst, for command: SCSICommandPDU, context: ChannelHandlerContext) {
        let numbers = self.sequenceNumbers()
        let r2t = ReadyToTransferPDU(
            logicalUnitNumber: command.logicalUnitNumber,
            initiatorTaskTag: command.initiatorTaskTag,
            targetTransferTag: burst.targetTransferTag,
            statSN: self.nextStatSN,
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            r2tSN: burst.r2tSN,
            bufferOffset: UInt32(truncatingIfNeeded: burst.offset),
            desiredDataTransferLength: UInt32(truncatingIfNeeded: burst.length)
        )
        self.send(r2t.makePDU(), context: context)
    }

    /// Executes a command whose data-out has all arrived, and answers it.
    private func run(_ write: PendingWrite, context: ChannelHandlerContext) {
        guard let device = self.session?.device, var nexus = self.session?.nexus.take() else { return }
        var dataIn = self.encoder.payloadBuffer(
            capacity: write.prepared.dataInLimit,
            allocator: context.channel.allocator
        )
        let completion = device.execute(write.prepared, dataOut: write.segments, dataIn: &dataIn, nexus: &nexus)
        self.session?.nexus = nexus
        self.commandCompleted(isImmediate: write.command.isImmediate)
        self.sendCompletion(
            completion,
            dataIn: consume dataIn,
            of: write.command,
            wantedLength: write.prepared.transferLength ?? (write.command.isWrite ? write.prepared.dataOutLength : nil),
            context: context
        )
    }

    /// Sends the read data as Data-In PDUs and the status, in the last Data-In when the command ended
    /// GOOD without sense, else in a SCSI Response.
    ///
    /// The residual compares the expected data transfer length with `wantedLength`, the bytes the command asked to
    /// move (a block transfer's CDB length, a write's data-out), or with the data-in length when that is nil.
    private func sendCompletion(
        _ completion: SCSICompletion,
        dataIn: consuming ByteBuffer,
        of command: SCSICommandPDU,
        wantedLength: Int?,
        context: ChannelHandlerContext
    ) {
        let expected = command.expectedDataTransferLength
        let dataInLength = dataIn.readableBytes
        var expDataSN: UInt32 = 0
        if dataIn.readableBytes > 0, let maxSegmentLength = self.session?.maxSendSegmentLength {
            let residual = SCSIResidual(expected: expected, actual: wantedLength ?? dataIn.readableBytes)
            let carriesStatus = completion.status == .good && completion.sense == nil
            if carriesStatus, dataIn.readableBytes <= maxSegmentLength {
                // The common read: one Data-In PDU, its header written in front of the data (one buffer).
                let numbers = self.sequenceNumbers()
                let header = DataInSequence.onlyPDUHeader(
                    initiatorTaskTag: command.initiatorTaskTag,
                    logicalUnitNumber: command.logicalUnitNumber,
                    finalStatus: .init(status: completion.status.rawValue, residual: residual),
                    statSN: self.nextStatSN,
                    expCmdSN: numbers.expCmdSN,
                    maxCmdSN: numbers.maxCmdSN
                )
                if self.encoder.encode(header.makePDU(), intoFrontOf: &dataIn) {
                    _ = self.takeStatSN()
                    self.send(encoded: dataIn, context: context)
                    return
                }
            }
            var sequence = DataInSequence(
                initiatorTaskTag: command.initiatorTaskTag,
                logicalUnitNumber: command.logicalUnitNumber,
                data: dataIn,
                maxSegmentLength: maxSegmentLength,
                finalStatus: carriesStatus ? .init(status: completion.status.rawValue, residual: residual) : nil
            )
            let numbers = self.sequenceNumbers()
            while let pdu = sequence.nextPDU(
                statSN: self.nextStatSN,
                expCmdSN: numbers.expCmdSN,
                maxCmdSN: numbers.maxCmdSN
            ) {
                if pdu.status != nil {
                    _ = self.takeStatSN()
                }
                self.send(pdu.makePDU(), context: context)
            }
            if carriesStatus {
                return
            }
            expDataSN = sequence.nextDataSN
        }
        let residual = SCSIResidual(expected: expected, actual: wantedLength ?? dataInLength)
        var senseSegment = ByteBuffer()
        if let sense = completion.sense {
            senseSegment = context.channel.allocator.buffer(capacity: 2 + SenseData.encodedLength)
            _ = sense.writeISCSISenseSegment(to: &senseSegment)
        }
        let numbers = self.sequenceNumbers()
        let response = SCSIResponsePDU(
            residualOverflow: residual.overflow,
            residualUnderflow: residual.underflow,
            status: completion.status.rawValue,
            initiatorTaskTag: command.initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            expDataSN: expDataSN,
            residualCount: residual.count,
            data: senseSegment
        )
        self.send(response.makePDU(), context: context)
    }
}
