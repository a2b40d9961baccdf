import BlockDevice
import NIOCore
import SCSI

/// A target `iqn.2016-06.io.spdk:disk1` reached through portal group 1, with LUN 0 on a 64-block Malloc0.
final class SCSITestFixture {
    static let targetName = "iqn.2016-06.io.spdk:disk1"

    let blockDevice: any BlockDevice
    let logicalUnit: LogicalUnit
    var device: SCSIDevice
    var nexus: SCSINexus

    init(blockDevice: (any BlockDevice)? = nil) throws {
        let blockDevice =
            try blockDevice ?? MallocBlockDevice(.init(name: "Malloc0", blockCount: 64, blockSize: 512))
        let port = SCSITargetPort(targetName: Self.targetName, portalGroupTag: 1)
        self.blockDevice = blockDevice
        self.logicalUnit = LogicalUnit(id: 0, blockDevice: blockDevice)
        self.device = SCSIDevice(name: Self.targetName, id: 0, ports: [port], logicalUnits: [self.logicalUnit])
        self.nexus = SCSINexus(targetPort: port, initiatorPortName: "iqn.2016-06.io.spdk:init,i,0x000000000001")
    }

    /// Runs one command and returns its completion and data-in bytes.
    func run(
        _ cdb: [UInt8],
        lun: UInt16 = 0,
        expectedLength: UInt32 = 4096,
        isWrite: Bool = false,
        dataOut: [ByteBuffer] = []
    ) -> (completion: SCSICompletion, data: [UInt8]) {
        let command = SCSICommand(
            logicalUnitNumber: LogicalUnitAddress.encode(lun),
            cdb: CDB(cdb),
            expectedDataTransferLength: expectedLength,
            isRead: !isWrite,
            isWrite: isWrite
        )
        var dataIn = ByteBuffer()
        let completion = self.device.execute(command, dataOut: dataOut, dataIn: &dataIn, nexus: &self.nexus)
        return (completion, Array(dataIn.readableBytesView))
    }

    /// Prepares one command without running it.
    func prepare(_ cdb: [UInt8], expectedLength: UInt32, isWrite: Bool) -> SCSIPreparation {
        let command = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(cdb),
            expectedDataTransferLength: expectedLength,
            isRead: !isWrite,
            isWrite: isWrite
        )
        return self.device.prepare(command, nexus: &self.nexus)
    }
}

extension SCSICompletion {
    static func illegalRequest(_ code: AdditionalSenseCode) -> SCSICompletion {
        .checkCondition(.illegalRequest(code))
    }
}

/// Big-endian bytes of an integer, for building CDBs.
func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}

/// ASCII bytes of `string`, padded with `pad` to `length`.
func ascii(_ string: String, padTo length: Int? = nil, pad: UInt8 = 0x20) -> [UInt8] {
    let bytes = Array(string.utf8)
    return bytes + [UInt8](repeating: pad, count: max(0, (length ?? bytes.count) - bytes.count))
}
