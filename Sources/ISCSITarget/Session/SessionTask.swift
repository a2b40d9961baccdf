import NIOCore

/// What a connection keeps for a task in its session's ``TaskTable``, by phase. Commands answered as soon as
/// they run never enter the table.
enum SessionTask {
    /// A write waiting for its data-out.
    case awaitingDataOut(PendingWrite)
    /// The command runs on an asynchronous block device; it is answered when the device completes it, unless task
    /// management ended it meanwhile.
    case running
    /// The command ran; its Data-In and status go out when `response` fires (``SCSICompletion/responseDelay``).
    case responseDeferred(Scheduled<Void>)
    /// Held only while a pending write is changed in place, so that its data-out segments are not copied.
    case modifying

    /// Runs `body` on the pending write in place; nil when the task is in another phase.
    mutating func withPendingWrite<Result>(_ body: (inout PendingWrite) -> Result) -> Result? {
        guard case .awaitingDataOut(var write) = self else { return nil }
        self = .modifying
        defer { self = .awaitingDataOut(write) }
        return body(&write)
    }

    /// Stops the task's pending work: a deferred response is never sent; collected data-out is dropped.
    func cancel() {
        if case .responseDeferred(let response) = self {
            response.cancel()
        }
    }
}
