/// The parameters of iscsi_create_target_node, decoded.
struct TargetNodeRequest: Sendable {
    /// A LUN to create: which bdev, at which id.
    struct LUN: Sendable {
        var bdevName: String
        var id: Int32
    }

    /// Short or full name (short names get the node base prefix).
    var name: String
    var aliasName: String
    var maps: [PortalGroupInitiatorGroupMap]
    var luns: [LUN]
    /// Values ≤ 0 or above max_queue_depth become max_queue_depth.
    var queueDepth: Int32
    var auth: CHAPPolicy
    var headerDigest: Bool
    var dataDigest: Bool
}
