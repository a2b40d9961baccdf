import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Moves an accepted TCP connection to another event loop: the session's owner loop, when a login adds a
/// connection to a session that lives there (see ``SessionConnectionGroup``).
///
/// NIO has no API to move a channel between loops, nor one that hands out a channel's descriptor, so the socket
/// is found among the process's open descriptors by its two endpoints (an open TCP connection's pair of
/// addresses is unique), duplicated, and the duplicate registered on the owner loop as a new channel; closing
/// the old channel then closes only the old descriptor (NIO deregisters it from its loop first and never shuts
/// the socket down on a full close), so the TCP connection stays up. Only a login does this, once, before its
/// first answer: the initiator sends nothing meanwhile, and the request already read is replayed on the new
/// channel.
enum ConnectionRelocation {
    /// A duplicate (close-on-exec) of the descriptor of the TCP socket from `local` to `remote`; nil when no
    /// socket of the process connects them (a channel that is not a socket).
    static func duplicateSocket(local: SocketAddress, remote: SocketAddress) -> CInt? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let descriptor = CInt(name), Self.connects(descriptor, local: local, remote: remote) else {
                continue
            }
            let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
            guard duplicate >= 0 else { return nil }
            // The descriptor may have been closed and reused between the look and the duplication: check again.
            if Self.connects(duplicate, local: local, remote: remote) {
                return duplicate
            }
            close(duplicate)
        }
        return nil
    }

    /// Registers `socket` on `eventLoop` as a new channel set up by `configure`, then hands `replay` (the bytes
    /// the old channel read) to its pipeline as if they had just arrived. A channel that cannot be set up is
    /// closed by NIO, with the socket.
    static func register(
        socket: CInt,
        on eventLoop: any EventLoop,
        replaying replay: ByteBuffer,
        configure: @escaping @Sendable (any Channel) throws -> Void
    ) {
        ClientBootstrap(group: eventLoop)
            .channelOption(ChannelOptions.recvAllocator, value: PortalListener.receiveAllocator)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel) }
            }
            .withConnectedSocket(socket)
            .whenSuccess { channel in
                channel.pipeline.fireChannelRead(replay)
                channel.pipeline.fireChannelReadComplete()
            }
    }

    /// Whether `descriptor` is a socket from `local` to `remote`.
    private static func connects(_ descriptor: CInt, local: SocketAddress, remote: SocketAddress) -> Bool {
        guard let ownAddress = Self.address(of: descriptor, peer: false), Self.sameEndpoint(ownAddress, local),
            let peerAddress = Self.address(of: descriptor, peer: true), Self.sameEndpoint(peerAddress, remote)
        else {
            return false
        }
        return true
    }

    private static func sameEndpoint(_ lhs: SocketAddress, _ rhs: SocketAddress) -> Bool {
        lhs.port == rhs.port && lhs.ipAddress == rhs.ipAddress
    }

    /// The local (or, with `peer`, the remote) address of an IPv4 or IPv6 socket.
    private static func address(of descriptor: CInt, peer: Bool) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                peer ? getpeername(descriptor, address, &length) : getsockname(descriptor, address, &length)
            }
        }
        guard result == 0 else { return nil }
        switch CInt(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: storage) { SocketAddress($0.load(as: sockaddr_in.self)) }
        case AF_INET6:
            return withUnsafeBytes(of: storage) { SocketAddress($0.load(as: sockaddr_in6.self)) }
        default:
            return nil
        }
    }
}
