import Glibc

/// Unbuffered writes to file descriptor 2, safe from any thread.
enum StandardError {
    /// Writes `text` completely (retrying short writes); gives up silently if stderr is gone.
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let result = Glibc.write(STDERR_FILENO, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return }
                offset += result
            }
        }
    }
}
