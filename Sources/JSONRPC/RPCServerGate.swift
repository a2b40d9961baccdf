import Synchronization

/// Holds requests back while the server is paused (SPDK stops polling its RPC server during
/// subsystem initialisation and config loading).
final class RPCServerGate: Sendable {
    private enum Phase {
        case paused(waiters: [CheckedContinuation<Bool, Never>])
        case open
        case closed
    }

    private let phase: Mutex<Phase>

    init(paused: Bool) {
        self.phase = Mutex(paused ? .paused(waiters: []) : .open)
    }

    /// Returns `true` once the gate is open, `false` if the server closed instead.
    func waitUntilOpen() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer: Bool? = self.phase.withLock { phase in
                switch phase {
                case .open:
                    return true
                case .closed:
                    return false
                case .paused(var waiters):
                    waiters.append(continuation)
                    phase = .paused(waiters: waiters)
                    return nil
                }
            }
            if let answer {
                continuation.resume(returning: answer)
            }
        }
    }

    /// Stops answering until ``resume()``; requests being executed finish.
    func pause() {
        self.phase.withLock { phase in
            if case .open = phase {
                phase = .paused(waiters: [])
            }
        }
    }

    /// Lets held and future requests through.
    func resume() {
        self.release(becoming: .open, answer: true)
    }

    /// Turns held and future requests away for good.
    func close() {
        self.release(becoming: .closed, answer: false)
    }

    private func release(becoming next: Phase, answer: Bool) {
        let waiters = self.phase.withLock { phase -> [CheckedContinuation<Bool, Never>] in
            if case .closed = phase {
                return []
            }
            defer { phase = next }
            guard case .paused(let waiters) = phase else { return [] }
            return waiters
        }
        for waiter in waiters {
            waiter.resume(returning: answer)
        }
    }
}
