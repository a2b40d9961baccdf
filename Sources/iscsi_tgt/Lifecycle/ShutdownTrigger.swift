/// The one-shot request to stop the application, with its exit status.
///
/// Signals, `spdk_kill_instance` and fatal initialisation errors all request a stop; only the first
/// request counts (SPDK ignores a second SIGINT/SIGTERM while shutting down).
final class ShutdownTrigger: Sendable {
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingOldest(1))
    }

    /// Asks the application to stop and exit with `status`; later requests are ignored.
    func request(exitStatus status: Int32) {
        continuation.yield(status)
        continuation.finish()
    }

    /// Waits for the first request and returns its exit status.
    func wait() async -> Int32 {
        for await status in stream {
            return status
        }
        return 0
    }
}
