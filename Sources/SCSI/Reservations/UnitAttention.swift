/// The unit attention conditions this target establishes (SAM-5 §5.14, SPC-4 §4.5.6 Table 28).
extension AdditionalSenseCode {
    /// 29 00: POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
    public static let powerOnResetOrBusDeviceResetOccurred = Self(code: 0x29, qualifier: 0x00)
    /// 29 03: BUS DEVICE RESET FUNCTION OCCURRED (a LOGICAL UNIT RESET).
    public static let busDeviceResetFunctionOccurred = Self(code: 0x29, qualifier: 0x03)
    /// 2A 01: MODE PARAMETERS CHANGED.
    public static let modeParametersChanged = Self(code: 0x2A, qualifier: 0x01)
    /// 2A 03: RESERVATIONS PREEMPTED.
    public static let reservationsPreempted = Self(code: 0x2A, qualifier: 0x03)
    /// 2A 04: RESERVATIONS RELEASED.
    public static let reservationsReleased = Self(code: 0x2A, qualifier: 0x04)
    /// 2A 05: REGISTRATIONS PREEMPTED.
    public static let registrationsPreempted = Self(code: 0x2A, qualifier: 0x05)
    /// 3F 0E: REPORTED LUNS DATA HAS CHANGED.
    public static let reportedLUNsDataHasChanged = Self(code: 0x3F, qualifier: 0x0E)
    /// 26 04: INVALID RELEASE OF PERSISTENT RESERVATION.
    public static let invalidReleaseOfPersistentReservation = Self(code: 0x26, qualifier: 0x04)

    /// Whether this is a power on / reset condition (ASC 29h): the highest priority unit attention, which
    /// supersedes the others pending for the same I_T nexus (SAM-5 §5.14).
    var isReset: Bool {
        self.code == 0x29
    }
}
