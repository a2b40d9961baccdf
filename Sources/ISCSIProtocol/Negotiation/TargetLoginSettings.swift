/// The values the target offers in login negotiation, built by the connection from the global iSCSI
/// options and the target node (`iscsi-options.md` §1–2). Defaults are SPDK's.
public struct TargetLoginSettings: Hashable, Sendable {
    /// The MaxRecvDataSegmentLength the target always declares (SPDK's fixed 64 KiB).
    public static let targetMaxRecvDataSegmentLength: UInt32 = 65536
    /// The most of an initiator's MaxRecvDataSegmentLength the target uses (SPDK's 64 KiB buffer cap).
    public static let initiatorMaxRecvDataSegmentLengthCap: UInt32 = 65536

    /// Offered `MaxConnections` (`max_connections_per_session`); a discovery session always uses 1.
    public var maxConnections: UInt32 = 2
    /// Offered `ImmediateData` (`immediate_data`).
    public var immediateData: Bool = true
    /// Offered `FirstBurstLength` (`first_burst_length`).
    public var firstBurstLength: UInt32 = 8192
    /// Offered `MaxBurstLength` (fixed at 1 MiB by SPDK).
    public var maxBurstLength: UInt32 = 1_048_576
    /// Offered `DefaultTime2Wait` (`default_time2wait`).
    public var defaultTime2Wait: UInt32 = 2
    /// Offered `DefaultTime2Retain` (`default_time2retain`).
    public var defaultTime2Retain: UInt32 = 20
    /// Offered `ErrorRecoveryLevel` (`error_recovery_level`).
    public var errorRecoveryLevel: UInt32 = 0
    /// Offered `MaxOutstandingR2T` (fixed at 1 by SPDK).
    public var maxOutstandingR2T: UInt32 = 1
    /// Offered `InitialR2T` (fixed at Yes by SPDK).
    public var initialR2T: Bool = true
    /// Offered `DataPDUInOrder` (fixed at Yes by SPDK).
    public var dataPDUInOrder: Bool = true
    /// Offered `DataSequenceInOrder` (fixed at Yes by SPDK).
    public var dataSequenceInOrder: Bool = true
    /// The target node requires header digests: only `CRC32C` is acceptable for `HeaderDigest`.
    public var headerDigestRequired: Bool = false
    /// The target node requires data digests: only `CRC32C` is acceptable for `DataDigest`.
    public var dataDigestRequired: Bool = false

    /// SPDK's defaults.
    public init() {}
}
