/// Conversion between LUN ids (0–16383, as configured in `Malloc0:0`) and the 8-byte SAM LUN field.
///
/// Ids below 256 use peripheral device addressing (byte 1), larger ids flat space addressing (method 01b in
/// bytes 0–1), as SPDK does.
public enum LogicalUnitAddress {
    /// The largest LUN id this addressing supports.
    public static let maximumID: UInt16 = 0x3FFF

    /// The 8-byte LUN field for `id`.
    public static func encode(_ id: UInt16) -> UInt64 {
        if id < 0x100 {
            return UInt64(id) << 48
        }
        return (0x4000 | UInt64(id & Self.maximumID)) << 48
    }

    /// The LUN id a LUN field addresses, or nil for an addressing method or level we do not serve (such LUNs
    /// do not exist: commands to them answer LOGICAL UNIT NOT SUPPORTED).
    public static func decode(_ field: UInt64) -> UInt16? {
        guard field & 0x0000_FFFF_FFFF_FFFF == 0 else {
            return nil
        }
        let method = UInt8(field >> 62)
        let firstLevel = UInt16(truncatingIfNeeded: field >> 48)
        switch method {
        case 0b00:
            // Peripheral device addressing: the bus identifier (byte 0, bits 5–0) must be 0.
            return firstLevel & 0x3F00 == 0 ? firstLevel & 0xFF : nil
        case 0b01:
            return firstLevel & Self.maximumID
        default:
            return nil
        }
    }
}
