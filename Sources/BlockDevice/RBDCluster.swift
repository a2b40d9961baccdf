/// A Ceph cluster registered with `bdev_rbd_register_cluster`: a name for one connection that RBD devices share.
public final class RBDCluster: Sendable {
    /// The handle name devices refer to (`cluster_name`).
    public let name: String
    /// How the connection was made.
    public let settings: RBDConnectionSettings
    /// The CPU mask given for librbd's threads, kept for `bdev_rbd_get_clusters_info` and `save_config`; librbd
    /// picks its own threads here.
    public let coreMask: String?
    /// The connection.
    public let connection: RBDConnection

    /// Connects to the cluster.
    ///
    /// - Throws: what ``RBDConnection/init(_:)`` throws.
    public init(name: String, settings: RBDConnectionSettings, coreMask: String? = nil) throws(BlockDeviceError) {
        self.name = name
        self.settings = settings
        self.coreMask = coreMask
        self.connection = try RBDConnection(settings)
    }
}
