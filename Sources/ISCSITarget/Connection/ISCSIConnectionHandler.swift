import ISCSIProtocol
import ISCSIWire
import NIOCore

/// One iSCSI connection: cuts the byte stream into PDUs, runs login, then serves the full feature
/// phase (SCSI commands, Data-Out/R2T, Data-In, NOP, Text, Logout, task management).
///
/// Decisions live in value types (`LoginStateMachine`, `CommandWindow`, `PendingWrite`,
/// `DataInSequence`, `LoginResolver`, `SendTargetsResponder`); this handler feeds them PDUs and writes
/// what they answer. Responses are flushed once per `channelReadComplete`.
final class ISCSIConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long login may take before the connection is dropped (SPDK's fixed 30 s).
    static let loginTimeout = TimeAmount.seconds(30)
    /// Back-pressure: past `high` queued outbound bytes the connection stops decoding and reading, so that a
    /// peer that does not take its responses cannot make the target buffer without bound; below `low` it
    /// goes on.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 1 << 20, high: 4 << 20)
    /// How long a closing connection waits for the peer to take what was written before it (a Logout Response,
    /// a login failure, a Reject) before it closes anyway: SPDK's `ISCSI_LOGOUT_TIMEOUT`.
    static let closeLinger = TimeAmount.seconds(5)

    enum Phase {
        case login
        case fullFeature
        case closing
    }

    let connection: ISCSIConnection
    let configuration: ConfigurationStore
    let registry: ConnectionRegistry
    let sessions: SessionTable
    /// This connection's entry in `sessions`, once a Normal session is in full feature phase.
    var sessionKey: SessionTable.Key?
    let portalGroupTag: Int32
    /// Where Normal sessions register their counters; nil without `--metrics`.
    let metricsRegistry: ISCSIMetrics?
    /// This connection's command counters, once a Normal session is in full feature phase with metrics on.
    @exclusivity(unchecked) var metrics: ConnectionMetrics?

    // The state every command reads or changes is marked `@exclusivity(unchecked)`: the handler runs on one event
    // loop and never changes a property while an access to it is open, and the dynamic checks cost about 1,000
    // instructions per command (a thread-local access set per property access).
    @exclusivity(unchecked) var phase = Phase.login
    @exclusivity(unchecked) var reader = PDUReader()
    @exclusivity(unchecked) var encoder = ISCSIPDUEncoder()
    var login: LoginStateMachine
    /// The StatSN counter, started by the first login request.
    @exclusivity(unchecked) var statusSequence: StatusSequence?
    /// Set while login resolves a Normal session's target.
    var loginTarget: TargetNodeSnapshot?
    var loginSession: LoginSessionRequest?
    @exclusivity(unchecked) var session: ISCSISession?
    /// The open session a login with a non-zero TSIH joins (a new connection, or the reinstatement of one), and
    /// the parameters in force there.
    var joinedSession: (key: SessionTable.Key, identifyingHandle: UInt16, parameters: NegotiatedParameters?)?
    /// The connections of this session and their shared command window, once the session has more than one
    /// connection (MC/S); nil otherwise.
    @exclusivity(unchecked) var connectionGroup: SessionConnectionGroup?
    /// Set when this connection leaves its session without failing it (logout, reinstatement): its peers go on.
    var leavesSessionQuietly = false
    @exclusivity(unchecked) var lastTargetTransferTag: UInt32 = 0
    /// The data-out list of a command whose data-out is all immediate data, reused from command to command so that
    /// a write allocates no array (see `executeSCSICommand`).
    @exclusivity(unchecked) var immediateDataOut = [ByteBuffer()]
    var logoutDeadline: Scheduled<Void>?
    var loginDeadline: Scheduled<Void>?
    var keepalive: Keepalive?
    var keepaliveTask: RepeatedTask?
    var outstandingPing: OutstandingPing?
    /// When the last bytes arrived, for the keepalive.
    @exclusivity(unchecked) var lastActivity = NIODeadline.uptimeNanoseconds(0)
    /// The `TargetAddress` a Normal login declares in its next response (iscsi-options.md §2).
    var pendingTargetAddress: String?
    private(set) var context: ChannelHandlerContext?
    @exclusivity(unchecked) private var needsFlush = false
    /// Small PDUs encoded since the last write (see `send(_:context:)`), and the data-in of small reads
    /// (see `takeGatheredOutput(forPayloadOf:context:)`).
    @exclusivity(unchecked) private var gatheredOutput: ByteBuffer?
    /// The gathered output written last, kept to gather the next batch into: once the channel has written it and let
    /// go, it is reused without an allocation (a buffer the channel still holds is not overwritten but replaced).
    @exclusivity(unchecked) private var spareOutput: ByteBuffer?
    /// The first allocation of `gatheredOutput`: the SCSI Responses of a batch of 64 writes with header digests.
    static let gatheredOutputCapacity = 64 * (ISCSIBasicHeaderSegment.byteCount + 4)
    /// The most gathered output held before it is written, which bounds the buffer a connection keeps for reuse.
    static let gatheredOutputLimit = 64 * 1024
    /// Set while decoding waits for the outbound buffer to drain (reading is off meanwhile).
    private var isPausedForWritability = false
    /// Commands handed to an asynchronous block device (RBD) whose completion has not come back yet, terminated ones
    /// included: the device carries them out all the same.
    @exclusivity(unchecked) var commandsAtDevice = 0
    /// Set once the connection drains for shutdown (`drain(context:)`): it decodes no more commands.
    var isDraining = false
    /// Completed when a drain is over: every command at the device came back, or the drain timed out.
    var drainPromise: EventLoopPromise<Void>?

    init(
        connection: ISCSIConnection,
        configuration: ConfigurationStore,
        registry: ConnectionRegistry,
        sessions: SessionTable,
        portalGroupTag: Int32,
        metricsRegistry: ISCSIMetrics? = nil
    ) {
        self.connection = connection
        self.configuration = configuration
        self.registry = registry
        self.sessions = sessions
        self.portalGroupTag = portalGroupTag
        self.metricsRegistry = metricsRegistry
        self.login = LoginStateMachine(settings: Self.loginSettings(configuration.snapshot.options))
    }

    static func loginSettings(_ options: ISCSIOptions) -> TargetLoginSettings {
        var settings = TargetLoginSettings()
        settings.maxConnections = options.maxConnectionsPerSession
        settings.immediateData = options.immediateData
        settings.firstBurstLength = options.firstBurstLength
        settings.defaultTime2Wait = options.defaultTime2Wait
        settings.defaultTime2Retain = options.defaultTime2Retain
        settings.errorRecoveryLevel = options.errorRecoveryLevel
        return settings
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        try? context.channel.syncOptions?.setOption(
            ChannelOptions.writeBufferWaterMark,
            value: Self.writeBufferWaterMark
        )
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.logoutDeadline?.cancel()
        self.loginDeadline?.cancel()
        self.keepaliveTask?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connection.update {
            $0.initiatorAddress = context.channel.remoteAddress?.ipAddress ?? ""
            $0.targetAddress = context.channel.localAddress?.ipAddress ?? ""
        }
        self.registry.add(self.connection)
        let channel = context.channel
        self.loginDeadline = context.eventLoop.scheduleTask(in: Self.loginTimeout) {
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.phase = .closing
        let sessionGoesOn = self.leaveSession()
        self.cancelTasks()
        // A session that a reinstatement replaced is no longer registered: its I_T nexus loss was noted when the new
        // session took over, whose state the nexus is now.
        let wasRegistered = self.sessionKey.map { self.sessions.remove(self.connection, for: $0) } ?? false
        if !sessionGoesOn, wasRegistered, let device = self.session?.device, let nexus = self.session?.nexus {
            device.noteNexusLoss(nexus)
        }
        self.session = nil
        if let metrics = self.metrics, let registry = self.metricsRegistry {
            registry.shard(of: context.eventLoop).detach(metrics)
            self.metrics = nil
        }
        self.connection.update { $0.state = "exited" }
        self.registry.remove(self.connection)
        self.sessions.releaseSlot(of: self.connection)
        self.logoutDeadline?.cancel()
        self.loginDeadline?.cancel()
        self.keepaliveTask?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.reader.receive(self.unwrapInboundIn(data))
        self.lastActivity = context.eventLoop.now
        self.handleReceivedPDUs(context: context)
    }

    /// Decodes and handles the buffered PDUs while the connection is writable. Past the outbound high watermark
    /// the rest stays buffered and reading stops until `channelWritabilityChanged` says the peer caught up.
    private func handleReceivedPDUs(context: ChannelHandlerContext) {
        while self.phase != .closing, !self.isDraining {
            guard context.channel.isWritable else {
                self.isPausedForWritability = true
                try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
                return
            }
            do {
                guard let pdu = try self.reader.nextPDU() else { break }
                self.receive(pdu, context: context)
            } catch let error as ISCSIWireError {
                self.receiveDecodingError(error, context: context)
            } catch {
                self.close(context: context)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if self.isPausedForWritability, context.channel.isWritable {
            self.isPausedForWritability = false
            self.handleReceivedPDUs(context: context)
            self.flushIfNeeded(context: context)
            if !self.isPausedForWritability, !self.isDraining {
                try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.close(context: context)
    }

    // MARK: - Dispatch

    private func receive(_ pdu: ISCSIPDU, context: ChannelHandlerContext) {
        switch self.phase {
        case .login:
            guard pdu.opcode == .loginRequest else {
                // Only Login Requests may come before full feature phase (RFC 7143 §6.3).
                self.close(context: context)
                return
            }
            do {
                self.receiveLogin(try LoginRequestPDU(pdu), context: context)
            } catch {
                self.failLogin(pdu.header, status: .initiatorError, context: context)
            }
        case .fullFeature:
            self.receiveFullFeature(pdu, context: context)
        case .closing:
            break
        }
    }

    private func receiveDecodingError(_ error: ISCSIWireError, context: ChannelHandlerContext) {
        switch error {
        case .dataDigestMismatch(let pdu) where self.phase == .fullFeature:
            self.reject(pdu.header, reason: .dataDigestError, context: context)
        default:
            // The stream cannot be resynchronised (bad header digest, oversized segment): drop it.
            self.close(context: context)
        }
    }

    // MARK: - Output

    /// Writes `pdu`; it goes out at the next flush.
    ///
    /// A PDU without a large data segment (a SCSI Response, an R2T, a NOP-In) is gathered with the others of
    /// the same batch into one buffer, written when a large PDU follows or at the flush: one allocation and one
    /// pass through the pipeline per batch instead of per response.
    func send(_ pdu: ISCSIPDU, context: ChannelHandlerContext) {
        self.needsFlush = true
        guard pdu.dataSegment.readableBytes > ISCSIPDUEncoder.inlineDataLimit else {
            var gathered = self.takeGatheredOutput(room: self.encoder.encodedLength(of: pdu), context: context)
            self.encoder.encode(pdu, into: &gathered)
            self.gatheredOutput = gathered
            return
        }
        self.writeGatheredOutput(context: context)
        let encoded = self.encoder.encode(pdu, allocator: context.channel.allocator)
        encoded.forEachBuffer { context.write(self.wrapOutboundOut($0), promise: nil) }
    }

    /// Writes a PDU already encoded in one buffer; it goes out at the next flush.
    func send(encoded buffer: ByteBuffer, context: ChannelHandlerContext) {
        self.writeGatheredOutput(context: context)
        context.write(self.wrapOutboundOut(buffer), promise: nil)
        self.needsFlush = true
    }

    /// The gathered output with `room` more bytes to add: the batch's buffer, unless it would grow past
    /// `gatheredOutputLimit` (it is written first), else the spare buffer (cleared), else a new one.
    private func takeGatheredOutput(room: Int, context: ChannelHandlerContext) -> ByteBuffer {
        if let gathered = self.gatheredOutput.take() {
            guard gathered.readableBytes + room > Self.gatheredOutputLimit else { return gathered }
            self.write(gathered: gathered, context: context)
        }
        let capacity = max(room, Self.gatheredOutputCapacity)
        guard var spare = self.spareOutput.take() else { return context.channel.allocator.buffer(capacity: capacity) }
        // As large as the spare: a buffer the channel still holds is replaced by one that need not grow again.
        spare.clear(minimumCapacity: max(capacity, spare.capacity))
        return spare
    }

    /// The gathered output with room at its end for one PDU whose data segment, of up to `capacity` bytes, the
    /// caller writes in place (a small read's data-in, copied once: from the device into the batch's buffer).
    ///
    /// Like a buffer from `ISCSIPDUEncoder.payloadBuffer(capacity:allocator:)`, its readable bytes are the data
    /// segment (none yet) and the room for the PDU's header precedes its reader index, behind the PDUs gathered
    /// before. Give it back with `returnGatheredOutput(encoded:)` once the header is encoded in front of the data,
    /// or with `returnGatheredOutput(removingPayloadOf:)`; nothing may be sent meanwhile.
    func takeGatheredOutput(forPayloadOf capacity: Int, context: ChannelHandlerContext) -> ByteBuffer {
        let reservation = self.encoder.headerReservation
        // Header, data segment, padding and data digest.
        let room = reservation + capacity + 3 + 4
        var gathered = self.takeGatheredOutput(room: room, context: context)
        gathered.reserveCapacity(minimumWritableBytes: room)
        gathered.moveWriterIndex(forwardBy: reservation)
        gathered.moveReaderIndex(to: gathered.writerIndex)
        return gathered
    }

    /// Gives back the gathered output after `ISCSIPDUEncoder.encode(_:intoFrontOf:)` put a PDU's header in front of
    /// the data written in place: the PDU goes out with the rest of the batch.
    func returnGatheredOutput(encoded gathered: consuming ByteBuffer) {
        gathered.moveReaderIndex(to: 0)
        self.gatheredOutput = gathered
        self.needsFlush = true
    }

    /// Gives back the gathered output without the data written in place, and returns that data in a buffer of its
    /// own with room for a header in front (a copy: for the reads that do not end in one Data-In with status).
    func returnGatheredOutput(removingPayloadOf gathered: consuming ByteBuffer, context: ChannelHandlerContext)
        -> ByteBuffer
    {
        var payload = self.encoder.payloadBuffer(
            capacity: gathered.readableBytes,
            allocator: context.channel.allocator
        )
        payload.writeImmutableBuffer(gathered)
        let headerStart = gathered.readerIndex - self.encoder.headerReservation
        gathered.moveReaderIndex(to: 0)
        gathered.moveWriterIndex(to: headerStart)
        self.gatheredOutput = gathered
        return payload
    }

    /// Writes the small PDUs gathered since the last write, keeping them in order before what follows.
    private func writeGatheredOutput(context: ChannelHandlerContext) {
        guard let gathered = self.gatheredOutput.take() else { return }
        self.write(gathered: gathered, context: context)
    }

    /// Writes `gathered`, and keeps it as the spare buffer to gather a later batch into.
    private func write(gathered: ByteBuffer, context: ChannelHandlerContext) {
        guard gathered.readableBytes > 0 else {
            self.spareOutput = gathered
            return
        }
        context.write(self.wrapOutboundOut(gathered), promise: nil)
        self.spareOutput = gathered
    }

    func flushIfNeeded(context: ChannelHandlerContext) {
        guard self.needsFlush else { return }
        self.needsFlush = false
        self.writeGatheredOutput(context: context)
        context.flush()
    }

    /// Flushes what was written, then closes once the writes before it are on the wire, or after `closeLinger`
    /// when the peer does not take them: a peer that stopped reading cannot keep a closing connection (its session
    /// slot, its reservations) forever.
    func close(context: ChannelHandlerContext) {
        guard self.phase != .closing else { return }
        self.phase = .closing
        self.connection.update { $0.state = "exiting" }
        self.needsFlush = false
        self.writeGatheredOutput(context: context)
        let channel = context.channel
        // An empty write completes after every write queued before it.
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(self.wrapOutboundOut(channel.allocator.buffer(capacity: 0)), promise: promise)
        let linger = context.eventLoop.scheduleTask(in: Self.closeLinger) {
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in
            linger.cancel()
            channel.close(promise: nil)
        }
    }

    /// Closes at once, dropping what the peer has not taken: for a peer that no longer answers.
    func drop(context: ChannelHandlerContext) {
        guard self.phase != .closing else { return }
        self.phase = .closing
        self.connection.update { $0.state = "exiting" }
        context.close(promise: nil)
    }

    /// The next Target Transfer Tag (never the reserved 0xffffffff).
    func nextTargetTransferTag() -> UInt32 {
        self.lastTargetTransferTag = self.lastTargetTransferTag == 0xffff_fffe ? 1 : self.lastTargetTransferTag + 1
        return self.lastTargetTransferTag
    }
}

extension SocketAddress {
    /// The address as text, IPv6 in brackets: how SendTargets and the connection list show a host.
    var bracketedIPAddress: String? {
        guard let address = self.ipAddress else { return nil }
        if case .v6 = self {
            return "[\(address)]"
        }
        return address
    }
}
