import BlockDevice
import SCSI

/// The small device every FuzzCDB input starts from, fresh each time so runs are reproducible.
enum FuzzedSCSIDevice {
    static let name = "iqn.2016-06.io.spdk:fuzz"

    /// A device with LUN 0 (64 × 512 bytes) and LUN 1 (8 × 4096 bytes).
    static func make(removingLUN1: Bool, resizingLUN0: Bool) -> SCSIDevice? {
        guard
            let small = try? MallocBlockDevice(.init(name: "Malloc0", blockCount: 64, blockSize: 512)),
            let large = try? MallocBlockDevice(.init(name: "Malloc1", blockCount: 8, blockSize: 4096))
        else {
            return nil
        }
        let lun0 = LogicalUnit(id: 0, blockDevice: small)
        let lun1 = LogicalUnit(id: 1, blockDevice: large)
        if removingLUN1 {
            lun1.markRemoved()
        }
        if resizingLUN0 {
            lun0.noteCapacityChanged()
        }
        return SCSIDevice(
            name: Self.name,
            id: 0,
            ports: [SCSITargetPort(targetName: Self.name, portalGroupTag: 1)],
            logicalUnits: [lun0, lun1]
        )
    }
}
