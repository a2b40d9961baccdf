import Synchronization

/// The sessions of the whole target: the Normal sessions by initiator name, ISID and target, for session
/// reinstatement (unless `allow_duplicated_isid` is set, a new login with the same triple closes the old
/// session's connection, RFC 7143 §6.3.5), and the session slots that `max_sessions` bounds.
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

    private struct State {
        var sessions: [Key: ISCSIConnection] = [:]
        /// The connections holding a session slot: from the login that asked for a session until they close.
        var slotHolders: Set<ObjectIdentifier> = []
    }

    private let state = Mutex(State())

    init() {}

    /// Records `connection` as the session for `key`, returning the connection it replaces.
    func register(_ connection: ISCSIConnection, for key: Key) -> ISCSIConnection? {
        self.state.withLock { state in
            let previous = state.sessions.updateValue(connection, forKey: key)
            return previous === connection ? nil : previous
        }
    }

    /// Forgets `key` if `connection` still holds it.
    func remove(_ connection: ISCSIConnection, for key: Key) {
        self.state.withLock { state in
            if state.sessions[key] === connection {
                state.sessions.removeValue(forKey: key)
            }
        }
    }

    /// The open Normal session of `initiatorName` and `isid` whose TSIH is `tsih`: its key and its connection.
    func session(initiatorName: String, isid: UInt64, tsih: UInt16) -> (key: Key, connection: ISCSIConnection)? {
        let name = initiatorName.lowercased()
        return self.state.withLock { state in
            state.sessions.first { $0.key.initiatorName == name && $0.key.isid == isid && $0.value.info.tsih == tsih }
                .map { (key: $0.key, connection: $0.value) }
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
