/// REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35): service action 0x0C of MAINTENANCE IN (0xA3). Reports the
/// rows of ``SCSICommandTable``: all of them, or one command with its CDB usage data.
public struct ReportSupportedOperationCodes: Sendable, Hashable {
    public static let operationCode: UInt8 = 0xA3
    public static let serviceAction: UInt8 = 0x0C

    /// What the initiator asks for (REPORTING OPTIONS).
    public enum ReportingOptions: UInt8, Sendable, Hashable {
        /// Every supported command.
        case all = 0b000
        /// One operation code without service actions.
        case operationCode = 0b001
        /// One operation code and service action.
        case operationCodeAndServiceAction = 0b010
        /// One operation code, with its service action when it has service actions.
        case operationCodeAndOptionalServiceAction = 0b011
    }

    /// Return command timeouts descriptors (RCTD).
    public var returnTimeouts: Bool
    public var reportingOptions: ReportingOptions
    public var requestedOperationCode: UInt8
    public var requestedServiceAction: UInt16
    public var allocationLength: UInt32

    /// Decodes the CDB. An unknown REPORTING OPTIONS value, or asking for one command by operation code alone
    /// when it has service actions, or by service action when it has none, is INVALID FIELD IN CDB, with a field
    /// pointer to REPORTING OPTIONS (which tells an initiator the command itself is implemented).
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard let options = ReportingOptions(rawValue: cdb[2] & 0x07) else {
            throw Self.invalidReportingOptions
        }
        self.returnTimeouts = cdb[2] & 0x80 != 0
        self.reportingOptions = options
        self.requestedOperationCode = cdb[3]
        self.requestedServiceAction = cdb.uint16(at: 4)
        self.allocationLength = cdb.uint32(at: 6)

        let rows = SCSICommandTable.rows(for: self.requestedOperationCode)
        let hasServiceActions = rows.first?.serviceAction != nil
        switch options {
        case .operationCode where hasServiceActions:
            throw Self.invalidReportingOptions
        case .operationCodeAndServiceAction where !rows.isEmpty && !hasServiceActions:
            throw Self.invalidReportingOptions
        default:
            break
        }
    }

    /// INVALID FIELD IN CDB pointing at REPORTING OPTIONS (byte 2, bits 2–0).
    private static let invalidReportingOptions = SCSICheckCondition(
        SenseData(
            key: .illegalRequest,
            code: .invalidFieldInCDB,
            fieldPointer: .init(isInCDB: true, byte: 2, bit: 2)
        )
    )

    /// The parameter data: every command's descriptor, or the one command asked for.
    func data() -> [UInt8] {
        switch self.reportingOptions {
        case .all:
            var descriptors: [UInt8] = []
            for command in SCSICommandTable.commands {
                descriptors += self.allCommandsDescriptor(command)
            }
            return UInt32(descriptors.count).bigEndianBytes + descriptors
        case .operationCode, .operationCodeAndServiceAction, .operationCodeAndOptionalServiceAction:
            let rows = SCSICommandTable.rows(for: self.requestedOperationCode)
            if rows.first?.serviceAction != nil {
                return self.oneCommandData(rows.first { $0.serviceAction == self.requestedServiceAction })
            }
            return self.oneCommandData(rows.first)
        }
    }

    /// The 8-byte command descriptor of the all-commands format, and its timeouts descriptor with RCTD.
    private func allCommandsDescriptor(_ command: SupportedCommand) -> [UInt8] {
        let flags: UInt8 = (self.returnTimeouts ? 0x02 : 0) | (command.serviceAction == nil ? 0 : 0x01)
        var descriptor = [command.operationCode, 0] + (command.serviceAction ?? 0).bigEndianBytes
        descriptor += [0, flags] + UInt16(command.usage.count).bigEndianBytes
        if self.returnTimeouts {
            descriptor += Self.timeoutsDescriptor
        }
        return descriptor
    }

    /// The one-command format: SUPPORT 011b (supported as the standard says) with the CDB usage data, or 001b
    /// (not supported) with none.
    private func oneCommandData(_ command: SupportedCommand?) -> [UInt8] {
        guard let command else {
            return [0, 0b001, 0, 0]
        }
        let flags: UInt8 = (self.returnTimeouts ? 0x80 : 0) | 0b011
        var data = [0, flags] + UInt16(command.usage.count).bigEndianBytes + command.usage
        if self.returnTimeouts {
            data += Self.timeoutsDescriptor
        }
        return data
    }

    /// A command timeouts descriptor (SPC-4 §6.35.4): length 0x0A, no nominal or recommended timeout given.
    private static let timeoutsDescriptor: [UInt8] = [0x00, 0x0A] + [UInt8](repeating: 0, count: 10)
}

/// REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-4 §6.36): service action 0x0D of MAINTENANCE IN (0xA3).
public struct ReportSupportedTaskManagementFunctions: Sendable, Hashable {
    public static let operationCode: UInt8 = 0xA3
    public static let serviceAction: UInt8 = 0x0D

    /// The task management functions the transport answers, as the first two bytes of the parameter data.
    public struct Functions: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16

        public init(rawValue: UInt16) {
            self.rawValue = rawValue
        }

        public static let abortTask = Functions(rawValue: 0x8000)
        public static let abortTaskSet = Functions(rawValue: 0x4000)
        public static let clearACA = Functions(rawValue: 0x2000)
        public static let clearTaskSet = Functions(rawValue: 0x1000)
        public static let logicalUnitReset = Functions(rawValue: 0x0800)
        public static let queryTask = Functions(rawValue: 0x0400)
        public static let targetReset = Functions(rawValue: 0x0200)
        public static let wakeup = Functions(rawValue: 0x0100)
        public static let queryUnitAttention = Functions(rawValue: 0x0004)
        public static let queryTaskSet = Functions(rawValue: 0x0002)
        public static let iTNexusReset = Functions(rawValue: 0x0001)
    }

    /// What the iSCSI connection implements today (its Task Management Function Request handler).
    public static let supported: Functions = [
        .abortTask, .abortTaskSet, .clearTaskSet, .logicalUnitReset, .queryTask, .targetReset, .queryTaskSet,
    ]

    /// Return extended parameter data (REPD): 16 bytes instead of 4.
    public var returnExtendedData: Bool
    public var allocationLength: UInt32

    public init(_ cdb: CDB) {
        self.returnExtendedData = cdb[2] & 0x80 != 0
        self.allocationLength = cdb.uint32(at: 6)
    }

    func data() -> [UInt8] {
        let functions = Self.supported.rawValue.bigEndianBytes
        guard self.returnExtendedData else {
            return functions + [0, 0]
        }
        return functions + [0, 0x0C] + [UInt8](repeating: 0, count: 12)
    }
}
