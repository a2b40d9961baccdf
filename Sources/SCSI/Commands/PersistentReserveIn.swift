/// PERSISTENT RESERVE IN (SPC-4 §6.15): reports registrations, the reservation and the capabilities.
public struct PersistentReserveIn: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x5E

    /// The SERVICE ACTION field (SPC-4 Table 163).
    public enum ServiceAction: UInt8, Sendable, Hashable, CaseIterable {
        case readKeys = 0x00
        case readReservation = 0x01
        case reportCapabilities = 0x02
        case readFullStatus = 0x03
    }

    public var serviceAction: ServiceAction
    public var allocationLength: UInt16

    /// Decodes the CDB; an unknown service action is INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard let serviceAction = ServiceAction(rawValue: cdb.serviceAction) else {
            throw .invalidFieldInCDB
        }
        self.serviceAction = serviceAction
        self.allocationLength = cdb.uint16(at: 7)
    }

    /// The parameter data for `state` (the whole of it; the caller truncates to the allocation length).
    public func data(for state: PersistentReservationState) -> [UInt8] {
        switch self.serviceAction {
        case .readKeys:
            let keys = state.registrations.flatMap(\.key.bigEndianBytes)
            return state.generation.bigEndianBytes + UInt32(keys.count).bigEndianBytes + keys
        case .readReservation:
            guard let reservation = state.reservation else {
                return state.generation.bigEndianBytes + UInt32(0).bigEndianBytes
            }
            return state.generation.bigEndianBytes + UInt32(16).bigEndianBytes + state.reservationKey.bigEndianBytes
                + [0, 0, 0, 0, 0, PersistentReserveOut.logicalUnitScope << 4 | reservation.type.rawValue, 0, 0]
        case .reportCapabilities:
            return Self.capabilities(persistsThroughPowerLoss: state.persistsThroughPowerLoss)
        case .readFullStatus:
            let descriptors = state.registrations.flatMap { Self.fullStatusDescriptor($0, in: state) }
            return state.generation.bigEndianBytes + UInt32(descriptors.count).bigEndianBytes + descriptors
        }
    }

    /// REPORT CAPABILITIES (SPC-4 §6.15.4): CRH (the SPC-4 §5.13.3 exceptions for RESERVE/RELEASE), SIP_C
    /// (SPEC_I_PT), ATP_C (ALL_TG_PT), PTPL_C (APTPL); TMV with every type in the mask; PTPL_A as set.
    static func capabilities(persistsThroughPowerLoss: Bool) -> [UInt8] {
        let compatibleReservationHandling: UInt8 = 0x10
        let specifyInitiatorPortsCapable: UInt8 = 0x08
        let allTargetPortsCapable: UInt8 = 0x04
        let persistThroughPowerLossCapable: UInt8 = 0x01
        let typeMaskValid: UInt8 = 0x80
        return [
            0, 8,
            compatibleReservationHandling | specifyInitiatorPortsCapable | allTargetPortsCapable
                | persistThroughPowerLossCapable,
            typeMaskValid | (persistsThroughPowerLoss ? 0x01 : 0),
            // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX; then EX_AC_AR.
            0x80 | 0x40 | 0x20 | 0x08 | 0x02, 0x01,
            0, 0,
        ]
    }

    /// One READ FULL STATUS descriptor (SPC-4 §6.15.5): key, ALL_TG_PT and R_HOLDER, scope and type when
    /// holding, the relative target port and the initiator's TransportID.
    static func fullStatusDescriptor(
        _ registration: PersistentReservationRegistration,
        in state: PersistentReservationState
    ) -> [UInt8] {
        let holds = state.holds(registration)
        let transportID = ISCSITransportID.bytes(initiatorPortName: registration.nexus.initiatorPortName)
        var descriptor = registration.key.bigEndianBytes + [0, 0, 0, 0]
        descriptor.append((registration.allTargetPorts ? 0x02 : 0) | (holds ? 0x01 : 0))
        descriptor.append(holds ? (state.reservation?.type.rawValue ?? 0) : 0)
        descriptor += [0, 0, 0, 0]
        descriptor += (registration.allTargetPorts ? 0 : registration.nexus.relativeTargetPortID).bigEndianBytes
        descriptor += UInt32(transportID.count).bigEndianBytes + transportID
        return descriptor
    }
}
