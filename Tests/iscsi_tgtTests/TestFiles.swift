import Glibc

struct TestFileError: Error {}

/// Writes `text` to a new file at `path`.
func writeFile(_ path: String, _ text: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { throw TestFileError() }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
        throw TestFileError()
    }
}

func removeFile(_ path: String) {
    unlink(path)
}
