/// Names one I_T nexus: an initiator port reaching a logical unit through one target port.
///
/// Reservations and unit attentions are kept per I_T nexus (SPC-4 §5.13, SAM-5 §5.14). For iSCSI the initiator
/// port name is `<initiator IQN>,i,0x<ISID>` and the target port is the portal group (its relative port id).
public struct NexusIdentifier: Sendable, Hashable, Comparable {
    /// The initiator port name, `<initiator name>,i,0x<ISID in hex>`.
    public var initiatorPortName: String
    /// The relative target port identifier (the portal group tag).
    public var relativeTargetPortID: UInt16

    public init(initiatorPortName: String, relativeTargetPortID: UInt16) {
        self.initiatorPortName = initiatorPortName
        self.relativeTargetPortID = relativeTargetPortID
    }

    /// Whether this names every port of an initiator device rather than one port: a registration made through a
    /// format 00b TransportID, whose initiator port name is the bare iSCSI name (iSCSI names contain no comma).
    var namesInitiatorDevice: Bool {
        !self.initiatorPortName.utf8.contains(UInt8(ascii: ","))
    }

    /// The iSCSI name of the initiator: the initiator port name up to `,i,0x`.
    var initiatorName: Substring {
        self.initiatorPortName.prefix { $0 != "," }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.initiatorPortName, lhs.relativeTargetPortID) < (rhs.initiatorPortName, rhs.relativeTargetPortID)
    }
}
