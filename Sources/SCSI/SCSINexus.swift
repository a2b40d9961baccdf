/// The state the target keeps for one I_T nexus (an initiator port logged in through a target port): which
/// port the commands arrive through, and how far it has looked at each logical unit's unit attentions.
///
/// Owned by the session and mutated only on its event loop, so it needs no lock; pass it `inout` to
/// ``SCSIDevice/prepare(_:nexus:)`` and ``SCSIDevice/execute(_:dataOut:dataIn:nexus:)``.
public struct SCSINexus: Sendable {
    /// The target port the initiator logged in through.
    public let targetPort: SCSITargetPort
    /// The initiator port name (`<initiator IQN>,i,0x<ISID>`), for reservations.
    public let initiatorPortName: String
    /// The identifier of this I_T nexus, the key of its reservations and unit attentions.
    public let identifier: NexusIdentifier
    /// For each logical unit seen so far, its unit attention generation when this nexus last found nothing
    /// pending there (``mustLookAgain`` when conditions were left pending).
    private var checkedAttentionGenerations: [ObjectIdentifier: UInt64] = [:]

    private static let mustLookAgain = UInt64.max
    /// The EXTENDED COPY results held for RECEIVE COPY RESULTS.
    var heldCopyResults = HeldCopyResults()

    public init(targetPort: SCSITargetPort, initiatorPortName: String) {
        self.targetPort = targetPort
        self.initiatorPortName = initiatorPortName
        self.identifier = NexusIdentifier(
            initiatorPortName: initiatorPortName,
            relativeTargetPortID: targetPort.relativeID
        )
    }

    /// Records the first contact with `logicalUnit` (by a command that does not report unit attentions), so that
    /// conditions established after it reach this nexus.
    mutating func noteContact(with logicalUnit: LogicalUnit) {
        let key = ObjectIdentifier(logicalUnit)
        if self.checkedAttentionGenerations[key] == nil {
            self.checkedAttentionGenerations[key] = logicalUnit.currentUnitAttentionGeneration
            logicalUnit.noteContact(self.identifier)
        }
    }

    /// The highest priority unit attention pending for this nexus at `logicalUnit`, consumed. One atomic load
    /// when nothing changed since the last look.
    mutating func takeUnitAttention(for logicalUnit: LogicalUnit) -> SenseData? {
        let generation = logicalUnit.currentUnitAttentionGeneration
        let key = ObjectIdentifier(logicalUnit)
        if self.checkedAttentionGenerations[key] == generation {
            return nil
        }
        let taken = logicalUnit.takeUnitAttention(for: self.identifier)
        self.checkedAttentionGenerations[key] = taken.morePending ? Self.mustLookAgain : generation
        return taken.code.map { SenseData(key: .unitAttention, code: $0) }
    }

    /// Forgets a pending `code` for this nexus at `logicalUnit` (REPORT LUNS clears REPORTED LUNS DATA HAS
    /// CHANGED, SPC-4 §6.33).
    func clearUnitAttention(_ code: AdditionalSenseCode, at logicalUnit: LogicalUnit) {
        guard
            self.checkedAttentionGenerations[ObjectIdentifier(logicalUnit)]
                != logicalUnit.currentUnitAttentionGeneration
        else {
            return
        }
        logicalUnit.clearUnitAttention(code, for: self.identifier)
    }
}
