extension SCSIDevice {
    /// The I_T nexus `nexus` is gone (its session logged out or its connection dropped): each logical unit releases
    /// an SPC-2 reservation it held and stops counting it among the nexuses a unit attention reaches.
    public func noteNexusLoss(_ nexus: SCSINexus) {
        for logicalUnit in self.logicalUnits {
            logicalUnit.noteNexusLoss(nexus.identifier)
        }
    }

    /// LOGICAL UNIT RESET of the LUN `logicalUnitNumber` (SAM format): see ``LogicalUnit/reset(condition:)``.
    /// False when the LUN has no logical unit.
    @discardableResult
    public func resetLogicalUnit(_ logicalUnitNumber: UInt64) -> Bool {
        guard let id = LogicalUnitAddress.decode(logicalUnitNumber), let logicalUnit = self.logicalUnit(id: id) else {
            return false
        }
        logicalUnit.reset()
        return true
    }

    /// TARGET WARM RESET or TARGET COLD RESET: every logical unit is reset and every I_T nexus gets POWER ON,
    /// RESET, OR BUS DEVICE RESET OCCURRED.
    public func reset() {
        for logicalUnit in self.logicalUnits {
            logicalUnit.reset(condition: .powerOnResetOrBusDeviceResetOccurred)
        }
    }

    /// The LUN map changed (a LUN added or removed): every I_T nexus in contact with a logical unit that remains
    /// gets REPORTED LUNS DATA HAS CHANGED, until it sends REPORT LUNS. Call it on the device after the change.
    public func noteReportedLUNsChanged() {
        for logicalUnit in self.logicalUnits {
            logicalUnit.raiseUnitAttention(.reportedLUNsDataHasChanged)
        }
    }
}
