import NIOCore
import Synchronization

/// The open client connections, so that ``RPCServer/close()`` can close them.
final class RPCConnectionSet: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func insert(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        self.channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLock { _ = $0.removeValue(forKey: key) }
        }
    }

    /// Stops tracking and returns every open connection.
    func removeAll() -> [any Channel] {
        self.channels.withLock { channels in
            defer { channels = [:] }
            return Array(channels.values)
        }
    }
}
