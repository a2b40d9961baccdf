import ISCSIProtocol
import ISCSIWire
import NIOCore
import SCSI

extension ISCSIConnectionHandler {
    /// Feeds one Login Request to the login state machine and carries out what it answers.
    func receiveLogin(_ request: LoginRequestPDU, context: ChannelHandlerContext) {
        if self.statusSequence == nil, self.relocateToSessionEventLoop(request, context: context) {
            return
        }
        if self.statusSequence == nil {
            self.statusSequence = StatusSequence(first: SerialNumber(request.expStatSN))
        }
        self.connection.update {
            $0.cid = request.cid
            $0.loginPhase =
                request.currentStage == .securityNegotiation
                ? "security_negotiation_phase" : "operational_negotiation_phase"
        }
        let action = self.login.receive(
            LoginRequest(
                transit: request.isTransit,
                continuesText: request.isContinue,
                currentStage: request.currentStage.rawValue,
                nextStage: request.nextStage.rawValue,
                versionMax: request.versionMax,
                versionMin: request.versionMin,
                isid: request.isid,
                tsih: request.tsih,
                cid: request.cid,
                cmdSN: request.cmdSN,
                expStatSN: request.expStatSN,
                text: Array(request.data.readableBytesView)
            )
        )
        self.perform(action, answering: request, context: context)
    }

    private func perform(_ action: LoginAction, answering request: LoginRequestPDU, context: ChannelHandlerContext) {
        switch action {
        case .sendResponse(let response):
            self.send(self.loginResponse(response, answering: request), context: context)
        case .resolveSession(let sessionRequest):
            let decision = self.resolve(sessionRequest, context: context)
            self.loginTarget = decision.target
            if decision.target != nil, let local = context.channel.localAddress,
                let host = local.bracketedIPAddress, let port = local.port
            {
                self.pendingTargetAddress = "\(host):\(port),\(self.portalGroupTag)"
            }
            self.loginSession = sessionRequest
            self.perform(self.login.sessionResolved(decision.resolution), answering: request, context: context)
        case .sendFailure(let response):
            self.send(self.loginResponse(response, answering: request), context: context)
            self.close(context: context)
        case .enterFullFeature(let response, let parameters):
            self.enterFullFeature(response, parameters: parameters, answering: request, context: context)
        }
    }

    private func resolve(_ request: LoginSessionRequest, context: ChannelHandlerContext) -> LoginResolver.Decision {
        if let refusal = self.sessionAdmissionRefusal(request) {
            return LoginResolver.Decision(resolution: .refused(refusal), target: nil)
        }
        let resolver = LoginResolver(
            snapshot: self.configuration.snapshot,
            portalGroupTag: self.portalGroupTag,
            initiatorAddress: context.channel.remoteAddress?.ipAddress ?? ""
        )
        var decision = resolver.resolve(request)
        if case .accepted(var grant) = decision.resolution, let joined = self.joinedSession {
            // A connection added to an open session keeps the session-wide values negotiated on the leading one.
            grant.openSession = joined.parameters
            decision.resolution = .accepted(grant)
        }
        return decision
    }

    /// Answers a login PDU that could not be decoded, then closes.
    func failLogin(_ header: ISCSIBasicHeaderSegment, status: ISCSILoginStatus, context: ChannelHandlerContext) {
        let response = LoginResponsePDU(
            isTransit: false,
            currentStage: .securityNegotiation,
            nextStage: .securityNegotiation,
            isid: header.uint64(at: 8) >> 16,
            tsih: header.uint16(at: 14),
            initiatorTaskTag: header.initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: header.uint32(at: 24),
            maxCmdSN: header.uint32(at: 24),
            status: status
        )
        self.send(response.makePDU(), context: context)
        self.close(context: context)
    }

    private func enterFullFeature(
        _ response: LoginResponse,
        parameters: NegotiatedParameters,
        answering request: LoginRequestPDU,
        context: ChannelHandlerContext
    ) {
        guard let sessionRequest = self.loginSession else {
            self.failLogin(request.makePDU().header, status: .targetError, context: context)
            return
        }
        let target = self.loginTarget
        let snapshot = self.configuration.snapshot
        let queueDepth = target.map { UInt32(clamping: $0.queueDepth) } ?? 1
        var parameters = parameters
        if let joined = self.joinedSession {
            switch self.sessions.join(
                self.connection,
                cid: request.cid,
                to: joined.key,
                identifyingHandle: joined.identifyingHandle
            )
            {
            case .tooManyConnections:
                self.failLogin(request.makePDU().header, status: .tooManyConnections, context: context)
                return
            case .sessionDoesNotExist:
                self.failLogin(request.makePDU().header, status: .sessionDoesNotExist, context: context)
                return
            case .joined(let replaced, let peers):
                replaced?.handlerOnEventLoop?.closeForReinstatement()
                parameters = self.joinConnectionGroup(of: peers, negotiated: parameters)
                self.sessionKey = joined.key
            }
        }
        var session = ISCSISession(
            type: sessionRequest.sessionType,
            identifyingHandle: self.joinedSession?.identifyingHandle ?? ISCSISession.nextIdentifyingHandle(),
            initiatorName: sessionRequest.initiatorName,
            parameters: parameters,
            window: CommandWindow(expectedCommandSequenceNumber: SerialNumber(request.cmdSN), queueDepth: queueDepth)
        )
        if let target {
            let port = SCSITargetPort(
                targetName: target.name,
                portalGroupTag: UInt16(truncatingIfNeeded: self.portalGroupTag)
            )
            session.device = target.scsiDevice
            session.deviceSource = target.sessionDevice
            session.refreshDevice()
            session.nexus = SCSINexus(
                targetPort: port,
                initiatorPortName: Self.initiatorPortName(sessionRequest.initiatorName, isid: sessionRequest.isid)
            )
        }
        if let target, let registry = self.metricsRegistry, self.metrics == nil {
            let metrics = ConnectionMetrics(target: target.name, initiator: sessionRequest.initiatorName)
            registry.shard(of: context.eventLoop).attach(metrics)
            self.metrics = metrics
        }
        if let target, self.joinedSession == nil {
            let key = SessionTable.Key(
                initiatorName: sessionRequest.initiatorName,
                isid: sessionRequest.isid,
                targetName: target.name
            )
            self.sessionKey = key
            let previous = self.sessions.register(
                self.connection,
                for: key,
                identifyingHandle: session.identifyingHandle,
                maxConnections: Int(parameters.maxConnections)
            )
            if !snapshot.options.allowDuplicatedISID {
                let initiatorPortName = Self.initiatorPortName(sessionRequest.initiatorName, isid: sessionRequest.isid)
                self.endReinstatedSession(of: previous, on: target, initiatorPortName: initiatorPortName)
            }
        }
        self.session = session
        self.loginTarget = nil
        self.loginSession = nil
        self.loginDeadline?.cancel()
        self.loginDeadline = nil

        var pdu = self.loginResponse(response, answering: request)
        pdu.header.setUInt16(session.identifyingHandle, at: 14)
        let numbers = self.sequenceNumbers()
        pdu.header.setUInt32(numbers.expCmdSN, at: 28)
        pdu.header.setUInt32(numbers.maxCmdSN, at: 32)
        self.send(pdu, context: context)

        // Digests and the larger segment limit apply from the next PDU in each direction.
        self.reader.decoder.configuration = ISCSIPDUDecoder.Configuration(
            maxDataSegmentLength: Int(parameters.targetMaxRecvDataSegmentLength),
            headerDigest: parameters.headerDigest,
            dataDigest: parameters.dataDigest
        )
        self.encoder = ISCSIPDUEncoder(headerDigest: parameters.headerDigest, dataDigest: parameters.dataDigest)
        self.phase = .fullFeature
        self.startKeepalive(context: context)
        self.connection.update {
            $0.loginPhase = "full_feature_phase"
            $0.tsih = session.identifyingHandle
            $0.targetNodeName = target.map { TargetName.shortName($0.name) } ?? ""
        }
    }

    /// Session reinstatement (RFC 7143 §6.3.5): the old session's connections close, and its I_T nexus is lost —
    /// noted here, before this login is answered, because a connection on another event loop closes later, when the
    /// new session may already have taken a reservation through the same nexus.
    private func endReinstatedSession(
        of connections: [ISCSIConnection],
        on target: TargetNodeSnapshot,
        initiatorPortName: String
    ) {
        let device = target.scsiDevice
        for connection in connections {
            let port = SCSITargetPort(
                targetName: target.name,
                portalGroupTag: UInt16(truncatingIfNeeded: connection.info.portalGroupTag)
            )
            device.noteNexusLoss(SCSINexus(targetPort: port, initiatorPortName: initiatorPortName))
            connection.close()
        }
    }

    /// The Login Response PDU for a state-machine response to `request`.
    private func loginResponse(_ response: LoginResponse, answering request: LoginRequestPDU) -> ISCSIPDU {
        var text = TextKeyValues()
        for key in response.keys {
            text.append(key: key.key, value: key.value)
        }
        if response.status.isSuccess, let address = self.pendingTargetAddress {
            text.append(key: "TargetAddress", value: address)
            self.pendingTargetAddress = nil
        }
        return LoginResponsePDU(
            isTransit: response.transit,
            currentStage: ISCSILoginStage(rawValue: response.currentStage.rawValue) ?? .securityNegotiation,
            nextStage: ISCSILoginStage(rawValue: response.nextStage.rawValue) ?? .securityNegotiation,
            isid: request.isid,
            tsih: request.tsih,
            initiatorTaskTag: request.initiatorTaskTag,
            statSN: self.takeStatSN(),
            expCmdSN: request.cmdSN,
            maxCmdSN: request.cmdSN,
            status: ISCSILoginStatus(
                statusClass: response.status.statusClass,
                statusDetail: response.status.statusDetail
            ),
            data: text.encoded()
        ).makePDU()
    }

    /// `iqn...,i,0x<isid>`: the SCSI initiator port name (RFC 7143 §10.1).
    static func initiatorPortName(_ initiatorName: String, isid: UInt64) -> String {
        let hex = String(isid, radix: 16)
        return "\(initiatorName),i,0x" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }
}
