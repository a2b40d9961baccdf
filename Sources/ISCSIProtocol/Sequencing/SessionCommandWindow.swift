/// The command window of a session with several connections (RFC 7143 §3.2.2.1, §4.3): one CmdSN numbering for
/// the whole session, whichever connection a command arrives on, and commands delivered in CmdSN order across
/// connections. A command held behind a gap is handed back with the connection it arrived on, which runs it and
/// answers it (connection allegiance, RFC 7143 §6.2). Immediate commands are not ordered.
///
/// It continues the ``CommandWindow`` of the session's leading connection: ExpCmdSN, MaxCmdSN and the commands
/// outstanding carry over when the second connection joins.
public struct SessionCommandWindow<Command, Connection: Hashable> {
    /// The session-wide numbering.
    public private(set) var window: CommandWindow<Command>
    /// The connection each held command arrived on, by CmdSN.
    private var arrivals: [SerialNumber: Connection] = [:]
    /// The connection of commands held before the window was shared (the leading connection).
    private let leadingConnection: Connection

    /// Shares `window`, whose held commands arrived on `leadingConnection`.
    public init(continuing window: CommandWindow<Command>, leadingConnection: Connection) {
        self.window = window
        self.leadingConnection = leadingConnection
    }

    /// ExpCmdSN of the session.
    public var expectedCommandSequenceNumber: SerialNumber { self.window.expectedCommandSequenceNumber }

    /// MaxCmdSN of the session.
    public var maximumCommandSequenceNumber: SerialNumber { self.window.maximumCommandSequenceNumber }

    /// Accepts or rejects a command that arrived on `connection`, as ``CommandWindow/receive(_:commandSequenceNumber:isImmediate:)``.
    public mutating func receive(
        _ command: Command,
        commandSequenceNumber: SerialNumber,
        isImmediate: Bool,
        from connection: Connection
    ) -> CommandWindowVerdict {
        let verdict = self.window.receive(
            command,
            commandSequenceNumber: commandSequenceNumber,
            isImmediate: isImmediate
        )
        if verdict == .hold {
            self.arrivals[commandSequenceNumber] = connection
        }
        return verdict
    }

    /// The held command whose turn has come and the connection it arrived on, now counted as delivered. Call it
    /// until it returns nil after each `.execute`.
    public mutating func nextReleasedCommand() -> (command: Command, connection: Connection)? {
        let commandSequenceNumber = self.window.expectedCommandSequenceNumber
        guard let command = self.window.nextReleasedCommand() else { return nil }
        let connection = self.arrivals.removeValue(forKey: commandSequenceNumber) ?? self.leadingConnection
        return (command, connection)
    }

    /// Records the completion of a non-immediate command, on any connection, opening the window by one.
    public mutating func commandCompleted() {
        self.window.commandCompleted()
    }
}

extension SessionCommandWindow: Sendable where Command: Sendable, Connection: Sendable {}
