import NIOCore
import Synchronization

/// The sessions of the whole target: the Normal sessions by initiator name, ISID and target, for session
/// reinstatement (unless `allow_duplicated_isid` is set, a new login with the same triple closes the old
/// session's connections, RFC 7143 §6.3.5), the connections of each session (MC/S, up to its MaxConnections),
/// and the session slots that `max_sessions` bounds (one per connection, as SPDK counts them).
final class SessionTable: Sendable {
    /// What identifies a session across connections.
    struct Key: Hashable, Sendable {
        var initiatorName: String
        var isid: UInt64
        var targetName: String

        /// Names compare case-insensitively, like every iSCSI name lookup.
        init(initiatorName: String, isid: UInt64, targetName: String) {
            self.initiatorName = initiatorName.lowercased()
            self.isid = isid
            self.targetName = targetName.lowercased()
        }
    }

    /// An open Normal session: its connections, which all live on `eventLoop` (the session's owner loop, see
    /// ``SessionConnectionGroup``), and how many it may have (the negotiated MaxConnections).
    struct OpenSession {
        var identifyingHandle: UInt16
        var eventLoop: any EventLoop
        var maxConnections: Int
        var connections: [ISCSIConnection]
    }

    /// What a login that adds a connection to an open session gets (RFC 7143 §4.3, §6.3.4).
    enum JoinOutcome {
        /// The connection is in the session, replacing the connection with its CID if there was one
        /// (connection reinstatement); `peers` are the session's other connections.
        case joined(replacing: ISCSIConnection?, peers: [ISCSIConnection])
        /// The session already has MaxConnections connections.
        case tooManyConnections
        /// The session closed meanwhile.
        case sessionDoesNotExist
    }

    private struct State {
        var sessions: [Key: OpenSession] = [:]
        /// The connections holding a session slot: from the login that asked for a session until they close.
        var slotHolders: Set<ObjectIdentifier> = []
    }

    private let state = Mutex(State())

    init() {}

    /// Records `connection` as the leading connection of a new session for `key`, returning the connections of
    /// the session it replaces.
    func register(
        _ connection: ISCSIConnection,
        for key: Key,
        identifyingHandle: UInt16,
        maxConnections: Int
    ) -> [ISCSIConnection] {
        let session = OpenSession(
            identifyingHandle: identifyingHandle,
            eventLoop: connection.eventLoop,
            maxConnections: max(1, maxConnections),
            connections: [connection]
        )
        return self.state.withLock { state in
            let previous = state.sessions.updateValue(session, forKey: key)
            return previous?.connections.filter { $0 !== connection } ?? []
        }
    }

    /// Adds `connection`, whose CID is `cid`, to the open session `key` with TSIH `identifyingHandle`.
    func join(_ connection: ISCSIConnection, cid: UInt16, to key: Key, identifyingHandle: UInt16) -> JoinOutcome {
        self.state.withLock { state in
            guard var session = state.sessions[key], session.identifyingHandle == identifyingHandle else {
                return .sessionDoesNotExist
            }
            let replaced = session.connections.firstIndex { $0 !== connection && $0.info.cid == cid }
                .map { session.connections.remove(at: $0) }
            guard replaced != nil || session.connections.count < session.maxConnections else {
                return .tooManyConnections
            }
            let peers = session.connections.filter { $0 !== connection }
            if !session.connections.contains(where: { $0 === connection }) {
                session.connections.append(connection)
            }
            state.sessions[key] = session
            return .joined(replacing: replaced, peers: peers)
        }
    }

    /// Takes `connection` out of session `key`; the session is forgotten with its last connection.
    /// - Returns: whether `connection` was one of the session's connections: not once a reinstatement replaced it.
    func remove(_ connection: ISCSIConnection, for key: Key) -> Bool {
        self.state.withLock { state in
            guard var session = state.sessions[key],
                let index = session.connections.firstIndex(where: { $0 === connection })
            else {
                return false
            }
            session.connections.remove(at: index)
            state.sessions[key] = session.connections.isEmpty ? nil : session
            return true
        }
    }

    /// The open Normal session of `initiatorName` and `isid` whose TSIH is `tsih`, and its key.
    func session(initiatorName: String, isid: UInt64, tsih: UInt16) -> (key: Key, session: OpenSession)? {
        let name = initiatorName.lowercased()
        return self.state.withLock { state in
            state.sessions.first {
                $0.key.initiatorName == name && $0.key.isid == isid && $0.value.identifyingHandle == tsih
            }
            .map { (key: $0.key, session: $0.value) }
        }
    }

    /// The owner event loop of the open session whose TSIH is `tsih`, if any.
    func eventLoop(ofSession tsih: UInt16) -> (any EventLoop)? {
        self.state.withLock { state in
            state.sessions.values.first { $0.identifyingHandle == tsih }?.eventLoop
        }
    }

    /// Takes a session slot for `connection` unless `limit` connections hold one already. A login that
    /// reinstates an open session (`reinstating` is registered) always gets one: the session it replaces
    /// gives its slot back as it closes. Taking a slot twice keeps one.
    /// - Returns: whether `connection` holds a slot.
    func reserveSlot(for connection: ISCSIConnection, limit: Int, reinstating key: Key? = nil) -> Bool {
        let holder = ObjectIdentifier(connection)
        return self.state.withLock { state in
            guard !state.slotHolders.contains(holder) else { return true }
            let reinstates = key.map { state.sessions[$0] != nil } ?? false
            guard state.slotHolders.count < limit || reinstates else { return false }
            state.slotHolders.insert(holder)
            return true
        }
    }

    /// Gives back the slot `connection` holds, if any.
    func releaseSlot(of connection: ISCSIConnection) {
        _ = self.state.withLock { $0.slotHolders.remove(ObjectIdentifier(connection)) }
    }

    /// How many session slots are taken.
    var slotsInUse: Int {
        self.state.withLock { $0.slotHolders.count }
    }
}
