#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive `flock` on `<socket path>.lock` that makes one RPC socket path belong to one process.
struct RPCSocketLock: Sendable {
    /// The lock file's path.
    let path: String
    private let descriptor: Int32

    /// Opens (creating with mode 0600) and locks `path` without blocking.
    ///
    /// - Throws: ``RPCServerError/socketInUse(_:)`` (naming `socketPath`) when another process
    ///   holds the lock, ``RPCServerError/lockFailed(_:errno:)`` when the file cannot be opened.
    init(path: String, socketPath: String) throws(RPCServerError) {
        let descriptor = open(path, O_RDONLY | O_CREAT, 0o600)
        guard descriptor >= 0 else {
            throw RPCServerError.lockFailed(path, errno: errno)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw RPCServerError.socketInUse(socketPath)
        }
        self.path = path
        self.descriptor = descriptor
    }

    /// Removes the lock file, then releases the lock.
    func release() {
        unlink(self.path)
        close(self.descriptor)
    }
}
