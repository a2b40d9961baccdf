import JSONRPC

/// iscsi_set_options, iscsi_get_options, iscsi_set_discovery_auth.
enum ISCSIOptionsMethods {
    static func methods(_ configuration: TargetConfiguration) -> [RPCMethod] {
        [
            RPCMethod("iscsi_set_options", allowedIn: .startup) { params in
                guard await !configuration.optionsStaged else {
                    throw RPCError.internalError("Must not call more than once")
                }
                let options = try Self.decodeOptions(params)
                do {
                    try await configuration.stageOptions(options)
                } catch {
                    throw RPCError.internalError("Must not call more than once")
                }
                return true
            },
            .getter("iscsi_get_options") { await configuration.options.json },
            RPCMethod("iscsi_set_discovery_auth") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let policy = try CHAPPolicy(decoding: &decoder)
                try decoder.finish()
                do {
                    try await configuration.setDiscoveryAuth(policy)
                } catch {
                    throw RPCError.invalidParameters("Invalid combination of CHAP params")
                }
                return true
            },
        ]
    }

    /// Every member optional; absent ones keep SPDK's defaults.
    private static func decodeOptions(_ params: JSONValue?) throws -> ISCSIOptions {
        var decoder = try RPCParams(params, failure: .invalidParameters)
        var options = ISCSIOptions()
        options.authFile = try decoder.optional("auth_file")
        options.nodeBase = try decoder.optional("node_base") ?? options.nodeBase
        options.nopTimeout = try decoder.optional("nop_timeout") ?? options.nopTimeout
        options.nopInInterval = try decoder.optional("nop_in_interval") ?? options.nopInInterval
        options.discoveryAuth = try CHAPPolicy(decoding: &decoder)
        options.maxSessions = try decoder.optional("max_sessions") ?? options.maxSessions
        options.maxQueueDepth = try decoder.optional("max_queue_depth") ?? options.maxQueueDepth
        options.maxConnectionsPerSession =
            try decoder.optional("max_connections_per_session") ?? options.maxConnectionsPerSession
        options.defaultTime2Wait = try decoder.optional("default_time2wait") ?? options.defaultTime2Wait
        options.defaultTime2Retain = try decoder.optional("default_time2retain") ?? options.defaultTime2Retain
        options.firstBurstLength = try decoder.optional("first_burst_length") ?? options.firstBurstLength
        options.immediateData = try decoder.optional("immediate_data") ?? options.immediateData
        options.errorRecoveryLevel = try decoder.optional("error_recovery_level") ?? options.errorRecoveryLevel
        options.allowDuplicatedISID = try decoder.optional("allow_duplicated_isid") ?? options.allowDuplicatedISID
        options.maxLargeDataInPerConnection =
            try decoder.optional("max_large_datain_per_connection") ?? options.maxLargeDataInPerConnection
        options.maxR2TPerConnection = try decoder.optional("max_r2t_per_connection") ?? options.maxR2TPerConnection
        options.pduPoolSize = try decoder.optional("pdu_pool_size") ?? options.pduPoolSize
        options.immediateDataPoolSize =
            try decoder.optional("immediate_data_pool_size") ?? options.immediateDataPoolSize
        options.dataOutPoolSize = try decoder.optional("data_out_pool_size") ?? options.dataOutPoolSize
        try decoder.finish()
        return options
    }
}
