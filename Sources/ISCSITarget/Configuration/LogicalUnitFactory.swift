import BlockDevice
import SCSI

/// Creates and retires the SCSI module's logical units for target-node LUNs.
enum LogicalUnitFactory {
    static func make(id: Int, device: any BlockDevice, targetName: String) -> LogicalUnit {
        LogicalUnit(id: id, device: device, targetName: targetName)
    }

    /// Hot-remove: the unit answers LOGICAL UNIT NOT SUPPORTED from now on.
    static func markRemoved(_ unit: LogicalUnit) {
        unit.markRemoved()
    }
}
