/// One SCSI command as the transport received it (from the iSCSI SCSI Command BHS).
public struct SCSICommand: Sendable, Hashable {
    /// The 8-byte LUN field, in SAM format (see ``LogicalUnitAddress``).
    public var logicalUnitNumber: UInt64
    /// The command descriptor block.
    public var cdb: CDB
    /// How many bytes the initiator expects to move (in whichever direction the command transfers).
    public var expectedDataTransferLength: UInt32
    /// The initiator expects data from the target (the BHS R bit).
    public var isRead: Bool
    /// The initiator will send data to the target (the BHS W bit).
    public var isWrite: Bool

    public init(
        logicalUnitNumber: UInt64,
        cdb: CDB,
        expectedDataTransferLength: UInt32,
        isRead: Bool,
        isWrite: Bool
    ) {
        self.logicalUnitNumber = logicalUnitNumber
        self.cdb = cdb
        self.expectedDataTransferLength = expectedDataTransferLength
        self.isRead = isRead
        self.isWrite = isWrite
    }
}
