/// A login stage, as carried in the CSG and NSG fields of Login PDUs (RFC 7143 §11.12.3).
public enum LoginStage: UInt8, Hashable, Sendable {
    /// Security negotiation (authentication).
    case securityNegotiation = 0
    /// Operational parameter negotiation.
    case operationalNegotiation = 1
    /// Full feature phase: login is complete.
    case fullFeaturePhase = 3
}
