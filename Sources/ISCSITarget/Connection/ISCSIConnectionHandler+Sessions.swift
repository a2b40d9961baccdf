import ISCSIProtocol

extension ISCSIConnectionHandler {
    /// Why a login cannot have a session, decided before the configuration is consulted; nil when it may go on,
    /// holding one of the `max_sessions` session slots until the connection closes.
    ///
    /// - A connection joining an open session (TSIH ≠ 0) of the same initiator port is refused with 0x0208
    ///   (connection add failed: one connection per session for now), and one naming no open session with
    ///   0x020a (session does not exist).
    /// - A new session (Normal or Discovery) beyond `max_sessions` is refused with 0x0302 (out of resources),
    ///   as SPDK answers when its session pool is empty, unless it reinstates an open session.
    func sessionAdmissionRefusal(_ request: LoginSessionRequest) -> LoginSessionRefusal? {
        guard request.tsih == 0 else {
            let open = self.sessions.connection(
                initiatorName: request.initiatorName,
                isid: request.isid,
                tsih: request.tsih
            )
            return open == nil ? .sessionDoesNotExist : .cannotIncludeInSession
        }
        var reinstated: SessionTable.Key?
        if request.sessionType == .normal, let targetName = request.targetName {
            reinstated = SessionTable.Key(
                initiatorName: request.initiatorName,
                isid: request.isid,
                targetName: targetName
            )
        }
        let limit = Int(self.configuration.snapshot.options.maxSessions)
        guard self.sessions.reserveSlot(for: self.connection, limit: limit, reinstating: reinstated) else {
            return .outOfResources
        }
        return nil
    }
}
