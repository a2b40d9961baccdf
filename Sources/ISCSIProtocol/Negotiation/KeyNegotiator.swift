/// Why an offer ends the negotiation; the login answers Initiator Error (0x0200), as SPDK does.
public enum NegotiationFailure: Error, Hashable, Sendable {
    /// A key that may be negotiated only once per login was offered again.
    case repeatedKey(String)
    /// A known key was answered with `NotUnderstood`.
    case notUnderstoodValue(key: String)
    /// A numerical key whose value is not a decimal number.
    case invalidNumber(key: String)
    /// A numerical key whose value is outside the key's range.
    case outOfRange(key: String)
    /// A list key with no value the target accepts.
    case noCommonValue(key: String)
}

/// Answers the initiator's `key=value` offers with SPDK's rules (`iscsi-options.md` §2) and keeps the
/// values in force for one login.
///
/// Feed it every complete text of the login in order; it remembers which keys were already negotiated,
/// so a key offered twice fails the login.
public struct KeyNegotiator: Sendable {
    private let sessionType: SessionType
    private let authentication: LoginAuthenticationPolicy
    private let settings: TargetLoginSettings
    /// The value in force for each key, by canonical key name.
    private var values: [String: String]
    /// Canonical names of the keys already negotiated in this login.
    private var negotiatedKeys: Set<String> = []
    /// Whether this login adds a connection to an open session, whose session-wide values are in force.
    private let joinsSession: Bool

    /// Starts a negotiation where the target offers `settings`. A login that adds a connection to an open session
    /// passes the session's parameters as `openSession`: the session-wide (leading only, RFC 7143 §13) keys keep
    /// the values negotiated on the leading connection, and an offer of one is answered with that value.
    public init(
        settings: TargetLoginSettings,
        sessionType: SessionType,
        authentication: LoginAuthenticationPolicy,
        openSession: NegotiatedParameters? = nil
    ) {
        self.sessionType = sessionType
        self.authentication = authentication
        self.settings = settings
        var values = Dictionary(uniqueKeysWithValues: LoginKey.all.map { ($0.name, $0.tableDefault) })
        values[LoginKey.authMethod.name] = authentication.defaultMethod
        values[LoginKey.maxConnections.name] = sessionType == .discovery ? "1" : String(settings.maxConnections)
        values[LoginKey.initialR2T.name] = Self.yesNo(settings.initialR2T)
        values[LoginKey.immediateData.name] = Self.yesNo(settings.immediateData)
        values[LoginKey.maxBurstLength.name] = String(settings.maxBurstLength)
        values[LoginKey.firstBurstLength.name] = String(settings.firstBurstLength)
        values[LoginKey.defaultTime2Wait.name] = String(settings.defaultTime2Wait)
        values[LoginKey.defaultTime2Retain.name] = String(settings.defaultTime2Retain)
        values[LoginKey.maxOutstandingR2T.name] = String(settings.maxOutstandingR2T)
        values[LoginKey.dataPDUInOrder.name] = Self.yesNo(settings.dataPDUInOrder)
        values[LoginKey.dataSequenceInOrder.name] = Self.yesNo(settings.dataSequenceInOrder)
        values[LoginKey.errorRecoveryLevel.name] = String(settings.errorRecoveryLevel)
        if let session = openSession {
            values[LoginKey.maxConnections.name] = String(session.maxConnections)
            values[LoginKey.initialR2T.name] = Self.yesNo(session.initialR2T)
            values[LoginKey.immediateData.name] = Self.yesNo(session.immediateData)
            values[LoginKey.maxBurstLength.name] = String(session.maxBurstLength)
            values[LoginKey.firstBurstLength.name] = String(session.firstBurstLength)
            values[LoginKey.defaultTime2Wait.name] = String(session.defaultTime2Wait)
            values[LoginKey.defaultTime2Retain.name] = String(session.defaultTime2Retain)
            values[LoginKey.maxOutstandingR2T.name] = String(session.maxOutstandingR2T)
            values[LoginKey.dataPDUInOrder.name] = Self.yesNo(session.dataPDUInOrder)
            values[LoginKey.dataSequenceInOrder.name] = Self.yesNo(session.dataSequenceInOrder)
            values[LoginKey.errorRecoveryLevel.name] = String(session.errorRecoveryLevel)
        }
        self.joinsSession = openSession != nil
        self.values = values
    }

    /// The value in force for `key`.
    public func value(of key: LoginKey) -> String {
        self.values[key.name] ?? key.tableDefault
    }

    /// The parameters in force, typed.
    /// Whether the target requires a digest that the login did not turn on: the initiator never offered the
    /// key, so RFC 7143's default (None) would be in force. Such a login must not reach full feature phase.
    public var lacksRequiredDigest: Bool {
        let parameters = self.parameters
        return (self.settings.headerDigestRequired && !parameters.headerDigest)
            || (self.settings.dataDigestRequired && !parameters.dataDigest)
    }

    public var parameters: NegotiatedParameters {
        NegotiatedParameters(
            headerDigest: self.isCRC32C(.headerDigest),
            dataDigest: self.isCRC32C(.dataDigest),
            initiatorMaxRecvDataSegmentLength: min(
                self.number(.maxRecvDataSegmentLength),
                TargetLoginSettings.initiatorMaxRecvDataSegmentLengthCap
            ),
            targetMaxRecvDataSegmentLength: TargetLoginSettings.targetMaxRecvDataSegmentLength,
            maxConnections: self.number(.maxConnections),
            initialR2T: self.isYes(.initialR2T),
            immediateData: self.isYes(.immediateData),
            maxBurstLength: self.number(.maxBurstLength),
            firstBurstLength: self.number(.firstBurstLength),
            defaultTime2Wait: self.number(.defaultTime2Wait),
            defaultTime2Retain: self.number(.defaultTime2Retain),
            maxOutstandingR2T: self.number(.maxOutstandingR2T),
            dataPDUInOrder: self.isYes(.dataPDUInOrder),
            dataSequenceInOrder: self.isYes(.dataSequenceInOrder),
            errorRecoveryLevel: self.number(.errorRecoveryLevel)
        )
    }

    /// Negotiates one complete text and returns the answers, in offer order.
    ///
    /// `CHAP_*` and `SendTargets` are left to their own handlers and get no answer here.
    public mutating func negotiate(
        _ offers: [TextParameter]
    ) throws(NegotiationFailure) -> [TextParameter] {
        var answers: [TextParameter] = []
        let firstBurstOffered = offers.contains { LoginKey.named($0.key) == .firstBurstLength }
        for offer in Self.placingFirstBurstAfterMaxBurst(offers) {
            try self.negotiate(offer, firstBurstOffered: firstBurstOffered, into: &answers)
        }
        return answers
    }

    private mutating func negotiate(
        _ offer: TextParameter,
        firstBurstOffered: Bool,
        into answers: inout [TextParameter]
    ) throws(NegotiationFailure) {
        if offer.key.lowercased() == "sendtargets" {
            return
        }
        guard let key = LoginKey.named(offer.key) else {
            answers.append(TextParameter(key: offer.key, value: "NotUnderstood"))
            return
        }
        if key.isCHAPKey {
            return
        }
        if self.sessionType == .discovery && key.isIrrelevantInDiscovery {
            answers.append(TextParameter(key: key.name, value: "Irrelevant"))
            return
        }
        guard self.negotiatedKeys.insert(key.name).inserted || key.mayRepeat || key.isTargetDeclared else {
            throw .repeatedKey(key.name)
        }
        guard offer.value.lowercased() != "notunderstood" else {
            throw .notUnderstoodValue(key: key.name)
        }
        if self.joinsSession && key.isNegotiatedSessionWide {
            answers.append(TextParameter(key: key.name, value: self.value(of: key)))
            return
        }

        switch key.kind {
        case .declarative:
            if !key.isTargetDeclared {
                self.values[key.name] = offer.value
            }
        case .numericalDeclarative:
            let declared = try Self.number(offer.value, for: key)
            if !key.isTargetDeclared {
                self.values[key.name] = String(declared)
            }
            if key == .maxRecvDataSegmentLength {
                answers.append(
                    TextParameter(key: key.name, value: String(TargetLoginSettings.targetMaxRecvDataSegmentLength))
                )
            }
        case .numericalMinimum, .numericalMaximum:
            let result = try self.negotiateNumber(offer.value, for: key)
            self.values[key.name] = String(result)
            answers.append(TextParameter(key: key.name, value: String(result)))
            if key == .maxBurstLength && !firstBurstOffered {
                answers.append(self.clampingFirstBurstLength(toMaxBurstLength: result))
            }
        case .booleanOr, .booleanAnd:
            guard let offered = Self.boolean(offer.value) else {
                answers.append(TextParameter(key: key.name, value: "Reject"))
                return
            }
            let targetValue = self.isYes(key)
            let result = key.kind == .booleanOr ? offered || targetValue : offered && targetValue
            self.values[key.name] = Self.yesNo(result)
            answers.append(TextParameter(key: key.name, value: Self.yesNo(result)))
        case .list:
            let acceptable = self.acceptableValues(for: key)
            let offered = offer.value.split(separator: ",").map { $0.lowercased() }
            guard
                let choice = offered.lazy.compactMap({ value in acceptable.first { $0.lowercased() == value } }).first
            else {
                throw .noCommonValue(key: key.name)
            }
            self.values[key.name] = choice
            answers.append(TextParameter(key: key.name, value: choice))
        }
    }

    /// MIN/MAX negotiation. FirstBurstLength is first clamped to the MaxBurstLength in force, as SPDK does.
    private func negotiateNumber(_ value: String, for key: LoginKey) throws(NegotiationFailure) -> UInt32 {
        var offered = try Self.parseNumber(value, for: key)
        if key == .firstBurstLength && offered < Self.firstBurstClampLimit {
            offered = min(offered, self.number(.maxBurstLength))
        }
        try Self.checkRange(offered, for: key)
        let targetValue = self.number(key)
        return key.kind == .numericalMinimum ? min(offered, targetValue) : max(offered, targetValue)
    }

    /// SPDK lowers an offered FirstBurstLength to MaxBurstLength only below this value (its maximum).
    private static let firstBurstClampLimit: UInt32 = 16_777_215

    /// SPDK appends `FirstBurstLength` after a MaxBurstLength answer when the initiator did not offer it,
    /// lowering it to the new MaxBurstLength if needed.
    private mutating func clampingFirstBurstLength(toMaxBurstLength maxBurstLength: UInt32) -> TextParameter {
        let firstBurstLength = min(self.number(.firstBurstLength), maxBurstLength)
        self.values[LoginKey.firstBurstLength.name] = String(firstBurstLength)
        return TextParameter(key: LoginKey.firstBurstLength.name, value: String(firstBurstLength))
    }

    private func acceptableValues(for key: LoginKey) -> [String] {
        switch key {
        case .headerDigest where self.settings.headerDigestRequired,
            .dataDigest where self.settings.dataDigestRequired:
            return ["CRC32C"]
        case .authMethod:
            return self.authentication.acceptableMethods
        default:
            guard case .oneOf(let values) = key.allowedValues else { return [] }
            return values
        }
    }

    /// SPDK negotiates FirstBurstLength after MaxBurstLength when both are offered, whatever their order.
    private static func placingFirstBurstAfterMaxBurst(_ offers: [TextParameter]) -> [TextParameter] {
        let isMaxBurst = { (offer: TextParameter) in LoginKey.named(offer.key) == .maxBurstLength }
        let isFirstBurst = { (offer: TextParameter) in LoginKey.named(offer.key) == .firstBurstLength }
        guard offers.contains(where: isMaxBurst), let index = offers.firstIndex(where: isFirstBurst) else {
            return offers
        }
        var reordered = offers
        reordered.append(reordered.remove(at: index))
        return reordered
    }

    private func number(_ key: LoginKey) -> UInt32 {
        UInt32(self.value(of: key)) ?? UInt32(key.tableDefault) ?? 0
    }

    private func isYes(_ key: LoginKey) -> Bool {
        self.value(of: key).lowercased() == "yes"
    }

    private func isCRC32C(_ key: LoginKey) -> Bool {
        self.value(of: key).lowercased() == "crc32c"
    }

    private static func parseNumber(
        _ value: String,
        for key: LoginKey
    ) throws(NegotiationFailure) -> UInt32 {
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .invalidNumber(key: key.name)
        }
        guard let number = UInt32(value) else {
            throw .outOfRange(key: key.name)
        }
        return number
    }

    private static func number(_ value: String, for key: LoginKey) throws(NegotiationFailure) -> UInt32 {
        let number = try Self.parseNumber(value, for: key)
        try Self.checkRange(number, for: key)
        return number
    }

    private static func checkRange(_ number: UInt32, for key: LoginKey) throws(NegotiationFailure) {
        if case .range(let range) = key.allowedValues, !range.contains(number) {
            throw .outOfRange(key: key.name)
        }
    }

    private static func boolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "yes": true
        case "no": false
        default: nil
        }
    }

    private static func yesNo(_ value: Bool) -> String {
        value ? "Yes" : "No"
    }
}
