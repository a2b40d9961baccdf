/// The state the target keeps for one I_T nexus (an initiator port logged in through a target port): which
/// port the commands arrive through, and which unit attentions the initiator has already been told about.
///
/// Owned by the session and mutated only on its event loop, so it needs no lock; pass it `inout` to
/// ``SCSIDevice/prepare(_:nexus:)`` and ``SCSIDevice/execute(_:dataOut:dataIn:nexus:)``.
public struct SCSINexus: Sendable {
    /// The target port the initiator logged in through.
    public let targetPort: SCSITargetPort
    /// The initiator port name (`<initiator IQN>,i,0x<ISID>`), for reservations.
    public let initiatorPortName: String
    /// For each logical unit seen so far, the capacity generation the initiator last knew.
    private var knownCapacityGenerations: [ObjectIdentifier: UInt64] = [:]
    /// The LUN map generation the initiator last knew (``SCSIDevice/lunMapGeneration``); nil before its first command.
    private var knownLUNMapGeneration: UInt64?

    public init(targetPort: SCSITargetPort, initiatorPortName: String) {
        self.targetPort = targetPort
        self.initiatorPortName = initiatorPortName
    }

    /// Records the first contact with `logicalUnit` (by a command that does not report unit attentions), so that
    /// a resize after it is reported.
    mutating func noteContact(with logicalUnit: LogicalUnit) {
        let key = ObjectIdentifier(logicalUnit)
        if self.knownCapacityGenerations[key] == nil {
            self.knownCapacityGenerations[key] = logicalUnit.capacityGeneration
        }
    }

    /// The pending unit attention for `logicalUnit`, consumed: CAPACITY DATA HAS CHANGED once after each
    /// resize the initiator has not yet been told about. The first contact with a logical unit reports nothing.
    mutating func takeUnitAttention(for logicalUnit: LogicalUnit) -> SenseData? {
        let current = logicalUnit.capacityGeneration
        let key = ObjectIdentifier(logicalUnit)
        guard let known = self.knownCapacityGenerations.updateValue(current, forKey: key), known != current else {
            return nil
        }
        return SenseData(key: .unitAttention, code: .capacityDataHasChanged)
    }

    /// Records that the initiator learnt LUN map `generation` through REPORT LUNS, which clears a pending REPORTED
    /// LUNS DATA HAS CHANGED (SPC-4 §6.33).
    mutating func noteLUNMap(_ generation: UInt64) {
        self.knownLUNMapGeneration = generation
    }

    /// REPORTED LUNS DATA HAS CHANGED, consumed, when the device's LUN map changed (a LUN added or hot-removed)
    /// since the initiator last knew it. The first command through the nexus reports nothing.
    mutating func takeLUNMapChange(current generation: UInt64) -> SenseData? {
        guard let known = self.knownLUNMapGeneration, known != generation else {
            self.knownLUNMapGeneration = generation
            return nil
        }
        self.knownLUNMapGeneration = generation
        return SenseData(key: .unitAttention, code: .reportedLUNsDataHasChanged)
    }
}
