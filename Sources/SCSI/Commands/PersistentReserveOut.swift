import NIOCore

/// PERSISTENT RESERVE OUT (SPC-4 §6.16): the CDB.
public struct PersistentReserveOut: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x5F

    /// The SERVICE ACTION field (SPC-4 Table 174).
    public enum ServiceAction: UInt8, Sendable, Hashable, CaseIterable {
        case register = 0x00
        case reserve = 0x01
        case release = 0x02
        case clear = 0x03
        case preempt = 0x04
        case preemptAndAbort = 0x05
        case registerAndIgnoreExistingKey = 0x06
        case registerAndMove = 0x07
    }

    public var serviceAction: ServiceAction
    /// The SCOPE field (0: logical unit, the only scope SPC-4 keeps).
    public var scope: UInt8
    /// The TYPE field, validated by the service actions that use it.
    public var type: UInt8
    public var parameterListLength: UInt32

    /// The scope value of a logical unit reservation.
    static let logicalUnitScope: UInt8 = 0

    /// Decodes the CDB; an unknown service action is INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard let serviceAction = ServiceAction(rawValue: cdb.serviceAction) else {
            throw .invalidFieldInCDB
        }
        self.serviceAction = serviceAction
        self.scope = cdb[2] >> 4
        self.type = cdb[2] & 0x0F
        self.parameterListLength = cdb.uint32(at: 5)
    }

    /// The parameter list length every service action but REGISTER AND MOVE uses (without SPEC_I_PT).
    static let basicParameterListLength = 24

    /// Decodes the parameter list into a request (SPC-4 §6.16.3, §6.16.4).
    ///
    /// A length other than 24 for the basic list is PARAMETER LIST LENGTH ERROR, as is a SPEC_I_PT list shorter
    /// than its TRANSPORTID PARAMETER DATA LENGTH says. SPEC_I_PT with another service action than REGISTER is
    /// INVALID FIELD IN PARAMETER LIST, as are a TransportID that is not an iSCSI one (or does not fill the
    /// TransportID data exactly) and a REGISTER AND MOVE TransportID that names no iSCSI initiator port.
    public func request(parameters: ByteBuffer) throws(SCSICheckCondition) -> PersistentReserveOutRequest {
        let bytes = Array(parameters.readableBytesView)
        guard bytes.count >= Self.basicParameterListLength else {
            throw .illegalRequest(.parameterListLengthError)
        }
        var request = PersistentReserveOutRequest(
            serviceAction: self.serviceAction,
            scope: self.scope,
            type: self.type,
            reservationKey: bytes.bigEndianInteger(at: 0),
            serviceActionKey: bytes.bigEndianInteger(at: 8)
        )
        if self.serviceAction == .registerAndMove {
            request.activatePersistThroughPowerLoss = bytes[17] & 0x01 != 0
            let transportIDLength = Int(bytes.bigEndianInteger(at: 20) as UInt32)
            guard bytes.count >= Self.basicParameterListLength + transportIDLength else {
                throw .illegalRequest(.parameterListLengthError)
            }
            let transportID = bytes[Self.basicParameterListLength..<(Self.basicParameterListLength + transportIDLength)]
            guard let initiatorPortName = ISCSITransportID.initiatorPortName(from: transportID) else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            request.move = PersistentReserveOutRequest.Move(
                destination: NexusIdentifier(
                    initiatorPortName: initiatorPortName,
                    relativeTargetPortID: bytes.bigEndianInteger(at: 18)
                ),
                unregisterSource: bytes[17] & 0x02 != 0
            )
            return request
        }
        if bytes[20] & 0x08 != 0 {  // SPEC_I_PT
            guard self.serviceAction == .register else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            request.specifiedInitiators = try Self.specifiedInitiators(in: bytes)
        } else if bytes.count != Self.basicParameterListLength {
            throw .illegalRequest(.parameterListLengthError)
        }
        request.allTargetPorts = bytes[20] & 0x04 != 0
        request.activatePersistThroughPowerLoss = bytes[20] & 0x01 != 0
        return request
    }

    /// The names the TransportIDs of a SPEC_I_PT parameter list give, in order (SPC-4 §6.16.3): after the basic
    /// list, TRANSPORTID PARAMETER DATA LENGTH and the TransportIDs.
    private static func specifiedInitiators(in bytes: [UInt8]) throws(SCSICheckCondition) -> [String] {
        let start = Self.basicParameterListLength + 4
        guard bytes.count >= start else {
            throw .illegalRequest(.parameterListLengthError)
        }
        let end = start + Int(bytes.bigEndianInteger(at: Self.basicParameterListLength) as UInt32)
        guard bytes.count >= end else {
            throw .illegalRequest(.parameterListLengthError)
        }
        var names: [String] = []
        var offset = start
        while offset < end {
            guard let (name, length) = ISCSITransportID.parse(bytes[offset..<end]) else {
                throw .illegalRequest(.invalidFieldInParameterList)
            }
            names.append(name)
            offset += length
        }
        return names
    }
}

/// One PERSISTENT RESERVE OUT command: its CDB fields and decoded parameter list.
public struct PersistentReserveOutRequest: Sendable, Hashable {
    /// The destination of REGISTER AND MOVE.
    public struct Move: Sendable, Hashable {
        /// The I_T nexus the reservation moves to (TransportID and RELATIVE TARGET PORT IDENTIFIER).
        public var destination: NexusIdentifier
        /// UNREG: unregister the I_T nexus the command came through.
        public var unregisterSource: Bool
    }

    public var serviceAction: PersistentReserveOut.ServiceAction
    public var scope: UInt8
    public var type: UInt8
    public var reservationKey: UInt64
    public var serviceActionKey: UInt64
    /// ALL_TG_PT (REGISTER, REGISTER AND IGNORE EXISTING KEY).
    public var allTargetPorts: Bool = false
    /// APTPL (the REGISTER service actions).
    public var activatePersistThroughPowerLoss: Bool = false
    /// REGISTER AND MOVE only.
    public var move: Move?
    /// SPEC_I_PT (REGISTER only): the initiators the TransportIDs name, registered along with the I_T nexus the
    /// command came through, each through its target port (or every one, with ALL_TG_PT). An initiator port name,
    /// or a bare iSCSI name for every port of an initiator device. Nil when SPEC_I_PT is zero.
    public var specifiedInitiators: [String]?

    public init(
        serviceAction: PersistentReserveOut.ServiceAction,
        scope: UInt8 = 0,
        type: UInt8 = 0,
        reservationKey: UInt64 = 0,
        serviceActionKey: UInt64 = 0,
        allTargetPorts: Bool = false,
        activatePersistThroughPowerLoss: Bool = false,
        move: Move? = nil,
        specifiedInitiators: [String]? = nil
    ) {
        self.serviceAction = serviceAction
        self.scope = scope
        self.type = type
        self.reservationKey = reservationKey
        self.serviceActionKey = serviceActionKey
        self.allTargetPorts = allTargetPorts
        self.activatePersistThroughPowerLoss = activatePersistThroughPowerLoss
        self.move = move
        self.specifiedInitiators = specifiedInitiators
    }
}

extension Array where Element == UInt8 {
    /// The big-endian integer at `index` (the caller checked the bounds).
    func bigEndianInteger<T: FixedWidthInteger>(at index: Int) -> T {
        var value: T = 0
        for offset in 0..<(T.bitWidth / 8) {
            value = value << 8 | T(self[index + offset])
        }
        return value
    }
}
