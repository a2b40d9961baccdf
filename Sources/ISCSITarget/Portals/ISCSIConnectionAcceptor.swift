import NIOCore
import Synchronization

/// What a portal listener does with an accepted TCP connection: the data plane installs its handlers.
public protocol ISCSIConnectionAcceptor: Sendable {
    /// Called on the channel's event loop inside the child channel initializer.
    func configure(channel: any Channel, portalGroupTag: Int32) throws
}

/// Holds the acceptor the data plane installs; listeners created before that close what they accept.
final class ConnectionAcceptorSlot: Sendable {
    private let installed = Mutex<(any ISCSIConnectionAcceptor)?>(nil)

    var acceptor: (any ISCSIConnectionAcceptor)? {
        get { self.installed.withLock { $0 } }
        set { self.installed.withLock { $0 = newValue } }
    }
}
