import ISCSIProtocol
import ISCSIWire
import NIOCore

/// The connections of one session with several connections (MC/S, RFC 7143 §4.3) and the command window they
/// share.
///
/// Threading: a session has one owner event loop, the loop of its leading connection. A login that adds a
/// connection to an open session (TSIH ≠ 0) and arrived on another loop is moved to the owner loop before its
/// first PDU is answered (``ConnectionRelocation``: its socket is registered again on that loop, the login
/// request replayed there), so every connection of a session, this group and its window live on one loop: the
/// full feature phase takes no lock and no hop between loops. A session with one connection has no group:
/// its handler keeps the window inline in its ``ISCSISession`` and the command path is what it always was (one
/// nil check). The group is formed when the second connection joins, and takes over the leading connection's
/// window with its ExpCmdSN, MaxCmdSN and outstanding commands.
///
/// - Commands are numbered session-wide (``SessionCommandWindow``): a command held behind a CmdSN gap is run,
///   once the gap is filled from any connection, by the connection it arrived on, which answers it (connection
///   allegiance, RFC 7143 §6.2); R2T, Data-Out, Data-In and the response stay on that connection, which keeps its
///   own StatSN.
/// - Logout reason 0 closes every connection of the session; reason 1 closes the connection it names (the one
///   it came on or another one); the others go on.
/// - The target runs ErrorRecoveryLevel 0 only: a connection that drops without logging out fails the session
///   (RFC 7143 §7.1.1, §7.1.4: at ERL 0 session recovery is the only recovery), so its peers are told with an
///   Async Message "all connections will be dropped" (event 3) and closed.
final class SessionConnectionGroup {
    /// The session-wide window, continuing the leading connection's.
    private(set) var window: SessionCommandWindow<ISCSIPDU, ObjectIdentifier>
    /// The connections in full feature phase, by identity.
    private var members: [ObjectIdentifier: ISCSIConnectionHandler] = [:]

    /// Forms the group around `leadingHandler`, taking over its window.
    init(leadingHandler: ISCSIConnectionHandler, window: CommandWindow<ISCSIPDU>) {
        let leading = ObjectIdentifier(leadingHandler)
        self.window = SessionCommandWindow(continuing: window, leadingConnection: leading)
        self.members[leading] = leadingHandler
    }

    /// Adds a connection that completed its login.
    func add(_ handler: ISCSIConnectionHandler) {
        self.members[ObjectIdentifier(handler)] = handler
    }

    /// Takes a connection out; its held commands, if any, are dropped when their turn comes.
    func remove(_ handler: ISCSIConnectionHandler) {
        self.members.removeValue(forKey: ObjectIdentifier(handler))
    }

    /// The connections of the session other than `handler`.
    func peers(of handler: ISCSIConnectionHandler) -> [ISCSIConnectionHandler] {
        self.members.values.filter { $0 !== handler }
    }

    /// Accepts or holds a command that arrived on `handler`.
    func receive(_ pdu: ISCSIPDU, from handler: ISCSIConnectionHandler) -> CommandWindowVerdict {
        self.window.receive(
            pdu,
            commandSequenceNumber: SerialNumber(pdu.header.uint32(at: 24)),
            isImmediate: pdu.header.isImmediate,
            from: ObjectIdentifier(handler)
        )
    }

    /// The next held command whose turn has come and the connection that runs it; a command whose connection
    /// left is counted as completed and skipped.
    func nextReleasedCommand() -> (pdu: ISCSIPDU, handler: ISCSIConnectionHandler)? {
        while let next = self.window.nextReleasedCommand() {
            if let handler = self.members[next.connection] {
                return (next.command, handler)
            }
            self.window.commandCompleted()
        }
        return nil
    }

    /// Opens the window by one.
    func commandCompleted() {
        self.window.commandCompleted()
    }
}
