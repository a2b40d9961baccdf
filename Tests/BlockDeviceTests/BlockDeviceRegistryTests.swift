import BlockDevice
import FoundationEssentials
import Synchronization
import Testing

@Suite struct BlockDeviceRegistryTests {
    private let uuid = UUID(uuidString: "F0E3C2A1-1234-4ABC-8DEF-0123456789AB")!

    private func makeNull(_ name: String, uuid: UUID = UUID()) throws -> NullBlockDevice {
        try NullBlockDevice(.init(name: name, blockCount: 8, blockSize: 512, uuid: uuid))
    }

    @Test func keepsCreationOrder() throws {
        let registry = BlockDeviceRegistry()
        for name in ["Null2", "Malloc0", "Null1"] {
            try registry.register(self.makeNull(name))
        }
        #expect(registry.devices.map(\.name) == ["Null2", "Malloc0", "Null1"])
    }

    @Test func duplicateNameOrAliasIsRejected() throws {
        let registry = BlockDeviceRegistry()
        try registry.register(self.makeNull("Null0", uuid: self.uuid))
        #expect(throws: BlockDeviceError.exists) { try registry.register(self.makeNull("Null0")) }
        #expect(throws: BlockDeviceError.exists) { try registry.register(self.makeNull("Null1", uuid: self.uuid)) }
        // A name equal to another device's UUID alias is taken too.
        #expect(throws: BlockDeviceError.exists) {
            try registry.register(self.makeNull("f0e3c2a1-1234-4abc-8def-0123456789ab"))
        }
        #expect(registry.devices.count == 1)
    }

    @Test func findsByNameAndUUIDAlias() throws {
        let registry = BlockDeviceRegistry()
        let device = try self.makeNull("Null0", uuid: self.uuid)
        try registry.register(device)
        #expect(device.aliases == ["f0e3c2a1-1234-4abc-8def-0123456789ab"])
        #expect(registry.device(named: "Null0") === device)
        #expect(registry.device(named: "f0e3c2a1-1234-4abc-8def-0123456789ab") === device)
        #expect(registry.device(named: "F0E3C2A1-1234-4ABC-8DEF-0123456789AB") === device)
        #expect(registry.device(named: "Null1") == nil)
    }

    @Test func unregisterNotifiesObservers() throws {
        let registry = BlockDeviceRegistry()
        let device = try self.makeNull("Null0", uuid: self.uuid)
        try registry.register(device)
        let removed = Mutex<[String]>([])
        let token = registry.addObserver { event in
            if case .removed(let device) = event {
                removed.withLock { $0.append(device.name) }
            }
        }
        let unregistered = try registry.unregister(named: "Null0")
        #expect(unregistered === device)
        #expect(removed.withLock { $0 } == ["Null0"])
        #expect(registry.devices.isEmpty)
        #expect(registry.device(named: device.aliases[0]) == nil)
        #expect(throws: BlockDeviceError.notFound) { try registry.unregister(named: "Null0") }

        registry.removeObserver(token)
        try registry.register(self.makeNull("Null1"))
        try registry.unregister(named: "Null1")
        #expect(removed.withLock { $0 } == ["Null0"])
    }

    @Test func resizeIsBroadcast() throws {
        let registry = BlockDeviceRegistry()
        let device = try self.makeNull("Null0")
        try registry.register(device)
        let resized = Mutex<[UInt64]>([])
        _ = registry.addObserver { event in
            if case .resized(let device) = event {
                resized.withLock { $0.append(device.blockCount) }
            }
        }
        device.resize(blockCount: 16)
        registry.notifyResized(device)
        #expect(resized.withLock { $0 } == [16])
    }

    @Test func ioTypeNamesFollowSPDKOrder() {
        #expect(BlockIOTypes.spdkNames.count == 20)
        #expect(BlockIOTypes.spdkNames.first?.name == "read")
        #expect(BlockIOTypes.spdkNames.last?.name == "nvme_iov_md")
        let all = BlockIOTypes.spdkNames.reduce(into: BlockIOTypes()) { $0.formUnion($1.type) }
        #expect(all.rawValue == (1 << 20) - 1)
    }
}
