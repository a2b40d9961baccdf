import NIOCore
import NIOPosix

/// The listening sockets of one portal group.
///
/// Accepted connections are spread over every loop of the group, get TCP_NODELAY and a receive
/// allocator sized for iSCSI PDUs, and are handed to the installed `ISCSIConnectionAcceptor`.
final class PortalListener: Sendable {
    /// Receive buffer sizes for accepted connections: a 48-byte header and up to 256 KiB of data.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 65536, maximum: 262_144)
    /// Pending-connection queue length of each listening socket.
    static let backlog: Int32 = 512

    private let channels: [any Channel]

    private init(channels: [any Channel]) {
        self.channels = channels
    }

    /// Binds every portal; when one fails the others are closed again and the error is rethrown.
    /// - Parameter accepting: false keeps the sockets listening without accepting until `startAccepting()`.
    static func bind(
        portals: [Portal],
        portalGroupTag: Int32,
        accepting: Bool,
        group: any EventLoopGroup,
        acceptorSlot: ConnectionAcceptorSlot
    ) async throws -> PortalListener {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: Self.backlog)
            .serverChannelOption(ChannelOptions.autoRead, value: accepting)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: Self.receiveAllocator)
            .childChannelInitializer { channel in
                guard let acceptor = acceptorSlot.acceptor else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try acceptor.configure(channel: channel, portalGroupTag: portalGroupTag)
                }
            }
        var channels: [any Channel] = []
        do {
            for portal in portals {
                guard let port = Int(portal.port), (0...65535).contains(port) else {
                    throw PortalBindError(portal: portal)
                }
                channels.append(try await bootstrap.bind(host: portal.socketHost, port: port).get())
            }
        } catch {
            await Self.close(channels)
            throw error
        }
        return PortalListener(channels: channels)
    }

    /// The bound addresses (useful when a portal asked for port 0).
    var localAddresses: [SocketAddress] {
        self.channels.compactMap(\.localAddress)
    }

    /// Starts accepting connections (idempotent).
    func startAccepting() async throws {
        for channel in self.channels {
            try await channel.setOption(ChannelOptions.autoRead, value: true).get()
        }
    }

    /// Closes the listening sockets; accepted connections keep running.
    func close() async {
        await Self.close(self.channels)
    }

    private static func close(_ channels: [any Channel]) async {
        for channel in channels {
            try? await channel.close().get()
        }
    }
}

/// A portal whose port is not a decimal number in 0...65535.
struct PortalBindError: Error {
    var portal: Portal
}
