import BlockDevice
import Testing

/// The parts of RBD devices that need no Ceph cluster: argument checks made before connecting.
@Suite struct RBDBlockDeviceTests {
    @Test(arguments: [0, 100, 1000, 4095] as [UInt32])
    func blockSizesThatAreNotMultiplesOf512AreRefusedBeforeConnecting(blockSize: UInt32) {
        let configuration = RBDBlockDevice.Configuration(
            name: "Ceph0",
            poolName: "rbd",
            imageName: "image",
            blockSize: blockSize,
            // Unreachable: the check must fail before any connection is attempted.
            settings: RBDConnectionSettings(options: [RBDConfigOption(key: "mon_host", value: "192.0.2.1")])
        )
        #expect(throws: BlockDeviceError.invalidArgument) {
            try RBDBlockDevice(configuration)
        }
    }

    @Test func connectionsTurnLibrbdsCacheOffUnlessTheOptionsTurnItOn() {
        // Set between the configuration file and the administrator's options, which may override it.
        #expect(RBDConnectionSettings.gatewayDefaults == [RBDConfigOption(key: "rbd_cache", value: "false")])
    }

    @Test func aMissingConfigurationFileFailsTheConnection() {
        let settings = RBDConnectionSettings(userID: "admin", configFile: "/nonexistent/ceph.conf")
        do {
            _ = try RBDConnection(settings)
            Issue.record("connected with a missing configuration file")
        } catch {
            // librbd installed: rados_conf_read_file's ENOENT; not installed: the loader's reason.
            switch error {
            case .system(let errno): #expect(errno == 2)
            case .libraryUnavailable(let reason): #expect(reason.hasPrefix("librbd is not available"))
            default: Issue.record("unexpected \(error)")
            }
        }
    }
}
