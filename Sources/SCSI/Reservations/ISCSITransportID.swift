/// The iSCSI TransportID (SPC-4 §7.6.4.6): how PERSISTENT RESERVE commands name an initiator.
///
/// Format 00b names an initiator device by its iSCSI name; format 01b names one initiator port, the name followed
/// by `,i,0x` and the ISID. Registrations keep either as ``NexusIdentifier/initiatorPortName``: a name without
/// `,i,0x` stands for every port of the device.
enum ISCSITransportID {
    /// PROTOCOL IDENTIFIER of iSCSI.
    static let protocolIdentifier: UInt8 = 0x5
    /// FORMAT CODE 00b: an initiator device (its iSCSI name).
    static let initiatorDeviceFormat: UInt8 = 0x00
    /// FORMAT CODE 01b: an initiator port (name, `,i,0x`, ISID).
    static let initiatorPortFormat: UInt8 = 0x40
    /// The separator between an initiator port's iSCSI name and its ISID.
    static let separator = Array(",i,0x".utf8)

    /// The TransportID naming `initiatorPortName` (format 01b, or 00b for a bare iSCSI name): header, the name
    /// NUL-terminated and padded to a multiple of four bytes (at least 20).
    static func bytes(initiatorPortName: String) -> [UInt8] {
        var name = Array(initiatorPortName.utf8) + [0]
        name += [UInt8](repeating: 0, count: (4 - name.count % 4) % 4)
        if name.count < 20 {
            name += [UInt8](repeating: 0, count: 20 - name.count)
        }
        let format =
            Self.separatorStart(in: Array(initiatorPortName.utf8)) == nil
            ? Self.initiatorDeviceFormat : Self.initiatorPortFormat
        return [format | Self.protocolIdentifier, 0] + UInt16(name.count).bigEndianBytes + name
    }

    /// The initiator port name a format 01b TransportID names, or nil when it is not an iSCSI initiator port
    /// TransportID (wrong protocol or format, missing terminator, or a name without `,i,0x`).
    static func initiatorPortName(from bytes: ArraySlice<UInt8>) -> String? {
        guard let (name, _) = Self.parse(bytes), Self.separatorStart(in: Array(name.utf8)) != nil else {
            return nil
        }
        return name
    }

    /// Decodes the TransportID at the start of `bytes`: the name it gives (an initiator port name for format 01b,
    /// the iSCSI name for format 00b) and its length in bytes. Nil when it is not a valid iSCSI TransportID:
    /// another protocol or format, a length beyond `bytes`, no NUL terminator, an empty name, or a format 01b name
    /// without `,i,0x` and an ISID.
    static func parse(_ bytes: ArraySlice<UInt8>) -> (name: String, length: Int)? {
        let bytes = Array(bytes)
        guard bytes.count >= 4, bytes[0] & 0x0F == Self.protocolIdentifier else {
            return nil
        }
        let format = bytes[0] & 0xC0
        let length = 4 + (Int(bytes[2]) << 8 | Int(bytes[3]))
        guard format == Self.initiatorDeviceFormat || format == Self.initiatorPortFormat,
            bytes.count >= length,
            let end = bytes[4..<length].firstIndex(of: 0), end > 4
        else {
            return nil
        }
        let name = Array(bytes[4..<end])
        guard format == Self.initiatorPortFormat else {
            return Self.separatorStart(in: name) == nil ? (String(decoding: name, as: UTF8.self), length) : nil
        }
        guard let start = Self.separatorStart(in: name), start > 0, name.count > start + Self.separator.count else {
            return nil
        }
        // The separator is case-insensitive (",i,0x" or ",I,0X"): normalise it and the ISID to how logins name
        // ports.
        let suffix = name[start...].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return (String(decoding: name[..<start] + suffix, as: UTF8.self), length)
    }

    /// Where the last `,i,0x` (in any case) starts in `name`, if anywhere.
    static func separatorStart(in name: [UInt8]) -> Int? {
        guard name.count >= Self.separator.count else {
            return nil
        }
        let lowercased = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return (0...(name.count - Self.separator.count)).last {
            Array(lowercased[$0..<($0 + Self.separator.count)]) == Self.separator
        }
    }
}
