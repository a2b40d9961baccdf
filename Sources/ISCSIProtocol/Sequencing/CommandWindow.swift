import ISCSIWire

/// What to do with a command the session received.
public enum CommandWindowVerdict: Hashable, Sendable {
    /// Execute the command now; then execute every command `nextReleasedCommand()` returns, in order.
    case execute
    /// The command is inside the window but ahead of ExpCmdSN (a gap across connections): the window holds it
    /// until the gap is filled.
    case hold
    /// The command is outside the window or a duplicate: discard it silently (RFC 7143 §4.2.2.1).
    case drop
}

/// A session's command numbering (RFC 7143 §4.2.2): ExpCmdSN advances as non-immediate commands arrive in
/// order, and MaxCmdSN opens the window by one as each of them completes, so that
/// `MaxCmdSN = ExpCmdSN + queueDepth - 1 - outstanding` (SPDK's rule).
public struct CommandWindow<Command> {
    /// The next CmdSN the target expects.
    public private(set) var expectedCommandSequenceNumber: SerialNumber
    /// The most commands the session may have outstanding.
    public let queueDepth: UInt32
    /// Non-immediate commands delivered and not yet completed.
    public private(set) var outstandingCommands: UInt32 = 0
    /// In-window commands that arrived ahead of ExpCmdSN, by CmdSN.
    private var heldCommands: [SerialNumber: Command] = [:]

    /// Starts the window at the CmdSN of the leading login request; a queue depth of 0 is treated as 1.
    public init(expectedCommandSequenceNumber: SerialNumber, queueDepth: UInt32) {
        self.expectedCommandSequenceNumber = expectedCommandSequenceNumber
        self.queueDepth = max(queueDepth, 1)
    }

    /// The largest CmdSN the initiator may send now; `ExpCmdSN - 1` when the window is closed.
    public var maximumCommandSequenceNumber: SerialNumber {
        self.expectedCommandSequenceNumber.advanced(by: self.queueDepth &- 1 &- self.outstandingCommands)
    }

    /// Accepts or rejects a command by its CmdSN. Immediate commands are executed at once and do not
    /// consume a CmdSN.
    // Exported specialisations for the target's PDUs: an unspecialised generic call from another module looks
    // up `Optional<Command>` metadata at run time, a few hundred instructions per command.
    @_specialize(exported:true,where Command == ISCSIPDU)
    public mutating func receive(
        _ command: Command,
        commandSequenceNumber: SerialNumber,
        isImmediate: Bool
    ) -> CommandWindowVerdict {
        if isImmediate {
            return .execute
        }
        guard
            commandSequenceNumber.isWithin(
                lower: self.expectedCommandSequenceNumber,
                upper: self.maximumCommandSequenceNumber
            )
        else {
            return .drop
        }
        guard commandSequenceNumber == self.expectedCommandSequenceNumber else {
            guard self.heldCommands[commandSequenceNumber] == nil else {
                return .drop
            }
            self.heldCommands[commandSequenceNumber] = command
            return .hold
        }
        self.accept()
        return .execute
    }

    /// The held command whose turn has come, if any, now counted as delivered. Call it until it returns nil
    /// after each `.execute`.
    @_specialize(exported:true,where Command == ISCSIPDU)
    public mutating func nextReleasedCommand() -> Command? {
        guard !self.heldCommands.isEmpty,
            let next = self.heldCommands.removeValue(forKey: self.expectedCommandSequenceNumber)
        else {
            return nil
        }
        self.accept()
        return next
    }

    /// Records the completion of a non-immediate command, opening the window by one.
    public mutating func commandCompleted() {
        if self.outstandingCommands > 0 {
            self.outstandingCommands -= 1
        }
    }

    private mutating func accept() {
        self.expectedCommandSequenceNumber = self.expectedCommandSequenceNumber.advanced(by: 1)
        self.outstandingCommands += 1
    }
}

extension CommandWindow: Sendable where Command: Sendable {}
