import Logging
import NIOCore

extension ISCSIConnectionHandler {
    /// How long a connection being shut down waits for the commands an asynchronous block device still carries
    /// out: a Ceph cluster that stopped answering must not hold the target's shutdown forever.
    static let drainTimeout = TimeAmount.seconds(10)

    /// Stops decoding commands and succeeds once every command handed to an asynchronous block device has come back
    /// and been answered, or after ``drainTimeout``. The caller closes the connection then: closing earlier would
    /// leave the device's completions to arrive after the event loops are gone, and the initiator without the
    /// answers of commands that did complete. Commands of a synchronous device run to their end on the loop, so
    /// none of theirs is ever outstanding here.
    func drain(context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        if let promise = self.drainPromise {
            return promise.futureResult
        }
        guard !self.isDraining else {
            return context.eventLoop.makeSucceededVoidFuture()
        }
        self.isDraining = true
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        guard self.commandsAtDevice > 0 else {
            return context.eventLoop.makeSucceededVoidFuture()
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        self.drainPromise = promise
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let deadline = context.eventLoop.scheduleTask(in: Self.drainTimeout) {
            let handler = handler.value
            guard let promise = handler.drainPromise.take() else { return }
            Logger(label: "iscsi").warning(
                "\(handler.commandsAtDevice) commands still at the block device after \(Self.drainTimeout.nanoseconds / 1_000_000_000) s: closing the connection without their answers"
            )
            promise.succeed()
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return promise.futureResult
    }

    /// Notes that a command came back from the asynchronous device, which ends a drain that waited for it.
    func noteCommandReturnedFromDevice() {
        self.commandsAtDevice -= 1
        if self.commandsAtDevice == 0, let promise = self.drainPromise.take() {
            promise.succeed()
        }
    }
}
