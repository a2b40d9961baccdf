import BlockDevice
import Synchronization

/// The block I/Os of one command that run at once (the ranges of an UNMAP): reports once, when the last of them
/// ends, the first failure and the LBA it hit, or nil when every one succeeded.
///
/// ``complete(_:lba:)`` may be called from any thread, possibly before the last request is submitted.
final class BlockIOGroup: Sendable {
    private struct State {
        var remaining: Int
        var failure: (status: BlockIOStatus, lba: UInt64)?
    }

    private let state: Mutex<State>
    private let completion: @Sendable ((status: BlockIOStatus, lba: UInt64)?) -> Void

    /// A group of `count` requests, at least one; `completion` runs after the last ``complete(_:lba:)``.
    init(count: Int, completion: @escaping @Sendable ((status: BlockIOStatus, lba: UInt64)?) -> Void) {
        precondition(count > 0, "a BlockIOGroup needs at least one request")
        self.state = Mutex(State(remaining: count))
        self.completion = completion
    }

    /// Records how the request at `lba` ended.
    func complete(_ status: BlockIOStatus, lba: UInt64) {
        let outcome = self.state.withLock { state -> (status: BlockIOStatus, lba: UInt64)?? in
            if case .failed = status, state.failure == nil {
                state.failure = (status, lba)
            }
            state.remaining -= 1
            return state.remaining == 0 ? .some(state.failure) : nil
        }
        if let outcome {
            self.completion(outcome)
        }
    }
}
