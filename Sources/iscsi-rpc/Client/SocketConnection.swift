import Glibc

/// A blocking stream socket to the RPC server: a Unix-domain path, or an IPv4/IPv6 address and port,
/// chosen the way rpc.py's `get_addr_type` does.
final class SocketConnection {
    /// How the `-s` address is interpreted.
    enum Address {
        case ipv4(in_addr)
        case ipv6(in6_addr)
        case unix(String)

        /// rpc.py order: an IPv4 literal, an IPv6 literal, an existing filesystem path; otherwise nil.
        init?(_ text: String) {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, text, &v4) == 1 {
                self = .ipv4(v4)
            } else if inet_pton(AF_INET6, text, &v6) == 1 {
                self = .ipv6(v6)
            } else if access(text, F_OK) == 0 {
                self = .unix(text)
            } else {
                return nil
            }
        }
    }

    /// A socket-level failure, described like Python's `OSError` (`[Errno 111] Connection refused`).
    struct Failure: Error {
        var description: String

        static func errno(_ code: Int32) -> Failure {
            Failure(description: "[Errno \(code)] " + String(cString: strerror(code)))
        }
    }

    private var descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
        }
    }

    /// Connects to `address` (`port` is used for IP addresses only).
    static func connect(to addressText: String, port: Int) throws(Failure) -> SocketConnection {
        guard let address = Address(addressText) else {
            throw Failure(description: "Invalid or non-existing address: '\(addressText)'")
        }
        switch address {
        case .unix(let path):
            var storage = sockaddr_un()
            storage.sun_family = sa_family_t(AF_UNIX)
            let pathBytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: storage.sun_path)
            guard pathBytes.count < capacity else { throw Failure(description: "AF_UNIX path too long") }
            withUnsafeMutableBytes(of: &storage.sun_path) { raw in
                raw.copyBytes(from: pathBytes)
            }
            return try open(family: AF_UNIX, address: storage)
        case .ipv4(let host):
            var storage = sockaddr_in()
            storage.sin_family = sa_family_t(AF_INET)
            storage.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
            storage.sin_addr = host
            return try open(family: AF_INET, address: storage)
        case .ipv6(let host):
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
            storage.sin6_addr = host
            return try open(family: AF_INET6, address: storage)
        }
    }

    private static func open<Storage>(family: Int32, address: Storage) throws(Failure) -> SocketConnection {
        let socketType = Int32(SOCK_STREAM.rawValue)
        let descriptor = socket(family, socketType, 0)
        guard descriptor >= 0 else { throw Failure.errno(errno) }
        let connection = SocketConnection(descriptor: descriptor)
        var address = address
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                Glibc.connect(descriptor, socketAddress, socklen_t(MemoryLayout<Storage>.size))
            }
        }
        guard result == 0 else { throw Failure.errno(errno) }
        return connection
    }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure.errno(errno)
            }
            offset += written
        }
    }

    /// Reads what is available, waiting at most `timeout` seconds. Returns nil on timeout and an
    /// empty array when the peer closed the connection.
    func receive(timeout: Double) throws(Failure) -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(timeout * 1000, Double(Int32.max))).rounded(.up))
        let ready = poll(&poller, 1, milliseconds)
        if ready < 0 {
            if errno == EINTR { return try receive(timeout: timeout) }
            throw Failure.errno(errno)
        }
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { raw in
            recv(descriptor, raw.baseAddress, raw.count, 0)
        }
        guard count >= 0 else { throw Failure.errno(errno) }
        return Array(buffer[..<count])
    }
}
