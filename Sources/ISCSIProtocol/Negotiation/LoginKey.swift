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
    private static let yesNo = AllowedValues.oneOf(["Yes", "No"])
    private static let segmentLengths = AllowedValues.range(512...16_777_215)

    public static let headerDigest = LoginKey(
        "HeaderDigest",
        .connection,
        .list,
        .oneOf(["CRC32C", "None"]),
        default: "None"
    )
    public static let dataDigest = LoginKey(
        "DataDigest",
        .connection,
        .list,
        .oneOf(["CRC32C", "None"]),
        default: "None"
    )
    public static let maxRecvDataSegmentLength = LoginKey(
        "MaxRecvDataSegmentLength",
        .connection,
        .numericalDeclarative,
        segmentLengths,
        default: "8192",
        mayRepeat: true
    )
    public static let ofMarker = LoginKey("OFMarker", .connection, .booleanAnd, yesNo, default: "No")
    public static let ifMarker = LoginKey("IFMarker", .connection, .booleanAnd, yesNo, default: "No")
    public static let ofMarkInt = LoginKey("OFMarkInt", .connection, .numericalMinimum, .range(1...65535), default: "1")
    public static let ifMarkInt = LoginKey("IFMarkInt", .connection, .numericalMinimum, .range(1...65535), default: "1")
    public static let authMethod = LoginKey(
        "AuthMethod",
        .connection,
        .list,
        .oneOf(["CHAP", "None"]),
        default: "None"
    )
    public static let chapA = LoginKey("CHAP_A", .connection, .list, .oneOf(["5"]), default: "5")
    public static let chapN = LoginKey("CHAP_N", .connection, .declarative, .any, default: "")
    public static let chapR = LoginKey("CHAP_R", .connection, .declarative, .any, default: "")
    public static let chapI = LoginKey("CHAP_I", .connection, .declarative, .any, default: "")
    public static let chapC = LoginKey("CHAP_C", .connection, .declarative, .any, default: "")

    public static let maxConnections = LoginKey(
        "MaxConnections",
        .session,
        .numericalMinimum,
        .range(1...65535),
        default: "1",
        irrelevantInDiscovery: true
    )
    public static let targetName = LoginKey("TargetName", .session, .declarative, .any, default: "")
    public static let initiatorName = LoginKey("InitiatorName", .session, .declarative, .any, default: "")
    public static let targetAlias = LoginKey(
        "TargetAlias",
        .session,
        .declarative,
        .any,
        default: "",
        targetDeclared: true
    )
    public static let initiatorAlias = LoginKey("InitiatorAlias", .session, .declarative, .any, default: "")
    public static let targetAddress = LoginKey(
        "TargetAddress",
        .session,
        .declarative,
        .any,
        default: "",
        targetDeclared: true
    )
    public static let targetPortalGroupTag = LoginKey(
        "TargetPortalGroupTag",
        .session,
        .numericalDeclarative,
        .range(1...65535),
        default: "1",
        targetDeclared: true
    )
    public static let initialR2T = LoginKey(
        "InitialR2T",
        .session,
        .booleanOr,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    public static let immediateData = LoginKey(
        "ImmediateData",
        .session,
        .booleanAnd,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    public static let maxBurstLength = LoginKey(
        "MaxBurstLength",
        .session,
        .numericalMinimum,
        segmentLengths,
        default: "262144",
        irrelevantInDiscovery: true
    )
    public static let firstBurstLength = LoginKey(
        "FirstBurstLength",
        .session,
        .numericalMinimum,
        segmentLengths,
        default: "65536",
        irrelevantInDiscovery: true
    )
    public static let defaultTime2Wait = LoginKey(
        "DefaultTime2Wait",
        .session,
        .numericalMaximum,
        .range(0...3600),
        default: "2"
    )
    public static let defaultTime2Retain = LoginKey(
        "DefaultTime2Retain",
        .session,
        .numericalMinimum,
        .range(0...3600),
        default: "20"
    )
    public static let maxOutstandingR2T = LoginKey(
        "MaxOutstandingR2T",
        .session,
        .numericalMinimum,
        .range(1...65536),
        default: "1",
        irrelevantInDiscovery: true
    )
    public static let dataPDUInOrder = LoginKey(
        "DataPDUInOrder",
        .session,
        .booleanOr,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    public static let dataSequenceInOrder = LoginKey(
        "DataSequenceInOrder",
        .session,
        .booleanOr,
        yesNo,
        default: "Yes",
        irrelevantInDiscovery: true
    )
    public static let errorRecoveryLevel = LoginKey(
        "ErrorRecoveryLevel",
        .session,
        .numericalMinimum,
        .range(0...2),
        default: "0"
    )
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
