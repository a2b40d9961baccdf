import Glibc

/// A failed system call, by its `errno`.
struct SystemCallError: Error, Equatable, CustomStringConvertible {
    var code: Int32

    /// The C library's text for the code, e.g. "No such file or directory".
    var description: String { String(cString: strerror(code)) }
}

/// Whole-file reads.
enum FileContents {
    /// The bytes of the file at `path`.
    static func read(path: String) throws(SystemCallError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemCallError(code: errno) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemCallError(code: errno)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
        }
    }
}
