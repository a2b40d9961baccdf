import Synchronization

/// The Normal sessions of the whole target, by initiator name, ISID and target, for session
/// reinstatement: unless `allow_duplicated_isid` is set, a new login with the same triple closes the
/// old session's connection (RFC 7143 §6.3.5).
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

    private let sessions = Mutex<[Key: ISCSIConnection]>([:])

    init() {}

    /// Records `connection` as the session for `key`, returning the connection it replaces.
    func register(_ connection: ISCSIConnection, for key: Key) -> ISCSIConnection? {
        self.sessions.withLock { sessions in
            let previous = sessions.updateValue(connection, forKey: key)
            return previous === connection ? nil : previous
        }
    }

    /// Forgets `key` if `connection` still holds it.
    func remove(_ connection: ISCSIConnection, for key: Key) {
        self.sessions.withLock { sessions in
            if sessions[key] === connection {
                sessions.removeValue(forKey: key)
            }
        }
    }
}
