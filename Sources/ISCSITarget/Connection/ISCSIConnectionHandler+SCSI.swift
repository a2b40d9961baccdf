import ISCSIProtocol
import ISCSIWire
import NIOCore
import SCSI

extension ISCSIConnectionHandler {
    /// Runs a SCSI Command: at once when it moves no data-out or all of it came as immediate data,
    /// else after soliciting the rest with R2Ts.
    func executeSCSICommand(_ command: SCSICommandPDU, header: ISCSIBasicHeaderSegment, context: ChannelHandlerContext)
    {
        let arrival = self.metrics == nil ? 0 : NIODeadline.now().uptimeNanoseconds
        self.session?.refreshDevice()
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
        // Consumed: a copy would retain (and later release) each of the nexus's fields.
        self.session?.nexus = consume nexus
        switch preparation {
        case .completed(let completion):
            self.finish(
                command,
                with: completion,
                dataIn: ByteBuffer(),
                wantedLength: 0,
                meter: CommandMeter(arrivalUptimeNanoseconds: arrival),
                context: context
            )
        case .ready(let prepared):
            if prepared.dataOutLength == 0 {
                self.run(command, prepared: prepared, dataOut: [], arrivalUptimeNanoseconds: arrival, context: context)
                return
            }
            if command.data.readableBytes >= prepared.dataOutLength {
                // All the data-out came as immediate data: run at once, without a pending write, in the reused
                // one-segment list (changed in place: nothing else holds it once a command has run, unless an
                // asynchronous device still does, and then the change copies it).
                self.immediateDataOut[0] = command.data
                self.run(
                    command,
                    prepared: prepared,
                    dataOut: self.immediateDataOut,
                    arrivalUptimeNanoseconds: arrival,
                    context: context
                )
                // Lets go of the receive buffer the data is a slice of, so that NIO can reuse it.
                self.immediateDataOut[0] = ByteBuffer()
                return
            }
            var write = PendingWrite(
                command: command,
                prepared: prepared,
                maxBurstLength: Int(self.session?.parameters.maxBurstLength ?? 0)
            )
            write.arrivalUptimeNanoseconds = arrival
            let burst = write.nextBurst(targetTransferTag: self.nextTargetTransferTag())
            self.session?.tasks.insert(
                TaskTable.Task(
                    initiatorTaskTag: command.initiatorTaskTag,
                    logicalUnitNumber: command.logicalUnitNumber,
                    commandSequenceNumber: SerialNumber(command.cmdSN),
                    isImmediate: command.isImmediate,
                    payload: .awaitingDataOut(write)
                )
            )
            self.solicit(burst, for: command, context: context)
        }
    }

    /// Takes a Data-Out PDU for a write waiting for data. Data-Out PDUs of a task that task management just
    /// terminated are discarded; those of no task at all are rejected.
    func receiveDataOut(_ dataOut: SCSIDataOutPDU, header: ISCSIBasicHeaderSegment, context: ChannelHandlerContext) {
        let tag = dataOut.initiatorTaskTag
        let outcome = self.session?.tasks.modifyPayload(forTag: tag) { task in
            task.withPendingWrite { $0.receive(dataOut, nextTargetTransferTag: self.nextTargetTransferTag) }
        }
        guard let outcome = outcome ?? nil else {
            if self.session?.tasks.wasTerminated(initiatorTaskTag: tag) != true {
                self.reject(header, reason: .invalidPDUField, context: context)
            }
            return
        }
        switch outcome {
        case .accepted:
            break
        case .solicit(let burst):
            if let task = self.session?.tasks[tag], case .awaitingDataOut(let write) = task.payload {
                self.solicit(burst, for: write.command, context: context)
            }
        case .complete:
            if let task = self.session?.tasks.remove(initiatorTaskTag: tag),
                case .awaitingDataOut(let write) = task.payload
            {
                self.run(
                    write.command,
                    prepared: write.prepared,
                    dataOut: write.segments,
                    arrivalUptimeNanoseconds: write.arrivalUptimeNanoseconds,
                    context: context
                )
            }
        case .invalid:
            // The Data-Out does not fit the sequence (DataSN, offset, length or TTT). It is rejected and the task
            // ends with a SCSI Response (RFC 7143 §11.17.1: a Reject never ends a task by itself); the connection
            // goes on, and the task's further Data-Out PDUs are discarded.
            self.reject(header, reason: .protocolError, context: context)
            guard let task = self.session?.tasks.terminate(initiatorTaskTag: tag),
                case .awaitingDataOut(let write) = task.payload
            else { return }
            self.finish(
                write.command,
                with: .checkCondition(SenseData(key: .abortedCommand, code: Self.dataPhaseError)),
                dataIn: ByteBuffer(),
                wantedLength: write.prepared.dataOutLength,
                meter: CommandMeter(arrivalUptimeNanoseconds: write.arrivalUptimeNanoseconds),
                context: context
            )
        }
    }

    /// ASC/ASCQ 4B/00, DATA PHASE ERROR (SPC-4): the data-out did not follow the sequence the target solicited.
    private static var dataPhaseError: AdditionalSenseCode { AdditionalSenseCode(code: 0x4B, qualifier: 0x00) }

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

    /// Executes a command whose data-out has all arrived (`dataOut`, in order), and answers it.
    ///
    /// A small read (at most `gatheredReadLimit` bytes, in one Data-In) on a synchronous device reads straight into
    /// the connection's gathered output, behind the other responses of the batch: no buffer and no write of its own.
    private func run(
        _ command: SCSICommandPDU,
        prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer],
        arrivalUptimeNanoseconds: UInt64,
        context: ChannelHandlerContext
    ) {
        guard let device = self.session?.device, var nexus = self.session?.nexus.take() else { return }
        let capacity = Self.dataInCapacity(of: prepared)
        // A command that returns no data (a write) gets no buffer: `finish` would drop it unsent.
        let returnsData = command.isRead && capacity > 0
        let wantedLength = prepared.transferLength ?? (command.isWrite ? prepared.dataOutLength : nil)
        let meter = CommandMeter(arrivalUptimeNanoseconds: arrivalUptimeNanoseconds, prepared: prepared)
        if device.canSubmit(prepared, dataOut: dataOut) {
            self.session?.nexus = consume nexus
            let dataIn =
                returnsData
                ? self.encoder.payloadBuffer(capacity: capacity, allocator: context.channel.allocator) : ByteBuffer()
            self.submit(
                command,
                prepared: prepared,
                dataOut: dataOut,
                to: device,
                dataIn: dataIn,
                wantedLength: wantedLength,
                meter: meter,
                context: context
            )
            return
        }
        let isGathered =
            returnsData && capacity <= min(Self.gatheredReadLimit, self.session?.maxSendSegmentLength ?? 0)
        var dataIn = ByteBuffer()
        if isGathered {
            dataIn = self.takeGatheredOutput(forPayloadOf: capacity, context: context)
        } else if returnsData {
            dataIn = self.encoder.payloadBuffer(capacity: capacity, allocator: context.channel.allocator)
        }
        let completion = device.execute(prepared, dataOut: dataOut, dataIn: &dataIn, nexus: &nexus)
        self.session?.nexus = consume nexus
        if isGathered {
            guard
                !self.finishGatheredRead(
                    command,
                    with: completion,
                    dataIn: &dataIn,
                    wantedLength: wantedLength,
                    meter: meter
                )
            else { return }
            dataIn = self.returnGatheredOutput(removingPayloadOf: dataIn, context: context)
        }
        self.finish(
            command,
            with: completion,
            dataIn: consume dataIn,
            wantedLength: wantedLength,
            meter: meter,
            context: context
        )
    }

    /// The largest read whose data goes into the gathered output (see `run(_:context:)`); larger reads keep a
    /// buffer of their own, which a write hands to the kernel without copying it again.
    static let gatheredReadLimit = 16 * 1024

    /// Answers a read whose data the device wrote into the gathered output, when it ends in one Data-In PDU that
    /// carries the status: its header goes in front of the data, and the gathered output is given back. Returns
    /// false, having done nothing, for any other outcome (sense data, an error, a response delay, preempted tasks,
    /// no data or more than one PDU of it).
    private func finishGatheredRead(
        _ command: SCSICommandPDU,
        with completion: SCSICompletion,
        dataIn: inout ByteBuffer,
        wantedLength: Int?,
        meter: CommandMeter
    ) -> Bool {
        let length = dataIn.readableBytes
        guard completion.status == .good, completion.sense == nil, completion.responseDelay <= .zero,
            completion.preemptedTasks == nil, length > 0, length <= self.session?.maxSendSegmentLength ?? 0
        else {
            return false
        }
        self.record(command, with: completion, dataInLength: length, meter: meter)
        self.commandCompleted(isImmediate: command.isImmediate)
        let numbers = self.sequenceNumbers()
        let header = DataInSequence.onlyPDUHeader(
            initiatorTaskTag: command.initiatorTaskTag,
            logicalUnitNumber: command.logicalUnitNumber,
            finalStatus: .init(
                status: completion.status.rawValue,
                residual: SCSIResidual(expected: command.expectedDataTransferLength, actual: wantedLength ?? length)
            ),
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN
        )
        let isEncoded = self.encoder.encode(header: header.makeHeader(), intoFrontOf: &dataIn)
        assert(isEncoded, "the gathered output keeps room for the header in front of the data")
        self.returnGatheredOutput(encoded: dataIn)
        return true
    }

    /// Starts a command on an asynchronous block device (RBD): the loop goes on serving other commands, and the
    /// task waits in the task table, where it keeps its slot of the command window and task management can end it,
    /// until the device's completion comes back to this loop.
    private func submit(
        _ command: SCSICommandPDU,
        prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer],
        to device: SCSIDevice,
        dataIn: consuming ByteBuffer,
        wantedLength: Int?,
        meter: CommandMeter,
        context: ChannelHandlerContext
    ) {
        self.session?.tasks.insert(
            TaskTable.Task(
                initiatorTaskTag: command.initiatorTaskTag,
                logicalUnitNumber: command.logicalUnitNumber,
                commandSequenceNumber: SerialNumber(command.cmdSN),
                isImmediate: command.isImmediate,
                payload: .running
            )
        )
        self.commandsAtDevice += 1
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        device.submit(prepared, dataOut: dataOut, dataIn: consume dataIn, on: context.eventLoop) {
            completion,
            dataIn in
            handler.value.finishSubmitted(
                command,
                with: completion,
                dataIn: consume dataIn,
                wantedLength: wantedLength,
                meter: meter
            )
        }
    }

    /// Answers a command the device completed, unless task management terminated it or the connection ended; a
    /// drain waiting for it ends once the answer is flushed.
    private func finishSubmitted(
        _ command: SCSICommandPDU,
        with completion: SCSICompletion,
        dataIn: consuming ByteBuffer,
        wantedLength: Int?,
        meter: CommandMeter
    ) {
        defer { self.noteCommandReturnedFromDevice() }
        guard let context = self.context, self.phase == .fullFeature,
            let task = self.session?.tasks[command.initiatorTaskTag], case .running = task.payload
        else {
            return
        }
        self.session?.tasks.remove(initiatorTaskTag: command.initiatorTaskTag)
        self.finish(
            command,
            with: completion,
            dataIn: consume dataIn,
            wantedLength: wantedLength,
            meter: meter,
            context: context
        )
        self.flushIfNeeded(context: context)
    }

    /// The room to allocate for a command's data-in: a read's transfer (at most the maximum transfer length),
    /// or for other commands what they may return up to a small size, past which the buffer grows as they write.
    /// Never the data-in limit alone: an expected data transfer length near 4 GiB must not become an allocation.
    private static func dataInCapacity(of prepared: SCSIPreparedCommand) -> Int {
        min(prepared.dataInLimit, prepared.transferLength ?? Self.initialDataInCapacity)
    }

    /// The data-in room of a command that is not a block transfer: more than any descriptor-style answer
    /// (INQUIRY, MODE SENSE, REPORT LUNS of a few LUNs) needs.
    private static let initialDataInCapacity = 64 * 1024

    /// Answers a command that ran: now, or after its ``SCSICompletion/responseDelay`` while it waits in the task
    /// table, where task management can still cancel it and where it keeps its slot of the command window.
    ///
    /// Read data the initiator did not ask for (R bit clear, as in a READ sent as a write) is not sent. The tasks a
    /// PREEMPT AND ABORT preempted are aborted first.
    /// With metrics on, the command is counted here, its latency including the response delay.
    private func finish(
        _ command: SCSICommandPDU,
        with completion: SCSICompletion,
        dataIn: consuming ByteBuffer,
        wantedLength: Int?,
        meter: CommandMeter,
        context: ChannelHandlerContext
    ) {
        if !command.isRead {
            dataIn = ByteBuffer()
        }
        if let preempted = completion.preemptedTasks {
            self.abortPreemptedTasks(preempted, logicalUnitNumber: command.logicalUnitNumber)
        }
        self.record(command, with: completion, dataInLength: dataIn.readableBytes, meter: meter)
        guard completion.responseDelay > .zero else {
            self.commandCompleted(isImmediate: command.isImmediate)
            // Moved, not copied: the Data-In header is written in front of the data in the same buffer.
            self.sendCompletion(
                completion,
                dataIn: consume dataIn,
                of: command,
                wantedLength: wantedLength,
                context: context
            )
            return
        }
        let heldDataIn = consume dataIn
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let response = context.eventLoop.scheduleTask(in: completion.responseDelay) {
            handler.value.sendDeferredCompletion(
                completion,
                dataIn: heldDataIn,
                of: command,
                wantedLength: wantedLength
            )
        }
        self.session?.tasks.insert(
            TaskTable.Task(
                initiatorTaskTag: command.initiatorTaskTag,
                logicalUnitNumber: command.logicalUnitNumber,
                commandSequenceNumber: SerialNumber(command.cmdSN),
                isImmediate: command.isImmediate,
                payload: .responseDeferred(response)
            )
        )
    }

    /// Counts a command in this connection's metrics (when on), its latency including the response delay.
    private func record(
        _ command: SCSICommandPDU,
        with completion: SCSICompletion,
        dataInLength: Int,
        meter: CommandMeter
    ) {
        guard let metrics = self.metrics else { return }
        let isGood = completion.status == .good
        let now = NIODeadline.now().uptimeNanoseconds
        let delay = UInt64(max(0, completion.responseDelay.nanoseconds))
        metrics.record(
            logicalUnitField: command.logicalUnitNumber,
            readBytes: isGood && meter.readsBlocks ? dataInLength : 0,
            writtenBytes: isGood ? meter.writtenBytes : 0,
            isError: completion.status == .checkCondition,
            latencyNanoseconds: (now &- meter.arrivalUptimeNanoseconds) &+ delay
        )
    }

    /// Sends a deferred response whose time has come, unless task management terminated the task meanwhile.
    private func sendDeferredCompletion(
        _ completion: SCSICompletion,
        dataIn: ByteBuffer,
        of command: SCSICommandPDU,
        wantedLength: Int?
    ) {
        guard let context = self.context, self.phase == .fullFeature,
            let task = self.session?.tasks[command.initiatorTaskTag], case .responseDeferred = task.payload
        else {
            return
        }
        self.session?.tasks.remove(initiatorTaskTag: command.initiatorTaskTag)
        self.commandCompleted(isImmediate: command.isImmediate)
        self.sendCompletion(completion, dataIn: dataIn, of: command, wantedLength: wantedLength, context: context)
        self.flushIfNeeded(context: context)
    }

    /// Cancels every task of the session, for a connection that closes.
    func cancelTasks() {
        for task in self.session?.tasks.removeAll() ?? [] {
            task.payload.cancel()
        }
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
                if self.encoder.encode(header: header.makeHeader(), intoFrontOf: &dataIn) {
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
