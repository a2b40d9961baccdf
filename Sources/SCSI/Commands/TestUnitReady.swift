/// TEST UNIT READY (SPC-4 §6.47): GOOD when the logical unit can accept media-access commands.
public struct TestUnitReady: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x00

    public init(_ cdb: CDB) {}
}
