/// Global iSCSI options (`iscsi_set_options` / `iscsi_get_options`), validated at framework init.
///
/// Defaults are SPDK's; the three pool sizes are reported back but do not limit this implementation.
public struct ISCSIOptions: Sendable, Equatable {
    public var authFile: String?
    public var nodeBase: String = "iqn.2016-06.io.spdk"
    public var maxSessions: UInt32 = 128
    public var maxConnectionsPerSession: UInt32 = 2
    public var maxQueueDepth: UInt32 = 64
    public var defaultTime2Wait: UInt32 = 2
    public var defaultTime2Retain: UInt32 = 20
    public var firstBurstLength: UInt32 = 8192
    public var immediateData: Bool = true
    public var allowDuplicatedISID: Bool = false
    public var errorRecoveryLevel: UInt32 = 0
    public var nopTimeout: Int32 = 60
    public var nopInInterval: Int32 = 30
    /// CHAP settings of discovery sessions.
    public var discoveryAuth = CHAPPolicy()
    public var maxLargeDataInPerConnection: UInt32 = 64
    public var maxR2TPerConnection: UInt32 = 4
    public var pduPoolSize: UInt32 = 36864
    public var immediateDataPoolSize: UInt32 = 16384
    public var dataOutPoolSize: UInt32 = 2048

    public init() {}

    /// Checks every value against the ranges SPDK enforces at subsystem init.
    /// - Throws: `ISCSIOptionsError` naming the first offending option.
    public func validate() throws(ISCSIOptionsError) {
        try Self.check("nop_timeout", Int64(self.nopTimeout), in: 0...Int64(Int32.max))
        try Self.check("nop_in_interval", Int64(self.nopInInterval), in: 0...60)
        guard self.discoveryAuth.isValid else {
            throw ISCSIOptionsError(message: "Invalid combination of CHAP params for discovery")
        }
        try Self.check("max_sessions", Int64(self.maxSessions), in: 1...65535)
        try Self.check("max_queue_depth", Int64(self.maxQueueDepth), in: 1...256)
        try Self.check("max_connections_per_session", Int64(self.maxConnectionsPerSession), in: 1...65535)
        try Self.check("default_time2wait", Int64(self.defaultTime2Wait), in: 0...3600)
        try Self.check("default_time2retain", Int64(self.defaultTime2Retain), in: 0...3600)
        try Self.check("first_burst_length", Int64(self.firstBurstLength), in: 512...1_048_576)
        try Self.check("error_recovery_level", Int64(self.errorRecoveryLevel), in: 0...2)
        let atLeastOne = 1...Int64(UInt32.max)
        try Self.check("max_large_datain_per_connection", Int64(self.maxLargeDataInPerConnection), in: atLeastOne)
        try Self.check("max_r2t_per_connection", Int64(self.maxR2TPerConnection), in: atLeastOne)
        try Self.check("pdu_pool_size", Int64(self.pduPoolSize), in: atLeastOne)
        try Self.check("immediate_data_pool_size", Int64(self.immediateDataPoolSize), in: atLeastOne)
        try Self.check("data_out_pool_size", Int64(self.dataOutPoolSize), in: atLeastOne)
    }

    private static func check(
        _ name: String,
        _ value: Int64,
        in range: ClosedRange<Int64>
    ) throws(ISCSIOptionsError) {
        guard range.contains(value) else {
            throw ISCSIOptionsError(
                message: "\(name) \(value) is invalid: expected \(range.lowerBound)...\(range.upperBound)"
            )
        }
    }
}

/// An iSCSI option outside its valid range; `message` says which and why.
public struct ISCSIOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { self.message }
}
