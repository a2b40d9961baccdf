import ISCSIWire
import NIOCore

extension ISCSIConnectionHandler {
    /// How long a target-requested logout may take before the connection is dropped
    /// (SPDK's `ISCSI_LOGOUT_REQUEST_TIMEOUT`), announced in the Async Message's Parameter3.
    static let requestedLogoutTimeout = TimeAmount.seconds(30)

    /// iscsi_target_node_request_logout: sends an Async Message with event 1 ("target requests logout",
    /// RFC 7143 §11.9.1) and drops the connection unless the initiator logs out within
    /// ``requestedLogoutTimeout``. Only a full-feature Normal session is asked; a request while one is pending
    /// changes nothing.
    func requestLogout() {
        guard let context = self.context, self.phase == .fullFeature, self.session?.device != nil,
            self.logoutDeadline == nil
        else { return }
        let numbers = self.sequenceNumbers()
        let message = AsyncMessagePDU(
            event: .logoutRequested,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            parameter3: UInt16(Self.requestedLogoutTimeout.nanoseconds / 1_000_000_000)
        )
        self.send(message.makePDU(), context: context)
        self.flushIfNeeded(context: context)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.logoutDeadline = context.eventLoop.scheduleTask(in: Self.requestedLogoutTimeout) {
            handler.value.dropAfterIgnoredLogoutRequest()
        }
    }

    /// The initiator did not log out in time: the connection is closed.
    private func dropAfterIgnoredLogoutRequest() {
        guard let context = self.context else { return }
        self.close(context: context)
    }
}
