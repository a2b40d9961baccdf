/// A login/text key the target understands, described declaratively as in SPDK's key tables
/// (`lib/iscsi/param.c`, see `iscsi-options.md` §2).
public struct LoginKey: Hashable, Sendable {
    /// Whether a key is negotiated per connection or per session.
    public enum Scope: Hashable, Sendable {
        case connection
        case session
    }

    /// How the answer to an offered value is computed.
    public enum Kind: Hashable, Sendable {
        /// The answer is the first initiator value that is in the target's list.
        case list
        /// Yes if either side says Yes.
        case booleanOr
        /// No if either side says No.
        case booleanAnd
        /// The smaller of the two values.
        case numericalMinimum
        /// The larger of the two values.
        case numericalMaximum
        /// A number each side declares for itself; range-checked, never answered.
        case numericalDeclarative
        /// A string each side declares for itself; never answered.
        case declarative
    }

    /// What values an offer may carry.
    public enum AllowedValues: Hashable, Sendable {
        /// Any value.
        case any
        /// One of these (compared case-insensitively).
        case oneOf([String])
        /// A decimal number in this range.
        case range(ClosedRange<UInt32>)
    }

    /// The key as spelled by RFC 7143.
    public var name: String
    /// Connection or session scope.
    public var scope: Scope
    /// The negotiation rule.
    public var kind: Kind
    /// The values an initiator may offer.
    public var allowedValues: AllowedValues
    /// SPDK's table default: the value in force when nobody negotiates the key and the target sets no value.
    public var tableDefault: String
    /// The key is declared by the target only: an initiator's value is ignored.
    public var isTargetDeclared: Bool
    /// The key may be sent more than once in one login (only MaxRecvDataSegmentLength).
    public var mayRepeat: Bool
    /// A discovery session answers `Irrelevant` to this key.
    public var isIrrelevantInDiscovery: Bool

    init(
        _ name: String,
        _ scope: Scope,
        _ kind: Kind,
        _ allowedValues: AllowedValues,
        default tableDefault: String,
        targetDeclared: Bool = false,
        mayRepeat: Bool = false,
        irrelevantInDiscovery: Bool = false
    ) {
        self.name = name
        self.scope = scope
        self.kind = kind
        self.allowedValues = allowedValues
        self.tableDefault = tableDefault
        self.isTargetDeclared = targetDeclared
        self.mayRepeat = mayRepeat
        self.isIrrelevantInDiscovery = irrelevantInDiscovery
    }
}

extension LoginKey {
    /// A session-wide key whose value is negotiated (not declared): leading only, fixed once the session exists.
    var isNegotiatedSessionWide: Bool {
        self.scope == .session && self.kind != .declarative && self.kind != .numericalDeclarative
    }
}

extension LoginKey {
    private static let yesNo = AllowedValues.oneOf(["Yes", "No"])
    private static let segmentLengths = AllowedValues.range(512...16_777_215)

    /// `HeaderDigest`: CRC32C or None on PDU headers.
    public static let headerDigest = LoginKey(
        "HeaderDigest",
        .connection,
        .list,
        .oneOf(["CRC32C", "None"]),
        default: "None"
    )
    /// `DataDigest`: CRC32C or None on data segments.
    public static let dataDigest = LoginKey(
        "DataDigest",
        .connection,
        .list,
        .oneOf(["CRC32C", "None"]),
        default: "None"
    )
    /// `MaxRecvDataSegmentLength`: declared by each side for the PDUs it receives.
    public static let maxRecvDataSegmentLength = LoginKey(
        "MaxRecvDataSegmentLength",
        .connection,
        .numericalDeclarative,
        segmentLengths,
        default: "8192",
        mayRepeat: true
    )
    /// `OFMarker`: output fixed-interval markers (never used).
    public static let ofMarker = LoginKey("OFMarker", .connection, .booleanAnd, yesNo, default: "No")
    /// `IFMarker`: input fixed-interval markers (never used).
    public static let ifMarker = LoginKey("IFMarker", .connection, .booleanAnd, yesNo, default: "No")
    /// `OFMarkInt`: output marker interval.
    public static let ofMarkInt = LoginKey("OFMarkInt", .connection, .numericalMinimum, .range(1...65535), default: "1")
    /// `IFMarkInt`: input marker interval.
    public static let ifMarkInt = LoginKey("IFMarkInt", .connection, .numericalMinimum, .range(1...65535), default: "1")
    /// `AuthMethod`: CHAP or None.
    public static let authMethod = LoginKey(
        "AuthMethod",
        .connection,
        .list,
        .oneOf(["CHAP", "None"]),
        default: "None"
    )
    /// `CHAP_A`: CHAP algorithm (5 = MD5).
    public static let chapA = LoginKey("CHAP_A", .connection, .list, .oneOf(["5"]), default: "5")
    /// `CHAP_N`: CHAP name.
    public static let chapN = LoginKey("CHAP_N", .connection, .declarative, .any, default: "")
    /// `CHAP_R`: CHAP response.
    public static let chapR = LoginKey("CHAP_R", .connection, .declarative, .any, default: "")
    /// `CHAP_I`: CHAP identifier.
    public static let chapI = LoginKey("CHAP_I", .connection, .declarative, .any, default: "")
    /// `CHAP_C`: CHAP challenge.
    public static let chapC = LoginKey("CHAP_C", .connection, .declarative, .any, default: "")

    /// `MaxConnections`: connections per session.
    public static let maxConnections = LoginKey(
        "MaxConnections",
        .session,
        .numericalMinimum,
        .range(1...65535),
        default: "1",
        irrelevantInDiscovery: true
    )
    /// `TargetName`: the target the initiator logs in to.
    public static let targetName = LoginKey("TargetName", .session, .declarative, .any, default: "")
    /// `InitiatorName`: the initiator's iSCSI name.
    public static let initiatorName = LoginKey("InitiatorName", .session, .declarative, .any, default: "")
    /// `TargetAlias`: declared by the target.
    public static let targetAlias = LoginKey(
        "TargetAlias",
        .session,
        .declarative,
        .any,
        default: "",
        targetDeclared: true
    )
    /// `InitiatorAlias`: declared by the initiator.
    public static let initiatorAlias = LoginKey("InitiatorAlias", .session, .declarative, .any, default: "")
    /// `TargetAddress`: declared by the target (redirection, SendTargets).
    public static let targetAddress = LoginKey(
        "TargetAddress",
        .session,
        .declarative,
        .any,
        default: "",
        targetDeclared: true
    )
    /// `TargetPortalGroupTag`: declared by the target.
    public static let targetPortalGroupTag = LoginKey(
        "TargetPortalGroupTag",
        .session,
        .numericalDeclarative,
        .range(1...65535),
        default: "1",
        targetDeclared: true
    )
    /// `InitialR2T`: whether writes must wait for an R2T.
    public static let initialR2T = LoginKey(
        "InitialR2T",
        .session,
        .booleanOr,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    /// `ImmediateData`: whether commands may carry data.
    public static let immediateData = LoginKey(
        "ImmediateData",
        .session,
        .booleanAnd,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    /// `MaxBurstLength`: the largest solicited burst.
    public static let maxBurstLength = LoginKey(
        "MaxBurstLength",
        .session,
        .numericalMinimum,
        segmentLengths,
        default: "262144",
        irrelevantInDiscovery: true
    )
    /// `FirstBurstLength`: the most unsolicited data per command.
    public static let firstBurstLength = LoginKey(
        "FirstBurstLength",
        .session,
        .numericalMinimum,
        segmentLengths,
        default: "65536",
        irrelevantInDiscovery: true
    )
    /// `DefaultTime2Wait`: seconds before reconnecting.
    public static let defaultTime2Wait = LoginKey(
        "DefaultTime2Wait",
        .session,
        .numericalMaximum,
        .range(0...3600),
        default: "2"
    )
    /// `DefaultTime2Retain`: seconds task state is kept after a connection loss.
    public static let defaultTime2Retain = LoginKey(
        "DefaultTime2Retain",
        .session,
        .numericalMinimum,
        .range(0...3600),
        default: "20"
    )
    /// `MaxOutstandingR2T`: R2Ts open per task.
    public static let maxOutstandingR2T = LoginKey(
        "MaxOutstandingR2T",
        .session,
        .numericalMinimum,
        .range(1...65536),
        default: "1",
        irrelevantInDiscovery: true
    )
    /// `DataPDUInOrder`: data PDUs in offset order within a sequence.
    public static let dataPDUInOrder = LoginKey(
        "DataPDUInOrder",
        .session,
        .booleanOr,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    /// `DataSequenceInOrder`: data sequences in offset order.
    public static let dataSequenceInOrder = LoginKey(
        "DataSequenceInOrder",
        .session,
        .booleanOr,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    /// `ErrorRecoveryLevel`: 0, 1 or 2.
    public static let errorRecoveryLevel = LoginKey(
        "ErrorRecoveryLevel",
        .session,
        .numericalMinimum,
        .range(0...2),
        default: "0"
    )
    /// `SessionType`: Normal or Discovery.
    public static let sessionType = LoginKey(
        "SessionType",
        .session,
        .declarative,
        .oneOf(["Normal", "Discovery"]),
        default: "Normal"
    )

    /// Every key the target understands, connection keys first, in SPDK's table order.
    public static let all: [LoginKey] = [
        .headerDigest, .dataDigest, .maxRecvDataSegmentLength, .ofMarker, .ifMarker, .ofMarkInt, .ifMarkInt,
        .authMethod, .chapA, .chapN, .chapR, .chapI, .chapC,
        .maxConnections, .targetName, .initiatorName, .targetAlias, .initiatorAlias, .targetAddress,
        .targetPortalGroupTag, .initialR2T, .immediateData, .maxBurstLength, .firstBurstLength,
        .defaultTime2Wait, .defaultTime2Retain, .maxOutstandingR2T, .dataPDUInOrder, .dataSequenceInOrder,
        .errorRecoveryLevel, .sessionType,
    ]

    private static let byLowercasedName: [String: LoginKey] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name.lowercased(), $0) }
    )

    /// The key with this name, matched case-insensitively as SPDK does; nil for unknown keys.
    public static func named(_ name: String) -> LoginKey? {
        self.byLowercasedName[name.lowercased()]
    }

    /// Whether this is one of the CHAP keys handled by the authenticator rather than the negotiator.
    public var isCHAPKey: Bool {
        self.name.hasPrefix("CHAP_")
    }

}
