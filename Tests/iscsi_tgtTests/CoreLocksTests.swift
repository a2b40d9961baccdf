import Glibc
import Testing

@testable import iscsi_tgt

@Suite struct CoreLocksTests {
    func temporaryDirectory() throws -> String {
        var template = Array("/tmp/core-locks-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) } != nil
        }
        try #require(created)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func claimWritesPIDAndReleaseUnlinks() throws {
        let directory = try temporaryDirectory()
        defer { rmdir(directory) }
        let locks = CoreLocks(cores: [0, 12], directory: directory)
        #expect(locks.path(ofCore: 12) == directory + "/spdk_cpu_lock_012")
        try locks.claim()
        #expect(locks.isHeld)
        let descriptor = open(locks.path(ofCore: 0), O_RDONLY)
        #expect(descriptor >= 0)
        var pid: Int32 = 0
        #expect(read(descriptor, &pid, 4) == 4)
        close(descriptor)
        #expect(pid == getpid())
        locks.release()
        #expect(!locks.isHeld)
        #expect(access(locks.path(ofCore: 0), F_OK) != 0)
        #expect(access(locks.path(ofCore: 12), F_OK) != 0)
    }

    @Test func messageNamesCoreAndHolder() {
        let error = CoreLockError(core: 1, holder: 4242, openErrno: nil)
        #expect(error.description == "Cannot create lock on core 1, probably process 4242 has claimed it.")
    }
}
