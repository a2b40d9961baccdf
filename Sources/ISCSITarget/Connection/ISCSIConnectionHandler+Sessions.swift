import ISCSIProtocol
import ISCSIWire
import NIOCore

extension ISCSIConnectionHandler {
    // MARK: - Admission

    /// Why a login cannot have a session, decided before the configuration is consulted; nil when it may go on,
    /// holding one of the `max_sessions` slots until the connection closes (SPDK counts connections there).
    ///
    /// - A login naming an open session (TSIH ≠ 0) of the same initiator port and target joins it (RFC 7143 §4.3):
    ///   with the CID of one of its connections it reinstates that connection (§6.3.4: this one takes its place,
    ///   the old one is closed once this login succeeds, authenticated; at ErrorRecoveryLevel 0 its tasks end
    ///   with it); with a new CID it adds a connection, up to the session's MaxConnections (beyond: 0x0206, too
    ///   many connections). A connection that could not be moved to the session's event loop
    ///   (``ConnectionRelocation``) cannot join (0x0208).
    /// - A TSIH naming no open Normal session of that initiator port and target (discovery sessions have one
    ///   connection and cannot be named) is refused with 0x020a (session does not exist).
    /// - A new session (Normal or Discovery), or a new connection, beyond `max_sessions` is refused with 0x0302
    ///   (out of resources), as SPDK answers when its pool is empty, unless it reinstates an open session or
    ///   connection.
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
            guard open.session.eventLoop.inEventLoop else { return .cannotIncludeInSession }
            let reinstates = open.session.connections.contains { $0 !== self.connection && $0.info.cid == request.cid }
            guard reinstates || open.session.connections.count < open.session.maxConnections else {
                return .tooManyConnections
            }
            let parameters = open.session.connections.lazy.compactMap { $0.handlerOnEventLoop?.session?.parameters }
                .first
            self.joinedSession = (open.key, request.tsih, parameters)
            reinstated = reinstates ? open.key : nil
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

    // MARK: - Joining a session on its event loop

    /// Moves a login that names an open session living on another event loop to that loop (see
    /// ``SessionConnectionGroup``): the socket continues as a new channel there, which gets `request` again,
    /// and this channel closes. Called with the first login request.
    /// - Returns: whether the connection moved; when it could not, the login goes on here and cannot join.
    func relocateToSessionEventLoop(_ request: LoginRequestPDU, context: ChannelHandlerContext) -> Bool {
        guard request.tsih != 0, let eventLoop = self.sessions.eventLoop(ofSession: request.tsih),
            !eventLoop.inEventLoop, let local = context.channel.localAddress,
            let remote = context.channel.remoteAddress,
            let socket = ConnectionRelocation.duplicateSocket(local: local, remote: remote)
        else {
            return false
        }
        var replay = context.channel.allocator.buffer(capacity: 48 + request.data.readableBytes + 3)
        ISCSIPDUEncoder().encode(request.makePDU(), into: &replay)
        // This channel lets go of the socket before the duplicate is registered: no bytes can reach both loops.
        self.phase = .closing
        context.close(promise: nil)
        let configuration = self.configuration
        let registry = self.registry
        let sessions = self.sessions
        let portalGroupTag = self.portalGroupTag
        let metricsRegistry = self.metricsRegistry
        ConnectionRelocation.register(socket: socket, on: eventLoop, replaying: replay) { channel in
            let handler = ISCSIConnectionHandler(
                connection: ISCSIConnection(channel: channel, portalGroupTag: portalGroupTag),
                configuration: configuration,
                registry: registry,
                sessions: sessions,
                portalGroupTag: portalGroupTag,
                metricsRegistry: metricsRegistry
            )
            try channel.pipeline.syncOperations.addHandler(handler)
        }
        return true
    }

    /// Joins the open session of `peers` (on this event loop) once login succeeds: the first peer's session
    /// parameters apply, and the session's connection group is formed if this is its second connection.
    /// - Returns: the parameters of this connection.
    func joinConnectionGroup(of peers: [ISCSIConnection], negotiated: NegotiatedParameters) -> NegotiatedParameters {
        let handlers = peers.compactMap(\.handlerOnEventLoop).filter { $0.phase == .fullFeature }
        guard let leader = handlers.first, let leaderSession = leader.session else { return negotiated }
        let group = leader.connectionGroup ?? leader.formConnectionGroup(window: leaderSession.window)
        group.add(self)
        self.connectionGroup = group
        return negotiated.joining(leaderSession.parameters)
    }

    /// Makes this connection's window the session's shared one, for a second connection to join.
    private func formConnectionGroup(window: CommandWindow<ISCSIPDU>) -> SessionConnectionGroup {
        let group = SessionConnectionGroup(leadingHandler: self, window: window)
        self.connectionGroup = group
        return group
    }

    /// Closes a connection that another login of its session reinstated; the session goes on.
    func closeForReinstatement() {
        self.leavesSessionQuietly = true
        guard let context = self.context else { return }
        self.close(context: context)
    }

    // MARK: - Full feature phase with several connections

    /// Takes a command that arrived on this connection of a multi-connection session: the shared window orders
    /// it, then each command whose turn came runs on the connection it arrived on.
    func receiveSessionCommand(_ pdu: ISCSIPDU, group: SessionConnectionGroup, context: ChannelHandlerContext) {
        guard group.receive(pdu, from: self) == .execute else { return }
        self.execute(pdu, context: context)
        while let next = group.nextReleasedCommand() {
            next.handler.executeReleased(next.pdu)
        }
    }

    /// Runs a command released by another connection's arrival, and sends what it answers.
    private func executeReleased(_ pdu: ISCSIPDU) {
        guard let context = self.context, self.phase == .fullFeature else {
            self.commandCompleted(isImmediate: false)
            return
        }
        self.execute(pdu, context: context)
        self.flushIfNeeded(context: context)
    }

    /// Logout reason 1 for `cid`: closes this connection, or the session's connection with that CID, leaving
    /// the others.
    /// - Returns: the answer, and whether this connection closes.
    func logOutConnection(cid: UInt16) -> (response: LogoutResponsePDU.Response, closesThisConnection: Bool) {
        guard cid != self.connection.info.cid else {
            self.leavesSessionQuietly = true
            return (.closedSuccessfully, true)
        }
        guard let peer = self.connectionGroup?.peers(of: self).first(where: { $0.connection.info.cid == cid }),
            let peerContext = peer.context
        else {
            return (.cidNotFound, false)
        }
        peer.leavesSessionQuietly = true
        peer.close(context: peerContext)
        return (.closedSuccessfully, false)
    }

    /// Logout reason 0: every other connection of the session closes with this one.
    func logOutSession() {
        self.leavesSessionQuietly = true
        for peer in self.connectionGroup?.peers(of: self) ?? [] {
            peer.leavesSessionQuietly = true
            if let peerContext = peer.context {
                peer.close(context: peerContext)
            }
        }
    }

    /// Carries a task management function over to the session's other connections, where the tasks that arrived
    /// there live: ABORT TASK and QUERY TASK of a task this connection does not hold, and ABORT TASK SET, which
    /// reaches every task of the I_T nexus (the whole session). The response goes out on this connection.
    /// - Returns: the response to send.
    func performOnSessionPeers(
        _ request: TaskManagementRequestPDU,
        answered response: TaskManagementResponsePDU.Response,
        in context: TaskManagementContext
    ) -> TaskManagementResponsePDU.Response {
        guard let group = self.connectionGroup,
            let function = TaskManagementRequestPDU.Function(rawValue: request.function)
        else {
            return response
        }
        switch function {
        case .abortTask, .queryTask:
            guard response == .taskDoesNotExist,
                let holder = group.peers(of: self).first(where: {
                    $0.session?.tasks[request.referencedTaskTag] != nil
                })
            else {
                return response
            }
            return holder.performTaskManagement(request, in: context)
        case .abortTaskSet:
            for peer in group.peers(of: self) {
                _ = peer.performTaskManagement(request, in: context)
            }
            return response
        default:
            return response
        }
    }

    /// Carries out a task management function on this connection's tasks for another connection of the session;
    /// terminated tasks get no response and give their window slots back.
    private func performTaskManagement(
        _ request: TaskManagementRequestPDU,
        in context: TaskManagementContext
    ) -> TaskManagementResponsePDU.Response {
        guard var session = self.session else { return .taskDoesNotExist }
        let outcome = session.tasks.perform(request, in: context)
        self.session = session
        for task in outcome.terminatedTasks {
            task.payload.cancel()
            self.commandCompleted(isImmediate: task.isImmediate)
        }
        return outcome.response
    }

    /// Takes this closing connection out of its session's group, ending its tasks. Unless it left quietly
    /// (logout, reinstatement), the session fails with it (ErrorRecoveryLevel 0, RFC 7143 §7.1.1): each other
    /// connection is told with an Async Message "all connections will be dropped" and closed.
    /// - Returns: whether the session goes on without this connection.
    func leaveSession() -> Bool {
        guard let group = self.connectionGroup else { return false }
        // The tasks of this connection end with it (ERL 0) and give their slots of the shared window back.
        for task in self.session?.tasks.removeAll() ?? [] {
            task.payload.cancel()
            if !task.isImmediate {
                group.commandCompleted()
            }
        }
        self.connectionGroup = nil
        group.remove(self)
        let peers = group.peers(of: self)
        guard !self.leavesSessionQuietly else { return !peers.isEmpty }
        for peer in peers {
            peer.dropWithFailedSession()
        }
        return false
    }

    /// Announces that the session failed (Async Message event 3, with DefaultTime2Wait and DefaultTime2Retain as
    /// Parameter2 and Parameter3), then closes.
    private func dropWithFailedSession() {
        guard let context = self.context, self.phase == .fullFeature else { return }
        self.leavesSessionQuietly = true
        let numbers = self.sequenceNumbers()
        let message = AsyncMessagePDU(
            event: .allConnectionsWillBeDropped,
            statSN: self.takeStatSN(),
            expCmdSN: numbers.expCmdSN,
            maxCmdSN: numbers.maxCmdSN,
            parameter2: UInt16(clamping: self.session?.parameters.defaultTime2Wait ?? 0),
            parameter3: UInt16(clamping: self.session?.parameters.defaultTime2Retain ?? 0)
        )
        self.send(message.makePDU(), context: context)
        self.close(context: context)
    }
}
