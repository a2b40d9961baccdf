/// One command the device server implements: an operation code, with its service action when the operation code
/// has several, and the CDB usage data REPORT SUPPORTED OPERATION CODES returns for it (SPC-4 §6.35.3).
public struct SupportedCommand: Sendable, Hashable {
    /// The operation code (CDB byte 0).
    public var operationCode: UInt8
    /// The service action, or nil for an operation code without service actions.
    public var serviceAction: UInt16?
    /// The CDB usage data: the operation code, the service action in its own field, and for every other bit a 1
    /// where the device server evaluates that bit of the CDB. Its count is the CDB length.
    public var usage: [UInt8]
    /// The command's name in the standard, for logs and tests.
    public var name: String

    /// A row from its CDB usage data: byte 0 is the operation code; with `serviceAction`, byte 1 holds it in its
    /// low five bits.
    init(_ name: String, _ usage: [UInt8], serviceAction: UInt16? = nil) {
        self.name = name
        self.operationCode = usage[0]
        self.serviceAction = serviceAction
        self.usage = usage
    }
}

/// The commands this target implements, the one list that both gates decoding (``SCSIOperation/init(_:)`` refuses
/// anything not listed) and answers REPORT SUPPORTED OPERATION CODES, so
/// the report cannot claim a command the dispatcher refuses, nor hide one it runs.
///
/// Adding a command: add its decoder to ``SCSIOperation`` and one row here with its CDB usage data.
public enum SCSICommandTable {
    /// Every supported command, by operation code then service action.
    public static let commands: [SupportedCommand] = [
        // SPC-4
        SupportedCommand("TEST UNIT READY", [0x00, 0, 0, 0, 0, 0]),
        SupportedCommand("REQUEST SENSE", [0x03, 0x01, 0, 0, 0xFF, 0]),
        SupportedCommand("INQUIRY", [0x12, 0x01, 0xFF, 0xFF, 0xFF, 0]),
        SupportedCommand("MODE SELECT (6)", [0x15, 0x11, 0, 0, 0xFF, 0]),
        SupportedCommand("MODE SENSE (6)", [0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0]),
        SupportedCommand("MODE SELECT (10)", [0x55, 0x11, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0]),
        SupportedCommand("MODE SENSE (10)", [0x5A, 0x18, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0]),
        SupportedCommand("EXTENDED COPY (LID1)", [0x83, 0x00] + zeros(8) + ones(4) + [0, 0], serviceAction: 0x00),
        SupportedCommand(
            "RECEIVE COPY STATUS (LID1)",
            [0x84, 0x00, 0xFF] + zeros(7) + ones(4) + [0, 0],
            serviceAction: 0x00
        ),
        SupportedCommand(
            "RECEIVE COPY OPERATING PARAMETERS",
            [0x84, 0x03] + zeros(8) + ones(4) + [0, 0],
            serviceAction: 0x03
        ),
        SupportedCommand("RESERVE (6)", [0x16, 0x01, 0, 0, 0, 0]),
        SupportedCommand("RELEASE (6)", [0x17, 0x01, 0, 0, 0, 0]),
        SupportedCommand("RESERVE (10)", [0x56, 0x13] + zeros(8)),
        SupportedCommand("RELEASE (10)", [0x57, 0x13] + zeros(8)),
        SupportedCommand(
            "PERSISTENT RESERVE IN, READ KEYS",
            [0x5E, 0x00] + zeros(5) + [0xFF, 0xFF, 0],
            serviceAction: 0x00
        ),
        SupportedCommand(
            "PERSISTENT RESERVE IN, READ RESERVATION",
            [0x5E, 0x01] + zeros(5) + [0xFF, 0xFF, 0],
            serviceAction: 0x01
        ),
        SupportedCommand(
            "PERSISTENT RESERVE IN, REPORT CAPABILITIES",
            [0x5E, 0x02] + zeros(5) + [0xFF, 0xFF, 0],
            serviceAction: 0x02
        ),
        SupportedCommand(
            "PERSISTENT RESERVE IN, READ FULL STATUS",
            [0x5E, 0x03] + zeros(5) + [0xFF, 0xFF, 0],
            serviceAction: 0x03
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, REGISTER",
            [0x5F, 0x00, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x00
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, RESERVE",
            [0x5F, 0x01, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x01
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, RELEASE",
            [0x5F, 0x02, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x02
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, CLEAR",
            [0x5F, 0x03, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x03
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, PREEMPT",
            [0x5F, 0x04, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x04
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, PREEMPT AND ABORT",
            [0x5F, 0x05, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x05
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, REGISTER AND IGNORE EXISTING KEY",
            [0x5F, 0x06, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x06
        ),
        SupportedCommand(
            "PERSISTENT RESERVE OUT, REGISTER AND MOVE",
            [0x5F, 0x07, 0xFF, 0, 0] + ones(4) + [0],
            serviceAction: 0x07
        ),
        SupportedCommand("REPORT LUNS", [0xA0, 0, 0xFF, 0, 0, 0] + ones(4) + [0, 0]),
        SupportedCommand(
            "REPORT SUPPORTED OPERATION CODES",
            [0xA3, 0x0C, 0x87] + ones(7) + [0, 0],
            serviceAction: 0x0C
        ),
        SupportedCommand(
            "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS",
            [0xA3, 0x0D, 0x80] + zeros(3) + ones(4) + [0, 0],
            serviceAction: 0x0D
        ),
        // SBC-3
        SupportedCommand("READ (6)", [0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0]),
        SupportedCommand("WRITE (6)", [0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0]),
        SupportedCommand("START STOP UNIT", [0x1B, 0x01, 0, 0x0F, 0xF7, 0]),
        SupportedCommand("READ CAPACITY (10)", [0x25] + zeros(9)),
        SupportedCommand("READ (10)", [0x28, 0x18] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("WRITE (10)", [0x2A, 0x18] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("WRITE AND VERIFY (10)", [0x2E, 0x12] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("VERIFY (10)", [0x2F, 0x16] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("PRE-FETCH (10)", [0x34, 0x02] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("SYNCHRONIZE CACHE (10)", [0x35, 0] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("READ DEFECT DATA (10)", [0x37, 0, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0]),
        SupportedCommand("WRITE SAME (10)", [0x41, 0x08] + ones(4) + [0, 0xFF, 0xFF, 0]),
        SupportedCommand("UNMAP", [0x42, 0x01, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0]),
        SupportedCommand("SANITIZE OVERWRITE", [0x48, 0xA1] + zeros(5) + [0xFF, 0xFF, 0], serviceAction: 0x01),
        SupportedCommand("SANITIZE BLOCK ERASE", [0x48, 0xA2] + zeros(5) + [0xFF, 0xFF, 0], serviceAction: 0x02),
        SupportedCommand(
            "SANITIZE EXIT FAILURE MODE",
            [0x48, 0xBF] + zeros(5) + [0xFF, 0xFF, 0],
            serviceAction: 0x1F
        ),
        SupportedCommand("READ (16)", [0x88, 0x18] + ones(12) + [0, 0]),
        SupportedCommand("COMPARE AND WRITE", [0x89, 0x18] + ones(8) + [0, 0, 0, 0xFF, 0, 0]),
        SupportedCommand("WRITE (16)", [0x8A, 0x18] + ones(12) + [0, 0]),
        SupportedCommand("ORWRITE (16)", [0x8B, 0x18] + ones(12) + [0, 0]),
        SupportedCommand("WRITE AND VERIFY (16)", [0x8E, 0x12] + ones(12) + [0, 0]),
        SupportedCommand("VERIFY (16)", [0x8F, 0x16] + ones(12) + [0, 0]),
        SupportedCommand("PRE-FETCH (16)", [0x90, 0x02] + ones(12) + [0, 0]),
        SupportedCommand("SYNCHRONIZE CACHE (16)", [0x91, 0] + ones(12) + [0, 0]),
        SupportedCommand("WRITE SAME (16)", [0x93, 0x09] + ones(12) + [0, 0]),
        SupportedCommand("WRITE ATOMIC (16)", [0x9C, 0x18] + ones(8) + [0, 0, 0xFF, 0xFF, 0, 0]),
        SupportedCommand("READ CAPACITY (16)", [0x9E, 0x10] + zeros(8) + ones(4) + [0, 0], serviceAction: 0x10),
        SupportedCommand("GET LBA STATUS", [0x9E, 0x12] + ones(12) + [0, 0], serviceAction: 0x12),
        SupportedCommand("READ (12)", [0xA8, 0x18] + ones(8) + [0, 0]),
        SupportedCommand("WRITE (12)", [0xAA, 0x18] + ones(8) + [0, 0]),
        SupportedCommand("WRITE AND VERIFY (12)", [0xAE, 0x12] + ones(8) + [0, 0]),
        SupportedCommand("VERIFY (12)", [0xAF, 0x16] + ones(8) + [0, 0]),
        SupportedCommand("READ DEFECT DATA (12)", [0xB7, 0x1F, 0, 0, 0, 0] + ones(4) + [0, 0]),
    ]

    private static func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }
    private static func ones(_ count: Int) -> [UInt8] { [UInt8](repeating: 0xFF, count: count) }

    /// The rows of each operation code, indexed by operation code.
    private static let rowsByOperationCode: [[SupportedCommand]] = {
        var rows = [[SupportedCommand]](repeating: [], count: 256)
        for command in Self.commands {
            rows[Int(command.operationCode)].append(command)
        }
        return rows
    }()

    /// The rows of `operationCode`: one without a service action, one per service action, or none.
    static func rows(for operationCode: UInt8) -> [SupportedCommand] {
        Self.rowsByOperationCode[Int(operationCode)]
    }

    /// The row `cdb` addresses, or nil when the target does not implement it.
    static func command(for cdb: CDB) -> SupportedCommand? {
        let rows = Self.rows(for: cdb.operationCode)
        guard let first = rows.first else {
            return nil
        }
        guard first.serviceAction != nil else {
            return first
        }
        let serviceAction = UInt16(cdb.serviceAction)
        return rows.first { $0.serviceAction == serviceAction }
    }
}
