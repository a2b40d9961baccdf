import Synchronization

/// What iscsi_get_connections reports about one connection.
public struct ISCSIConnectionInfo: Sendable, Equatable {
    public var id: Int
    public var cid: UInt16
    public var tsih: UInt16
    /// `invalid`, `running`, `exiting` or `exited`.
    public var state: String
    /// `security_negotiation_phase`, `operational_negotiation_phase`, `full_feature_phase` or `not_started`.
    public var loginPhase: String
    public var initiatorAddress: String
    public var targetAddress: String
    /// The text after the first `:` of the login TargetName; "" for discovery sessions.
    public var targetNodeName: String
    /// `iscsi_poll_group_<core>`.
    public var threadName: String
    public var portalGroupTag: Int32

    public init(
        id: Int,
        cid: UInt16,
        tsih: UInt16,
        state: String,
        loginPhase: String,
        initiatorAddress: String,
        targetAddress: String,
        targetNodeName: String,
        threadName: String,
        portalGroupTag: Int32
    ) {
        self.id = id
        self.cid = cid
        self.tsih = tsih
        self.state = state
        self.loginPhase = loginPhase
        self.initiatorAddress = initiatorAddress
        self.targetAddress = targetAddress
        self.targetNodeName = targetNodeName
        self.threadName = threadName
        self.portalGroupTag = portalGroupTag
    }
}

/// A live connection, implemented by the data plane.
public protocol ISCSIConnectionHandle: AnyObject, Sendable {
    var id: Int { get }
    /// Current state, as iscsi_get_connections reports it (thread-safe).
    var info: ISCSIConnectionInfo { get }
    /// Sends Async Message event 1 (target requests logout); drops the connection if no logout follows in 30 s.
    func requestLogout()
    /// Closes the connection after in-flight commands complete (shutdown, target deletion).
    func shutdown() async
}

/// The live connections, for iscsi_get_connections / iscsi_get_stats / request_logout / target deletion
/// and shutdown. Connections add themselves when accepted and remove themselves when closed.
public final class ConnectionRegistry: Sendable {
    private let handles = Mutex<[ObjectIdentifier: any ISCSIConnectionHandle]>([:])

    public init() {}

    public func add(_ connection: any ISCSIConnectionHandle) {
        self.handles.withLock { $0[ObjectIdentifier(connection)] = connection }
    }

    public func remove(_ connection: any ISCSIConnectionHandle) {
        _ = self.handles.withLock { $0.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// The registered connections, ordered by `id`.
    public var connections: [any ISCSIConnectionHandle] {
        self.handles.withLock { Array($0.values) }.sorted { $0.id < $1.id }
    }

    /// The connections logged in to `targetName` (full name; matched on the text after its first `:`,
    /// which is what a connection reports), optionally only those on portal group `portalGroupTag`.
    func connections(ofTarget targetName: String, portalGroupTag: Int32? = nil) -> [any ISCSIConnectionHandle] {
        let shortName = TargetName.shortName(targetName).lowercased()
        return self.connections.filter { connection in
            let info = connection.info
            guard !info.targetNodeName.isEmpty, info.targetNodeName.lowercased() == shortName else { return false }
            return portalGroupTag.map { $0 == info.portalGroupTag } ?? true
        }
    }

    /// Shuts the given connections down concurrently and returns when all are closed.
    static func shutDown(_ connections: [any ISCSIConnectionHandle]) async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask { await connection.shutdown() }
            }
        }
    }
}
