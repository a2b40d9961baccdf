import Testing

@testable import ISCSIProtocol

@Suite struct SessionCommandWindowTests {
    private typealias Window = SessionCommandWindow<String, Int>

    /// A window at CmdSN 10, queue depth 8, shared by connections 1 (leading) and 2.
    private func makeWindow() -> Window {
        Window(
            continuing: CommandWindow(expectedCommandSequenceNumber: SerialNumber(10), queueDepth: 8),
            leadingConnection: 1
        )
    }

    /// Feeds a command from `connection` and returns what runs, in order, with the connection that runs it.
    private func delivered(_ window: inout Window, _ command: String, _ cmdSN: UInt32, on connection: Int) -> [String] {
        let verdict = window.receive(
            command,
            commandSequenceNumber: SerialNumber(cmdSN),
            isImmediate: false,
            from: connection
        )
        guard verdict == .execute else { return [] }
        var commands = ["\(command)@\(connection)"]
        while let next = window.nextReleasedCommand() {
            commands.append("\(next.command)@\(next.connection)")
        }
        return commands
    }

    @Test func oneNumberingAcrossConnections() {
        var window = self.makeWindow()
        #expect(self.delivered(&window, "a", 10, on: 1) == ["a@1"])
        #expect(self.delivered(&window, "b", 11, on: 2) == ["b@2"])
        #expect(self.delivered(&window, "c", 12, on: 1) == ["c@1"])
        #expect(window.expectedCommandSequenceNumber == SerialNumber(13))
        // Queue depth 8 with three commands outstanding.
        #expect(window.maximumCommandSequenceNumber == SerialNumber(17))
    }

    @Test func gapOnOneConnectionFilledByTheOtherReleasesInOrderToTheArrivingConnection() {
        var window = self.makeWindow()
        #expect(self.delivered(&window, "second", 11, on: 2) == [])
        #expect(self.delivered(&window, "third", 12, on: 2) == [])
        #expect(self.delivered(&window, "first", 10, on: 1) == ["first@1", "second@2", "third@2"])
        #expect(window.expectedCommandSequenceNumber == SerialNumber(13))
    }

    @Test func commandsHeldBeforeSharingBelongToTheLeadingConnection() {
        var single = CommandWindow<String>(expectedCommandSequenceNumber: SerialNumber(10), queueDepth: 8)
        #expect(single.receive("early", commandSequenceNumber: SerialNumber(11), isImmediate: false) == .hold)
        var window = Window(continuing: single, leadingConnection: 1)
        #expect(self.delivered(&window, "late", 10, on: 2) == ["late@2", "early@1"])
    }

    @Test func immediateCommandsAreNotOrdered() {
        var window = self.makeWindow()
        let verdict = window.receive("ping", commandSequenceNumber: SerialNumber(15), isImmediate: true, from: 2)
        #expect(verdict == .execute)
        #expect(window.expectedCommandSequenceNumber == SerialNumber(10))
    }

    @Test func completionsOnAnyConnectionOpenTheSharedWindow() {
        var window = Window(
            continuing: CommandWindow(expectedCommandSequenceNumber: SerialNumber(0), queueDepth: 2),
            leadingConnection: 1
        )
        #expect(self.delivered(&window, "a", 0, on: 1) == ["a@1"])
        #expect(self.delivered(&window, "b", 1, on: 2) == ["b@2"])
        #expect(self.delivered(&window, "c", 2, on: 1) == [])
        #expect(window.maximumCommandSequenceNumber == SerialNumber(1))
        window.commandCompleted()
        #expect(self.delivered(&window, "c", 2, on: 1) == ["c@1"])
    }

    @Test func duplicateAndOutOfWindowCommandsAreDropped() {
        var window = self.makeWindow()
        #expect(window.receive("x", commandSequenceNumber: SerialNumber(12), isImmediate: false, from: 1) == .hold)
        #expect(window.receive("y", commandSequenceNumber: SerialNumber(12), isImmediate: false, from: 2) == .drop)
        #expect(window.receive("z", commandSequenceNumber: SerialNumber(40), isImmediate: false, from: 2) == .drop)
        #expect(window.receive("w", commandSequenceNumber: SerialNumber(9), isImmediate: false, from: 2) == .drop)
    }
}
