import Testing

@testable import ISCSIProtocol

@Suite struct CommandWindowTests {
    private func delivered(_ result: CommandWindowResult<Int>) -> [Int]? {
        guard case .deliver(let commands) = result else { return nil }
        return commands
    }

    private func isDropped(_ result: CommandWindowResult<Int>) -> Bool {
        if case .drop = result { return true }
        return false
    }

    @Test func maxCmdSNFollowsQueueDepthAndCompletions() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(10), queueDepth: 4)
        #expect(window.maximumCommandSequenceNumber == SerialNumber(13))
        #expect(self.delivered(window.receive(1, commandSequenceNumber: SerialNumber(10), isImmediate: false)) == [1])
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
        #expect(self.isDropped(window.receive(2, commandSequenceNumber: SerialNumber(2), isImmediate: false)))
        window.commandCompleted()
        #expect(self.delivered(window.receive(2, commandSequenceNumber: SerialNumber(2), isImmediate: false)) == [2])
    }

    @Test func outOfWindowAndDuplicatesAreDropped() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(100), queueDepth: 8)
        #expect(self.isDropped(window.receive(0, commandSequenceNumber: SerialNumber(99), isImmediate: false)))
        #expect(self.isDropped(window.receive(0, commandSequenceNumber: SerialNumber(108), isImmediate: false)))
        #expect(window.expectedCommandSequenceNumber == SerialNumber(100))
        #expect(self.delivered(window.receive(1, commandSequenceNumber: SerialNumber(100), isImmediate: false)) == [1])
        #expect(self.isDropped(window.receive(1, commandSequenceNumber: SerialNumber(100), isImmediate: false)))
    }

    @Test func immediateCommandsBypassTheWindow() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(5), queueDepth: 1)
        _ = window.receive(0, commandSequenceNumber: SerialNumber(5), isImmediate: false)
        #expect(self.delivered(window.receive(7, commandSequenceNumber: SerialNumber(6), isImmediate: true)) == [7])
        #expect(window.expectedCommandSequenceNumber == SerialNumber(6))
        #expect(window.outstandingCommands == 1)
    }

    @Test func heldCommandsAreDeliveredInOrderOnceTheGapFills() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(0), queueDepth: 8)
        guard case .hold = window.receive(2, commandSequenceNumber: SerialNumber(2), isImmediate: false) else {
            Issue.record("expected hold")
            return
        }
        guard case .hold = window.receive(1, commandSequenceNumber: SerialNumber(1), isImmediate: false) else {
            Issue.record("expected hold")
            return
        }
        #expect(self.isDropped(window.receive(9, commandSequenceNumber: SerialNumber(2), isImmediate: false)))
        #expect(
            self.delivered(window.receive(0, commandSequenceNumber: SerialNumber(0), isImmediate: false)) == [0, 1, 2]
        )
        #expect(window.expectedCommandSequenceNumber == SerialNumber(3))
        #expect(window.outstandingCommands == 3)
    }

    @Test func windowWrapsAt2To32() {
        var window = CommandWindow<Int>(expectedCommandSequenceNumber: SerialNumber(UInt32.max - 1), queueDepth: 4)
        #expect(window.maximumCommandSequenceNumber == SerialNumber(1))
        for (command, cmdSN) in [UInt32.max - 1, UInt32.max, 0, 1].enumerated() {
            #expect(
                self.delivered(window.receive(command, commandSequenceNumber: SerialNumber(cmdSN), isImmediate: false))
                    == [command]
            )
            window.commandCompleted()
        }
        #expect(window.expectedCommandSequenceNumber == SerialNumber(2))
        #expect(window.maximumCommandSequenceNumber == SerialNumber(5))
        #expect(self.isDropped(window.receive(9, commandSequenceNumber: SerialNumber(UInt32.max), isImmediate: false)))
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
