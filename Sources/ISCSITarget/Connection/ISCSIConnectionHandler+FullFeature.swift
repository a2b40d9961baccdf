import ISCSIProtocol
import ISCSIWire
import NIOCore
import SCSI

extension ISCSIConnectionHandler {
    // MARK: - Sequence numbers

    /// Takes the next StatSN (for a status-bearing PDU).
    func takeStatSN() -> UInt32 {
        guard var sequence = self.statusSequence else { return 0 }
        let value = sequence.assign().rawValue
        self.statusSequence = sequence
        return value
    }

    /// The StatSN the next status-bearing PDU will carry, without taking it.
    var nextStatSN: UInt32 { self.statusSequence?.next.rawValue ?? 0 }

    /// ExpCmdSN and MaxCmdSN as the session's window stands.
    func sequenceNumbers() -> (expCmdSN: UInt32, maxCmdSN: UInt32) {
        if let group = self.connectionGroup {
            return (
                group.window.expectedCommandSequenceNumber.rawValue,
                group.window.maximumCommandSequenceNumber.rawValue
            )
        }
        guard let window = self.session?.window else { return (0, 0) }
        return (window.expectedCommandSequenceNumber.rawValue, window.maximumCommandSequenceNumber.rawValue)
    }

    /// Opens the window by one when a non-immediate command completes.
    func commandCompleted(isImmediate: Bool) {
        guard !isImmediate else { return }
        if let group = self.connectionGroup {
            group.commandCompleted()
        } else {
            self.session?.window.commandCompleted()
        }
    }

    // MARK: - Dispatch

    func receiveFullFeature(_ pdu: ISCSIPDU, context: ChannelHandlerContext) {
        switch pdu.opcode {
        case .scsiDataOut:
            // Data-Out carries no CmdSN: it belongs to a command already in the window.
            guard let dataOut = try? SCSIDataOutPDU(pdu) else {
                self.reject(pdu.header, reason: .invalidPDUField, context: context)
                return
            }
            self.receiveDataOut(dataOut, header: pdu.header, context: context)
        case .nopOut where pdu.header.initiatorTaskTag == 0xffff_ffff:
            // The answer to a target ping: nothing to send back.
            self.receivePingAnswer(targetTransferTag: pdu.header.uint32(at: 20))
        case .nopOut, .scsiCommand, .taskManagementRequest, .textRequest, .logoutRequest:
            if let group = self.connectionGroup {
                // A session with several connections: one window for all of them.
                self.receiveSessionCommand(pdu, group: group, context: context)
                return
            }
            // Changed in place: copying the session out and back costs a retain and release of each field.
            let verdict = self.session?.window.receive(
                pdu,
                commandSequenceNumber: SerialNumber(pdu.header.uint32(at: 24)),
                isImmediate: pdu.header.isImmediate
            )
            guard verdict == .execute else { return }
            self.execute(pdu, context: context)
            // Commands held behind a CmdSN gap run once it is filled.
            while self.phase == .fullFeature, let next = self.session?.window.nextReleasedCommand() {
                self.execute(next, context: context)
            }
        case .snackRequest, .loginRequest:
            // SNACK needs ErrorRecoveryLevel > 0; a Login Request is not valid in full feature phase.
            self.reject(pdu.header, reason: .protocolError, context: context)
        default:
            self.reject(pdu.header, reason: .commandNotSupported, context: context)
        }
    }

    /// Runs a command the window delivered, on this connection, and answers it there.
    func execute(_ pdu: ISCSIPDU, context: ChannelHandlerContext) {
        let message: ISCSIInitiatorMessage
        do {
            message = try ISCSIInitiatorMessage(pdu)
        } catch {
            self.commandCompleted(isImmediate: pdu.header.isImmediate)
            self.reject(pdu.header, reason: .invalidPDUField, context: context)
            return
        }
        switch message {
        case .nopOut(let nop):
            self.commandCompleted(isImmediate: nop.isImmediate)
            self.answer(nop, context: context)
        case .scsiCommand(let command):
            self.executeSCSICommand(command, header: pdu.header, context: context)
        case .textRequest(let text):
            self.commandCompleted(isImmediate: text.isImmediate)
            self.answer(text, header: pdu.header, context: context)
        case .logoutRequest(let logout):
            self.commandCompleted(isImmediate: logout.isImmediate)
            self.answer(logout, context: context)
        case .taskManagementRequest(let request):
            self.commandCompleted(isImmediate: request.isImmediate)
            self.answer(request, context: context)
        case .scsiDataOut, .loginRequest, .snackRequest:
            self.reject(pdu.header, reason: .protocolError, context: context)
        }
    }

    // MARK: - Non-SCSI requests

    private func answer(_ nop: NOPOutPDU, context: ChannelHandlerContext) {
        let numbers = self.sequenceNumbers()
        let response = NOPInPDU(
            logicalUnitNumber: nop.logicalUnitNumber,
            initiatorTaskTag: nop.initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            data: nop.data
        )
        self.send(response.makePDU(), context: context)
    }

    private func answer(_ request: TextRequestPDU, header: ISCSIBasicHeaderSegment, context: ChannelHandlerContext) {
        guard var session = self.session else { return }
        if request.targetTransferTag != 0xffff_ffff {
            // The initiator asks for the next piece of a long response.
            guard let pending = session.pendingText, pending.initiatorTaskTag == request.initiatorTaskTag,
                pending.targetTransferTag == request.targetTransferTag
            else {
                self.reject(header, reason: .invalidPDUField, context: context)
                return
            }
            self.sendTextSegment(
                initiatorTaskTag: request.initiatorTaskTag,
                sequencer: pending.sequencer,
                context: context
            )
            return
        }
        let keys: TextKeyValues
        do {
            keys = try TextKeyValues(parsing: request.data)
        } catch {
            self.reject(header, reason: .protocolError, context: context)
            return
        }
        var answer = TextKeyValues()
        if let value = keys["SendTargets"] {
            let responder = SendTargetsResponder(
                snapshot: self.configuration.snapshot,
                initiatorName: session.initiatorName,
                initiatorAddress: context.channel.remoteAddress?.ipAddress ?? "",
                localHost: context.channel.localAddress?.bracketedIPAddress ?? ""
            )
            answer = responder.respond(to: value.isEmpty ? "All" : value)
        }
        session.pendingText = nil
        self.session = session
        let sequencer = TextSegmentSequencer(text: answer.encoded(), maxSegmentLength: session.maxSendSegmentLength)
        self.sendTextSegment(initiatorTaskTag: request.initiatorTaskTag, sequencer: sequencer, context: context)
    }

    private func sendTextSegment(
        initiatorTaskTag: UInt32,
        sequencer: TextSegmentSequencer,
        context: ChannelHandlerContext
    ) {
        var sequencer = sequencer
        let (data, isContinued) = sequencer.nextSegment()
        let targetTransferTag = isContinued ? self.nextTargetTransferTag() : 0xffff_ffff
        self.session?.pendingText = isContinued ? (initiatorTaskTag, targetTransferTag, sequencer) : nil
        let numbers = self.sequenceNumbers()
        let response = TextResponsePDU(
            isFinal: !isContinued,
            isContinue: isContinued,
            initiatorTaskTag: initiatorTaskTag,
            targetTransferTag: targetTransferTag,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            data: data
        )
        self.send(response.makePDU(), context: context)
    }

    private func answer(_ logout: LogoutRequestPDU, context: ChannelHandlerContext) {
        guard let session = self.session else { return }
        self.logoutDeadline?.cancel()
        var answer = (response: LogoutResponsePDU.Response.closedSuccessfully, closesThisConnection: true)
        switch LogoutRequestPDU.Reason(rawValue: logout.reasonCode) {
        case .removeConnectionForRecovery:
            answer.response = .recoveryNotSupported
        case .closeConnection:
            answer = self.logOutConnection(cid: logout.cid)
        case .closeSession, nil:
            self.logOutSession()
        }
        let numbers = self.sequenceNumbers()
        let response = LogoutResponsePDU(
            response: answer.response,
            initiatorTaskTag: logout.initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            time2Wait: UInt16(clamping: session.parameters.defaultTime2Wait),
            time2Retain: UInt16(clamping: session.parameters.defaultTime2Retain)
        )
        self.send(response.makePDU(), context: context)
        if answer.closesThisConnection {
            self.close(context: context)
        }
    }

    /// Carries out a task management function on this session's tasks and answers it. Terminated tasks get no
    /// response and give their window slots back before the answer, whose MaxCmdSN shows them.
    private func answer(_ request: TaskManagementRequestPDU, context: ChannelHandlerContext) {
        guard var session = self.session else { return }
        let device = session.device
        let window = self.sequenceNumbers()
        let taskContext = TaskManagementContext(
            expectedCommandSequenceNumber: SerialNumber(window.expCmdSN),
            maximumCommandSequenceNumber: SerialNumber(window.maxCmdSN),
            logicalUnitExists: { field in
                guard let id = LogicalUnitAddress.decode(field), let logicalUnit = device?.logicalUnit(id: id) else {
                    return false
                }
                return !logicalUnit.isRemoved
            }
        )
        let outcome = session.tasks.perform(request, in: taskContext)
        self.session = session
        for task in outcome.terminatedTasks {
            task.payload.cancel()
            self.commandCompleted(isImmediate: task.isImmediate)
        }
        let response = self.performOnSessionPeers(request, answered: outcome.response, in: taskContext)
        let numbers = self.sequenceNumbers()
        let pdu = TaskManagementResponsePDU(
            response: response,
            initiatorTaskTag: request.initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN
        )
        self.send(pdu.makePDU(), context: context)
        if let scope = outcome.otherSessions {
            for connection in self.otherConnectionsOfTarget() {
                connection.terminateTasks(in: scope)
            }
        }
        switch outcome.effect {
        case .resetLogicalUnit(let logicalUnitNumber):
            device?.resetLogicalUnit(logicalUnitNumber)
        case .resetTarget:
            device?.reset()
        case .resetTargetAndCloseConnections:
            device?.reset()
            self.closeConnectionsOfTarget(context: context)
        case nil:
            break
        }
    }

    /// TARGET COLD RESET: closes this connection once its response is out, and every other connection to the
    /// same target at once.
    private func closeConnectionsOfTarget(context: ChannelHandlerContext) {
        for connection in self.otherConnectionsOfTarget() {
            connection.close()
        }
        self.close(context: context)
    }

    /// The other connections logged in to this connection's target.
    private func otherConnectionsOfTarget() -> [ISCSIConnection] {
        guard let targetName = self.sessionKey?.targetName else { return [] }
        return self.registry.connections(ofTarget: targetName).compactMap { connection in
            connection === self.connection ? nil : connection as? ISCSIConnection
        }
    }

    /// Terminates this session's tasks in `scope` for a task management function carried out on another
    /// session of the target (CLEAR TASK SET, LOGICAL UNIT RESET, TARGET WARM RESET), or for a PREEMPT AND ABORT
    /// that preempted this session's I_T nexus (`preempted`; other sessions keep their tasks). The tasks give
    /// their window slots back and get no response, unless their logical unit's control mode page sets TAS:
    /// then each ends with TASK ABORTED status (SAM-5 §5.6).
    func terminateTasks(in scope: TaskManagementScope, preempted: PreemptedTasks? = nil) {
        guard self.phase == .fullFeature, let context = self.context, var session = self.session else { return }
        if let preempted, let nexus = session.nexus, !preempted.includes(nexus.identifier) {
            return
        }
        let terminated = session.tasks.terminateTasks(in: scope)
        self.session = session
        for task in terminated {
            task.payload.cancel()
            self.commandCompleted(isImmediate: task.isImmediate)
            if self.reportsTaskAbortedStatus(onLogicalUnit: task.logicalUnitNumber) {
                self.sendTaskAborted(initiatorTaskTag: task.initiatorTaskTag, context: context)
            }
        }
        if !terminated.isEmpty {
            self.flushIfNeeded(context: context)
        }
    }

    /// Whether the logical unit the LUN field `logicalUnitNumber` addresses has TAS set.
    private func reportsTaskAbortedStatus(onLogicalUnit logicalUnitNumber: UInt64) -> Bool {
        guard let id = LogicalUnitAddress.decode(logicalUnitNumber),
            let logicalUnit = self.session?.device?.logicalUnit(id: id)
        else {
            return false
        }
        return logicalUnit.reportsTaskAbortedStatus
    }

    /// Ends a task that another I_T nexus aborted with a SCSI Response carrying TASK ABORTED status.
    private func sendTaskAborted(initiatorTaskTag: UInt32, context: ChannelHandlerContext) {
        let numbers = self.sequenceNumbers()
        let response = SCSIResponsePDU(
            residualOverflow: false,
            residualUnderflow: false,
            status: SCSIStatus.taskAborted.rawValue,
            initiatorTaskTag: initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            expDataSN: 0,
            residualCount: 0,
            data: ByteBuffer()
        )
        self.send(response.makePDU(), context: context)
    }

    /// PREEMPT AND ABORT from this session completed: the tasks of the preempted I_T nexuses on the logical unit
    /// are terminated the way CLEAR TASK SET terminates them on the target's other sessions.
    func abortPreemptedTasks(_ preempted: PreemptedTasks, logicalUnitNumber: UInt64) {
        for connection in self.otherConnectionsOfTarget() {
            connection.terminateTasks(in: .logicalUnit(logicalUnitNumber), preempted: preempted)
        }
    }

    /// Sends a Reject carrying the offending header (RFC 7143 §11.17).
    func reject(_ header: ISCSIBasicHeaderSegment, reason: RejectPDU.Reason, context: ChannelHandlerContext) {
        let numbers = self.sequenceNumbers()
        let reject = RejectPDU(
            reason: reason,
            rejecting: header,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            allocator: context.channel.allocator
        )
        self.send(reject.makePDU(), context: context)
    }
}
