/// The operational parameters in force on a connection and its session once login completes, typed.
public struct NegotiatedParameters: Hashable, Sendable {
    /// Whether PDUs carry a CRC32C header digest.
    public var headerDigest: Bool
    /// Whether PDUs carry a CRC32C data digest.
    public var dataDigest: Bool
    /// The largest data segment the target may send (the initiator's declaration, capped at 64 KiB like SPDK).
    public var initiatorMaxRecvDataSegmentLength: UInt32
    /// The largest data segment the initiator may send (the target's declaration, 64 KiB).
    public var targetMaxRecvDataSegmentLength: UInt32
    /// The most connections the session may have.
    public var maxConnections: UInt32
    /// Whether the initiator must wait for an R2T before sending any Data-Out.
    public var initialR2T: Bool
    /// Whether a SCSI command may carry immediate data.
    public var immediateData: Bool
    /// The largest solicited data sequence (one R2T).
    public var maxBurstLength: UInt32
    /// The most unsolicited data (immediate plus unsolicited Data-Out) one command may send.
    public var firstBurstLength: UInt32
    /// Seconds to wait before reconnecting after a logout or connection drop.
    public var defaultTime2Wait: UInt32
    /// Seconds the target keeps task state after a connection loss.
    public var defaultTime2Retain: UInt32
    /// The most R2Ts outstanding per task.
    public var maxOutstandingR2T: UInt32
    /// Whether Data PDUs of a sequence arrive in increasing offset order.
    public var dataPDUInOrder: Bool
    /// Whether data sequences arrive in increasing offset order.
    public var dataSequenceInOrder: Bool
    /// The negotiated error recovery level (0–2).
    public var errorRecoveryLevel: UInt32

    /// Creates parameters from explicit values.
    public init(
        headerDigest: Bool,
        dataDigest: Bool,
        initiatorMaxRecvDataSegmentLength: UInt32,
        targetMaxRecvDataSegmentLength: UInt32,
        maxConnections: UInt32,
        initialR2T: Bool,
        immediateData: Bool,
        maxBurstLength: UInt32,
        firstBurstLength: UInt32,
        defaultTime2Wait: UInt32,
        defaultTime2Retain: UInt32,
        maxOutstandingR2T: UInt32,
        dataPDUInOrder: Bool,
        dataSequenceInOrder: Bool,
        errorRecoveryLevel: UInt32
    ) {
        self.headerDigest = headerDigest
        self.dataDigest = dataDigest
        self.initiatorMaxRecvDataSegmentLength = initiatorMaxRecvDataSegmentLength
        self.targetMaxRecvDataSegmentLength = targetMaxRecvDataSegmentLength
        self.maxConnections = maxConnections
        self.initialR2T = initialR2T
        self.immediateData = immediateData
        self.maxBurstLength = maxBurstLength
        self.firstBurstLength = firstBurstLength
        self.defaultTime2Wait = defaultTime2Wait
        self.defaultTime2Retain = defaultTime2Retain
        self.maxOutstandingR2T = maxOutstandingR2T
        self.dataPDUInOrder = dataPDUInOrder
        self.dataSequenceInOrder = dataSequenceInOrder
        self.errorRecoveryLevel = errorRecoveryLevel
    }

    /// The parameters of a connection that joins an open session (RFC 7143 §6.2): the session-wide values in force
    /// (`session`'s, negotiated on the leading connection) with this login's connection-only ones, the digests
    /// and MaxRecvDataSegmentLength in each direction.
    public func joining(_ session: NegotiatedParameters) -> NegotiatedParameters {
        var joined = session
        joined.headerDigest = self.headerDigest
        joined.dataDigest = self.dataDigest
        joined.initiatorMaxRecvDataSegmentLength = self.initiatorMaxRecvDataSegmentLength
        joined.targetMaxRecvDataSegmentLength = self.targetMaxRecvDataSegmentLength
        return joined
    }
}
