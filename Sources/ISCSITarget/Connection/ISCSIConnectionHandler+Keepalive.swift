import ISCSIWire
import NIOCore

extension ISCSIConnectionHandler {
    /// A NOP-In ping the initiator has not answered yet.
    struct OutstandingPing {
        var targetTransferTag: UInt32
        var sentAt: NIODeadline
    }

    /// Starts SPDK's once-a-second idle check for a full-feature connection: after `nop_in_interval`
    /// idle seconds, ping with a NOP-In; drop the connection when a ping stays unanswered `nop_timeout` s.
    func startKeepalive(context: ChannelHandlerContext) {
        let options = self.configuration.snapshot.options
        guard options.nopInInterval > 0 else { return }
        self.keepalive = Keepalive(
            interval: .seconds(Int64(options.nopInInterval)),
            timeout: .seconds(Int64(options.nopTimeout))
        )
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) {
            _ in
            handler.value.checkIdle()
        }
    }

    /// Called once a second while the connection is in full feature phase.
    func checkIdle() {
        guard let context = self.context, self.phase == .fullFeature, let keepalive = self.keepalive else { return }
        let now = context.eventLoop.now
        if let ping = self.outstandingPing {
            if now - ping.sentAt >= keepalive.timeout {
                // Nothing more can reach a peer that does not answer: what it has not taken is dropped.
                self.drop(context: context)
            }
            return
        }
        guard now - self.lastActivity >= keepalive.interval else { return }
        let ping = OutstandingPing(targetTransferTag: self.nextTargetTransferTag(), sentAt: now)
        self.outstandingPing = ping
        let numbers = self.sequenceNumbers()
        let nopIn = NOPInPDU(
            initiatorTaskTag: 0xffff_ffff,
            targetTransferTag: ping.targetTransferTag,
            statSN: self.nextStatSN,
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN
        )
        self.send(nopIn.makePDU(), context: context)
        self.flushIfNeeded(context: context)
    }

    /// A NOP-Out answering a ping (ITT 0xffffffff) clears it.
    func receivePingAnswer(targetTransferTag: UInt32) {
        if self.outstandingPing?.targetTransferTag == targetTransferTag {
            self.outstandingPing = nil
        }
    }
}

/// The keepalive timing of a connection (`nop_in_interval`, `nop_timeout`).
struct Keepalive {
    var interval: TimeAmount
    var timeout: TimeAmount
}
