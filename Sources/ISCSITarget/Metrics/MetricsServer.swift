import NIOCore
import NIOHTTP1
import NIOPosix

/// The `--metrics HOST:PORT` HTTP/1 listener serving ``ISCSIMetrics`` to Prometheus.
public enum MetricsServer {
    /// Listens on `host`:`port`; the returned channel is the listener, closed to stop serving.
    public static func start(
        host: String,
        port: Int,
        metrics: ISCSIMetrics,
        group: any EventLoopGroup
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}
