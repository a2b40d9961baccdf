import Glibc

/// Writes to the process's standard streams in the order calls are made: buffered stdout is flushed
/// before anything goes to stderr, so interleaved output reads as rpc.py's does on a terminal.
enum Console {
    /// Python `print(text)`.
    static func out(_ text: String) {
        print(text)
    }

    /// Writes `text` to stdout without a newline.
    static func write(_ text: String) {
        print(text, terminator: "")
    }

    /// Python `print(text, file=sys.stderr)`.
    static func err(_ text: String) {
        flush()
        var bytes = Array((text + "\n").utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Flushes stdout (rpc.py's `flush=True`).
    static func flush() {
        fflush(nil)
    }

    /// Flushes and ends the process with `status`.
    static func exit(_ status: Int32) -> Never {
        flush()
        Glibc.exit(status)
    }
}
