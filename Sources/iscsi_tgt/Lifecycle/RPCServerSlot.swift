import JSONRPC
import Synchronization

/// The RPC server once it runs, for methods registered before it starts (`framework_start_init`
/// pauses it while subsystems initialise) and for shutdown. Empty with `--no-rpc-server`.
final class RPCServerSlot: Sendable {
    private let server = Mutex<RPCServer?>(nil)

    init() {}

    /// Installs the started server.
    func install(_ newServer: RPCServer) {
        server.withLock { $0 = newServer }
    }

    /// Stops answering new requests (requests already executing finish).
    func pause() {
        server.withLock { $0 }?.pause()
    }

    /// Answers requests again.
    func resume() {
        server.withLock { $0 }?.resume()
    }

    /// Closes the server (socket and lock files removed) and empties the slot.
    func close() async {
        let closing = server.withLock { server in
            defer { server = nil }
            return server
        }
        await closing?.close()
    }
}
