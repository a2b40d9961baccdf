import ISCSIProtocol

/// What must hold for every action of one login, whatever the initiator sends; a violation traps,
/// which libFuzzer reports as a crash.
struct LoginInvariants {
    private let grant: LoginFuzzGrant
    /// Whether the login has ended, by failure or by entering full feature phase.
    private var hasEnded = false

    init(grant: LoginFuzzGrant) {
        self.grant = grant
    }

    mutating func check(_ action: LoginAction) {
        switch action {
        case .sendResponse(let response):
            precondition(!self.hasEnded, "a login answered after it ended")
            precondition(response.status.isSuccess, "a non-final response carries a failure status")
            Self.checkStages(of: response)
            Self.checkKeys(response.keys)
        case .resolveSession:
            preconditionFailure("the machine asked to resolve the session twice")
        case .sendFailure(let response):
            precondition(!response.status.isSuccess, "a failure response carries status 0")
            self.hasEnded = true
        case .enterFullFeature(let response, let parameters):
            precondition(!self.hasEnded, "a login entered full feature phase after it ended")
            // The input never learns the CHAP secret or sees the random challenge, so it cannot authenticate.
            precondition(
                self.grant.authentication != .required,
                "full feature phase reached without authentication where CHAP is required"
            )
            precondition(response.transit && response.nextStage == .fullFeaturePhase, "bad final response stages")
            Self.checkKeys(response.keys)
            Self.checkParameters(parameters)
            self.hasEnded = true
        }
    }

    /// A transit goes forward, never to the same or an earlier stage.
    private static func checkStages(of response: LoginResponse) {
        precondition(response.currentStage != .fullFeaturePhase, "a response claims CSG full feature phase")
        if response.transit {
            precondition(response.nextStage.rawValue > response.currentStage.rawValue, "a transit goes backwards")
        }
    }

    /// Answers are valid text: they parse back to the same pairs.
    private static func checkKeys(_ keys: [TextParameter]) {
        for key in keys {
            precondition(!key.key.isEmpty && key.key.utf8.count <= TextParameter.maximumKeyLength, "bad answer key")
            precondition(!key.key.utf8.contains(0) && !key.value.utf8.contains(0), "an answer contains a NUL")
        }
    }

    /// Negotiated values stay inside the ranges RFC 7143 §13 allows.
    private static func checkParameters(_ parameters: NegotiatedParameters) {
        precondition(
            (512...TargetLoginSettings.initiatorMaxRecvDataSegmentLengthCap)
                .contains(parameters.initiatorMaxRecvDataSegmentLength),
            "MaxRecvDataSegmentLength out of range: \(parameters.initiatorMaxRecvDataSegmentLength)"
        )
        precondition((1...65535).contains(parameters.maxConnections), "MaxConnections out of range")
        precondition((512...16_777_215).contains(parameters.maxBurstLength), "MaxBurstLength out of range")
        precondition((512...16_777_215).contains(parameters.firstBurstLength), "FirstBurstLength out of range")
        precondition((1...65535).contains(parameters.maxOutstandingR2T), "MaxOutstandingR2T out of range")
        precondition(parameters.errorRecoveryLevel <= 2, "ErrorRecoveryLevel out of range")
        precondition(parameters.defaultTime2Wait <= 3600, "DefaultTime2Wait out of range")
        precondition(parameters.defaultTime2Retain <= 3600, "DefaultTime2Retain out of range")
    }
}
