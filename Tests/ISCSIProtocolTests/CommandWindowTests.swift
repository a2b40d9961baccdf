import Testing

@testable import ISCSIProtocol

@Suite struct CommandWindowTests {
    /// Feeds a command and returns what the caller would execute: it, then the commands it released.
    private func delivered(
        _ window: inout CommandWindow<Int>,
        _ command: Int,
        _ cmdSN: UInt32,
        immediate: Bool = false
    ) -> [Int]? {
        guard window.receive(command, commandSequenceNumber: SerialNumber(cmdSN), isImmediate: immediate) == .execute
        else {
            return nil
        }
        var commands = [command]
        while let next = window.nextReleasedCommand() {
            commands.append(next)
        }
        return commands
    }

    private func isDropped(_ window: inout CommandWindow<Int>, _ cmdSN: UInt32) -> Bool {
        window.receive(-1, commandSequenceNumber: SerialNumber(cmdSN), isImmediate: false) == .drop
    }

    @Test func maxCmdSNFollowsQueueDepthAndCompletions() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(10), queueDepth: 4)
        #expect(window.maximumCommandSequenceNumber == SerialNumber(13))
        #expect(self.delivered(&window, 1, 10) == [1])
        #expect(window.expectedCommandSequenceNumber == SerialNumber(11))
        #expect(window.maximumCommandSequenceNumber == SerialNumber(13))
        window.commandCompleted()
        #expect(window.maximumCommandSequenceNumber == SerialNumber(14))
    }

    @Test func fullWindowDropsUntilACommandCompletes() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(0), queueDepth: 2)
        _ = window.receive(0, commandSequenceNumber: SerialNumber(0), isImmediate: false)
        _ = window.receive(1, commandSequenceNumber: SerialNumber(1), isImmediate: false)
        #expect(window.maximumCommandSequenceNumber == SerialNumber(1))
        #expect(self.isDropped(&window, 2))
        window.commandCompleted()
        #expect(self.delivered(&window, 2, 2) == [2])
    }

    @Test func outOfWindowAndDuplicatesAreDropped() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(100), queueDepth: 8)
        #expect(self.isDropped(&window, 99))
        #expect(self.isDropped(&window, 108))
        #expect(window.expectedCommandSequenceNumber == SerialNumber(100))
        #expect(self.delivered(&window, 1, 100) == [1])
        #expect(self.isDropped(&window, 100))
    }

    @Test func immediateCommandsBypassTheWindow() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(5), queueDepth: 1)
        _ = window.receive(0, commandSequenceNumber: SerialNumber(5), isImmediate: false)
        #expect(self.delivered(&window, 7, 6, immediate: true) == [7])
        #expect(window.expectedCommandSequenceNumber == SerialNumber(6))
        #expect(window.outstandingCommands == 1)
    }

    @Test func heldCommandsAreDeliveredInOrderOnceTheGapFills() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(0), queueDepth: 8)
        #expect(window.receive(2, commandSequenceNumber: SerialNumber(2), isImmediate: false) == .hold)
        #expect(window.receive(1, commandSequenceNumber: SerialNumber(1), isImmediate: false) == .hold)
        #expect(window.nextReleasedCommand() == nil)
        #expect(self.isDropped(&window, 2))
        #expect(
            self.delivered(&window, 0, 0) == [0, 1, 2]
        )
        #expect(window.expectedCommandSequenceNumber == SerialNumber(3))
        #expect(window.outstandingCommands == 3)
    }

    @Test func windowWrapsAt2To32() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(UInt32.max - 1), queueDepth: 4)
        #expect(window.maximumCommandSequenceNumber == SerialNumber(1))
        for (command, cmdSN) in [UInt32.max - 1, UInt32.max, 0, 1].enumerated() {
            #expect(
                self.delivered(&window, command, cmdSN)
                    == [command]
            )
            window.commandCompleted()
        }
        #expect(window.expectedCommandSequenceNumber == SerialNumber(2))
        #expect(window.maximumCommandSequenceNumber == SerialNumber(5))
        #expect(self.isDropped(&window, UInt32.max))
    }

    @Test func completionsNeverOpenBeyondQueueDepth() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(0), queueDepth: 0)
        window.commandCompleted()
        #expect(window.queueDepth == 1)
        #expect(window.maximumCommandSequenceNumber == SerialNumber(0))
    }

    @Test func statusSequenceAssignsConsecutively() {
        var statSN = StatusSequence(first: SerialNumber(UInt32.max))
        #expect(statSN.assign() == SerialNumber(UInt32.max))
        #expect(statSN.assign() == SerialNumber(0))
        #expect(statSN.next == SerialNumber(1))
    }
}
