/// A SCSI target port: one portal group of a target node, the port an initiator reaches the LUNs through.
///
/// Reported in VPD page 0x83 (port name and relative port designators) and page 0x88.
public struct SCSITargetPort: Sendable, Hashable {
    /// The SCSI port name, `<target IQN>,t,0x<portal group tag, 4 hex digits>`.
    public var name: String
    /// The relative target port identifier: the portal group tag.
    public var relativeID: UInt16

    public init(name: String, relativeID: UInt16) {
        self.name = name
        self.relativeID = relativeID
    }

    /// The port of `targetName` reached through portal group `portalGroupTag`, named as SPDK names it.
    public init(targetName: String, portalGroupTag: UInt16) {
        let hex = String(portalGroupTag, radix: 16)
        self.init(
            name: "\(targetName),t,0x\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)",
            relativeID: portalGroupTag
        )
    }
}
