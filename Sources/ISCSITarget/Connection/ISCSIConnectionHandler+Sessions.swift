import ISCSIProtocol

extension ISCSIConnectionHandler {
    /// Why a login cannot have a session, decided before the configuration is consulted; nil when it may go on,
    /// holding one of the `max_sessions` session slots until the connection closes.
    ///
    /// - A login naming an open session (TSIH ≠ 0) of the same initiator port and target with the CID of that
    ///   session's connection reinstates the connection (RFC 7143 §6.3.4): this one continues the session under
    ///   the same TSIH, and the old connection is closed once this login succeeds, authenticated, as in session
    ///   reinstatement (at ErrorRecoveryLevel 0 the old connection's tasks end with it).
    /// - Another connection for an open session is refused with 0x0208 (connection add failed: one connection
    ///   per session for now), and a TSIH naming no open Normal session of that initiator port and target
    ///   (discovery sessions have none to name) with 0x020a (session does not exist).
    /// - A new session (Normal or Discovery) beyond `max_sessions` is refused with 0x0302 (out of resources),
    ///   as SPDK answers when its session pool is empty, unless it reinstates an open session.
    func sessionAdmissionRefusal(_ request: LoginSessionRequest) -> LoginSessionRefusal? {
        var reinstated: SessionTable.Key?
        if request.tsih != 0 {
            guard request.sessionType == .normal,
                let open = self.sessions.session(
                    initiatorName: request.initiatorName,
                    isid: request.isid,
                    tsih: request.tsih
                ), request.targetName?.lowercased() == open.key.targetName
            else {
                return .sessionDoesNotExist
            }
            guard open.connection.info.cid == request.cid else { return .cannotIncludeInSession }
            self.reinstatedIdentifyingHandle = request.tsih
            reinstated = open.key
        } else if request.sessionType == .normal, let targetName = request.targetName {
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
