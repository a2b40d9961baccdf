import NIOCore

/// The data plane's `ISCSIConnectionAcceptor`: installs an `ISCSIConnectionHandler` on every accepted
/// connection, reading the configuration from `configuration` and registering in `connections`.
public struct ISCSIDataPlane: ISCSIConnectionAcceptor {
    private let configuration: ConfigurationStore
    private let connections: ConnectionRegistry
    private let sessions = SessionTable()
    private let metrics: ISCSIMetrics?

    /// Creates the acceptor; with `metrics`, Normal sessions count their SCSI commands there (`--metrics`).
    public init(configuration: ConfigurationStore, connections: ConnectionRegistry, metrics: ISCSIMetrics? = nil) {
        self.configuration = configuration
        self.connections = connections
        self.metrics = metrics
    }

    public func configure(channel: any Channel, portalGroupTag: Int32) throws {
        let handler = ISCSIConnectionHandler(
            connection: ISCSIConnection(channel: channel, portalGroupTag: portalGroupTag),
            configuration: self.configuration,
            registry: self.connections,
            sessions: self.sessions,
            portalGroupTag: portalGroupTag,
            metricsRegistry: self.metrics
        )
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}
