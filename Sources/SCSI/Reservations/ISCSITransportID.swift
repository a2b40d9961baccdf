/// The iSCSI TransportID (SPC-4 §7.6.4.6): how PERSISTENT RESERVE commands name an initiator port.
enum ISCSITransportID {
    /// PROTOCOL IDENTIFIER of iSCSI.
    static let protocolIdentifier: UInt8 = 0x5
    /// FORMAT CODE 01b: an initiator port (name, `,i,0x`, ISID).
    static let initiatorPortFormat: UInt8 = 0x40

    /// The TransportID naming `initiatorPortName` (format 01b): header, the name NUL-terminated and padded to a
    /// multiple of four bytes (at least 20).
    static func bytes(initiatorPortName: String) -> [UInt8] {
        var name = Array(initiatorPortName.utf8) + [0]
        name += [UInt8](repeating: 0, count: (4 - name.count % 4) % 4)
        if name.count < 20 {
            name += [UInt8](repeating: 0, count: 20 - name.count)
        }
        return [Self.initiatorPortFormat | Self.protocolIdentifier, 0] + UInt16(name.count).bigEndianBytes + name
    }

    /// The initiator port name a TransportID names, or nil when it is not an iSCSI initiator port TransportID
    /// (wrong protocol or format, missing terminator, or a name without `,i,0x`).
    static func initiatorPortName(from bytes: ArraySlice<UInt8>) -> String? {
        let bytes = Array(bytes)
        guard bytes.count >= 4,
            bytes[0] == Self.initiatorPortFormat | Self.protocolIdentifier,
            case let length = Int(bytes[2]) << 8 | Int(bytes[3]),
            bytes.count >= 4 + length,
            let end = bytes[4..<(4 + length)].firstIndex(of: 0)
        else {
            return nil
        }
        let name = Array(bytes[4..<end])
        // The separator is case-insensitive (",i,0x" or ",I,0X"): normalise it and the ISID to how logins name
        // ports.
        let separator = Array(",i,0x".utf8)
        let lowercased = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        guard name.count > separator.count,
            let start = (0...(name.count - separator.count)).last(where: {
                Array(lowercased[$0..<($0 + separator.count)]) == separator
            })
        else {
            return nil
        }
        return String(decoding: name[..<start] + lowercased[start...], as: UTF8.self)
    }
}
