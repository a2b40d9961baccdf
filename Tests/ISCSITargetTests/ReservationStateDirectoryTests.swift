import Glibc
import Logging
import SCSI
import Testing

@testable import ISCSITarget

@Suite struct ReservationStateDirectoryTests {
    static let logger = Logger(label: "test")

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/pr-state.XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
        return String(cString: try #require(path))
    }

    static func sampleState() -> PersistentReservationState {
        var state = PersistentReservationState()
        let nexus = NexusIdentifier(initiatorPortName: "iqn.2024-01.test:a,i,0x000000000001", relativeTargetPortID: 1)
        _ = state.apply(
            .init(serviceAction: .register, serviceActionKey: 0xA1, activatePersistThroughPowerLoss: true),
            from: nexus
        )
        _ = state.apply(.init(serviceAction: .reserve, type: 1, reservationKey: 0xA1), from: nexus)
        return state
    }

    @Test func createsNestedDirectoriesAndRoundTripsState() throws {
        let root = try Self.temporaryDirectory()
        let directory = try #require(ReservationStateDirectory(path: root + "/a/b", logger: Self.logger))
        let storage = directory.storage(forBlockDevice: "Malloc0")
        #expect(storage.load() == nil)
        let state = Self.sampleState()
        storage.store(state)
        #expect(access(root + "/a/b/Malloc0.pr", F_OK) == 0)
        #expect(access(root + "/a/b/Malloc0.pr.tmp", F_OK) != 0)
        #expect(directory.storage(forBlockDevice: "Malloc0").load() == state)
        storage.store(nil)
        #expect(access(root + "/a/b/Malloc0.pr", F_OK) != 0)
        #expect(storage.load() == nil)
    }

    @Test func damagedStateIsIgnored() throws {
        let root = try Self.temporaryDirectory()
        let directory = try #require(ReservationStateDirectory(path: root, logger: Self.logger))
        let descriptor = open(root + "/Malloc0.pr", O_WRONLY | O_CREAT, 0o600)
        _ = write(descriptor, "garbage\n", 8)
        close(descriptor)
        #expect(directory.storage(forBlockDevice: "Malloc0").load() == nil)
    }

    @Test func unusablePathRunsWithoutPersistence() throws {
        let root = try Self.temporaryDirectory()
        let file = root + "/file"
        close(open(file, O_WRONLY | O_CREAT, 0o600))
        #expect(ReservationStateDirectory(path: file + "/state", logger: Self.logger) == nil)
        #expect(ReservationStateDirectory(path: file, logger: Self.logger) == nil)
    }

    @Test func fileNamesStayInsideTheDirectory() {
        #expect(ReservationStateDirectory.fileName(forBlockDevice: "Malloc0") == "Malloc0.pr")
        #expect(ReservationStateDirectory.fileName(forBlockDevice: "lvs/lvol.0") == "lvs%2Flvol.0.pr")
        #expect(ReservationStateDirectory.fileName(forBlockDevice: "..") == "%2E..pr")
        #expect(ReservationStateDirectory.fileName(forBlockDevice: "a b") == "a%20b.pr")
    }
}
