import ISCSIProtocol
import NIOCore
import SCSI
import Synchronization

/// The control plane's handle on one live connection (`ISCSIConnectionHandle`): its reported state,
/// target-requested logout and shutdown. Thread-safe; the work runs on the connection's event loop.
final class ISCSIConnection: ISCSIConnectionHandle {
    private static let lastIdentifier = Atomic<Int>(0)

    let id: Int
    private let channel: any Channel
    private let state: Mutex<ISCSIConnectionInfo>

    init(channel: any Channel, portalGroupTag: Int32) {
        self.id = Self.lastIdentifier.wrappingAdd(1, ordering: .relaxed).newValue
        self.channel = channel
        self.state = Mutex(
            ISCSIConnectionInfo(
                id: self.id,
                cid: 0,
                tsih: 0,
                state: "running",
                loginPhase: "security_negotiation_phase",
                initiatorAddress: channel.remoteAddress?.ipAddress ?? "",
                targetAddress: channel.localAddress?.ipAddress ?? "",
                targetNodeName: "",
                threadName: "iscsi_poll_group_0",
                portalGroupTag: portalGroupTag
            )
        )
    }

    var info: ISCSIConnectionInfo {
        self.state.withLock { $0 }
    }

    /// Changes the reported state.
    func update(_ body: (inout ISCSIConnectionInfo) -> Void) {
        self.state.withLock { body(&$0) }
    }

    func requestLogout() {
        let channel = self.channel
        channel.eventLoop.execute {
            try? channel.pipeline.syncOperations.handler(type: ISCSIConnectionHandler.self).requestLogout()
        }
    }

    /// Terminates the connection's tasks in `scope`, on its event loop (task management on another session; with
    /// `preempted`, a PREEMPT AND ABORT that reaches only the preempted I_T nexuses).
    func terminateTasks(in scope: TaskManagementScope, preempted: PreemptedTasks? = nil) {
        let channel = self.channel
        channel.eventLoop.execute {
            try? channel.pipeline.syncOperations.handler(type: ISCSIConnectionHandler.self)
                .terminateTasks(in: scope, preempted: preempted)
        }
    }

    /// The event loop the connection lives on.
    var eventLoop: any EventLoop { self.channel.eventLoop }

    /// The connection's handler; nil off the connection's event loop or once the channel is gone.
    var handlerOnEventLoop: ISCSIConnectionHandler? {
        guard self.channel.eventLoop.inEventLoop else { return nil }
        return try? self.channel.pipeline.syncOperations.handler(type: ISCSIConnectionHandler.self)
    }

    /// Closes the connection at once (session reinstatement).
    func close() {
        self.channel.close(promise: nil)
    }

    /// Stops taking commands, waits (at most ``ISCSIConnectionHandler/drainTimeout``) for the commands an
    /// asynchronous block device still carries out to come back and be answered, then closes.
    func shutdown() async {
        let channel = self.channel
        let drained = channel.eventLoop.flatSubmit {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: ISCSIConnectionHandler.self),
                let context = handler.context
            else {
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            return handler.drain(context: context)
        }
        try? await drained.get()
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }
}
