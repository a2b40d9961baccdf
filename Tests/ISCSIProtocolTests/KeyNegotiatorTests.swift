import Testing

@testable import ISCSIProtocol

@Suite struct KeyNegotiatorTests {
    private func negotiator(
        _ settings: TargetLoginSettings = TargetLoginSettings(),
        sessionType: SessionType = .normal,
        authentication: LoginAuthenticationPolicy = .optional
    ) -> KeyNegotiator {
        KeyNegotiator(settings: settings, sessionType: sessionType, authentication: authentication)
    }

    private func pairs(_ pairs: KeyValuePairs<String, String>) -> [TextParameter] {
        pairs.map { TextParameter(key: $0.key, value: $0.value) }
    }

    @Test func digestAnswerFollowsInitiatorOrder() throws {
        var negotiator = self.negotiator()
        let answers = try negotiator.negotiate(self.pairs(["HeaderDigest": "None,CRC32C", "DataDigest": "CRC32C"]))
        #expect(answers == self.pairs(["HeaderDigest": "None", "DataDigest": "CRC32C"]))
        #expect(negotiator.parameters.headerDigest == false)
        #expect(negotiator.parameters.dataDigest == true)
    }

    @Test func requiredDigestAcceptsOnlyCRC32C() throws {
        var settings = TargetLoginSettings()
        settings.headerDigestRequired = true
        var accepting = self.negotiator(settings)
        #expect(
            try accepting.negotiate(self.pairs(["HeaderDigest": "None,CRC32C"]))
                == self.pairs(["HeaderDigest": "CRC32C"])
        )

        var refusing = self.negotiator(settings)
        #expect(throws: NegotiationFailure.noCommonValue(key: "HeaderDigest")) {
            try refusing.negotiate(self.pairs(["HeaderDigest": "None"]))
        }
    }

    @Test func maxRecvDataSegmentLengthIsDeclaredAndCapped() throws {
        var negotiator = self.negotiator()
        let answers = try negotiator.negotiate(self.pairs(["MaxRecvDataSegmentLength": "262144"]))
        #expect(answers == self.pairs(["MaxRecvDataSegmentLength": "65536"]))
        #expect(negotiator.parameters.initiatorMaxRecvDataSegmentLength == 65536)
        // Declarative and repeatable: a second declaration is allowed.
        _ = try negotiator.negotiate(self.pairs(["MaxRecvDataSegmentLength": "4096"]))
        #expect(negotiator.parameters.initiatorMaxRecvDataSegmentLength == 4096)
    }

    @Test func numericalMinimumAndMaximum() throws {
        var negotiator = self.negotiator()
        let answers = try negotiator.negotiate(
            self.pairs([
                "MaxConnections": "8", "DefaultTime2Wait": "0", "DefaultTime2Retain": "0", "ErrorRecoveryLevel": "2",
                "MaxOutstandingR2T": "16",
            ])
        )
        #expect(
            answers
                == self.pairs([
                    "MaxConnections": "2", "DefaultTime2Wait": "2", "DefaultTime2Retain": "0",
                    "ErrorRecoveryLevel": "0", "MaxOutstandingR2T": "1",
                ])
        )
        let parameters = negotiator.parameters
        #expect(parameters.maxConnections == 2)
        #expect(parameters.defaultTime2Wait == 2)
        #expect(parameters.defaultTime2Retain == 0)
        #expect(parameters.errorRecoveryLevel == 0)
        #expect(parameters.maxOutstandingR2T == 1)
    }

    @Test func firstBurstLengthIsNegotiatedAfterMaxBurstLengthAndClamped() throws {
        var settings = TargetLoginSettings()
        settings.firstBurstLength = 65536
        var negotiator = self.negotiator(settings)
        let answers = try negotiator.negotiate(self.pairs(["FirstBurstLength": "262144", "MaxBurstLength": "16384"]))
        #expect(answers == self.pairs(["MaxBurstLength": "16384", "FirstBurstLength": "16384"]))
        #expect(negotiator.parameters.firstBurstLength == 16384)
    }

    @Test func maxBurstLengthAloneAppendsFirstBurstLength() throws {
        var settings = TargetLoginSettings()
        settings.firstBurstLength = 65536
        var negotiator = self.negotiator(settings)
        let answers = try negotiator.negotiate(self.pairs(["MaxBurstLength": "8192"]))
        #expect(answers == self.pairs(["MaxBurstLength": "8192", "FirstBurstLength": "8192"]))
        #expect(negotiator.parameters.maxBurstLength == 8192)
        #expect(negotiator.parameters.firstBurstLength == 8192)
    }

    @Test func booleans() throws {
        var settings = TargetLoginSettings()
        settings.immediateData = false
        var negotiator = self.negotiator(settings)
        let answers = try negotiator.negotiate(
            self.pairs(["InitialR2T": "No", "ImmediateData": "Yes", "DataPDUInOrder": "No", "IFMarker": "Maybe"])
        )
        #expect(
            answers
                == self.pairs([
                    "InitialR2T": "Yes", "ImmediateData": "No", "DataPDUInOrder": "Yes", "IFMarker": "Reject",
                ])
        )
        #expect(negotiator.parameters.initialR2T == true)
        #expect(negotiator.parameters.immediateData == false)
    }

    @Test func unknownAndExtensionKeysAreNotUnderstood() throws {
        var negotiator = self.negotiator()
        let answers = try negotiator.negotiate(self.pairs(["FancyKey": "1", "X-com.example.Foo": "Bar"]))
        #expect(answers == self.pairs(["FancyKey": "NotUnderstood", "X-com.example.Foo": "NotUnderstood"]))
    }

    @Test func repeatedKeyFails() throws {
        var negotiator = self.negotiator()
        _ = try negotiator.negotiate(self.pairs(["MaxBurstLength": "65536"]))
        #expect(throws: NegotiationFailure.repeatedKey("MaxBurstLength")) {
            try negotiator.negotiate(self.pairs(["MaxBurstLength": "65536"]))
        }
    }

    @Test func outOfRangeAndInvalidNumbersFail() {
        var negotiator = self.negotiator()
        #expect(throws: NegotiationFailure.outOfRange(key: "MaxBurstLength")) {
            try negotiator.negotiate(self.pairs(["MaxBurstLength": "100"]))
        }
        #expect(throws: NegotiationFailure.outOfRange(key: "DefaultTime2Wait")) {
            try negotiator.negotiate(self.pairs(["DefaultTime2Wait": "99999999999"]))
        }
        #expect(throws: NegotiationFailure.invalidNumber(key: "ErrorRecoveryLevel")) {
            try negotiator.negotiate(self.pairs(["ErrorRecoveryLevel": "two"]))
        }
        #expect(throws: NegotiationFailure.outOfRange(key: "TargetPortalGroupTag")) {
            try negotiator.negotiate(self.pairs(["TargetPortalGroupTag": "0"]))
        }
    }

    @Test func notUnderstoodValueForKnownKeyFails() {
        var negotiator = self.negotiator()
        #expect(throws: NegotiationFailure.notUnderstoodValue(key: "DataDigest")) {
            try negotiator.negotiate(self.pairs(["DataDigest": "NotUnderstood"]))
        }
    }

    @Test func discoveryAnswersIrrelevantToSessionKeys() throws {
        var negotiator = self.negotiator(sessionType: .discovery)
        let answers = try negotiator.negotiate(
            self.pairs(["MaxConnections": "4", "ImmediateData": "Yes", "DefaultTime2Wait": "4"])
        )
        #expect(
            answers
                == self.pairs(["MaxConnections": "Irrelevant", "ImmediateData": "Irrelevant", "DefaultTime2Wait": "4"])
        )
        #expect(negotiator.parameters.maxConnections == 1)
    }

    @Test func declarativeKeysAreStoredAndNotAnswered() throws {
        var negotiator = self.negotiator()
        let answers = try negotiator.negotiate(
            self.pairs([
                "InitiatorName": "iqn.1994-05.com.redhat:a", "TargetAlias": "spoof", "CHAP_A": "5",
                "SendTargets": "All",
            ])
        )
        #expect(answers.isEmpty)
        #expect(negotiator.value(of: .initiatorName) == "iqn.1994-05.com.redhat:a")
        #expect(negotiator.value(of: .targetAlias) == "")
    }

    @Test func authMethodFollowsPolicy() throws {
        var optional = self.negotiator(authentication: .optional)
        #expect(try optional.negotiate(self.pairs(["AuthMethod": "CHAP,None"])) == self.pairs(["AuthMethod": "CHAP"]))
        var none = self.negotiator(authentication: .none)
        #expect(try none.negotiate(self.pairs(["AuthMethod": "CHAP,None"])) == self.pairs(["AuthMethod": "None"]))
        var required = self.negotiator(authentication: .required)
        #expect(throws: NegotiationFailure.noCommonValue(key: "AuthMethod")) {
            try required.negotiate(self.pairs(["AuthMethod": "None"]))
        }
        #expect(self.negotiator(authentication: .required).value(of: .authMethod) == "CHAP")
    }

    @Test func unnegotiatedValuesAreTheTargetOffers() {
        let parameters = self.negotiator().parameters
        #expect(parameters.maxBurstLength == 1_048_576)
        #expect(parameters.firstBurstLength == 8192)
        #expect(parameters.immediateData == true)
        #expect(parameters.initialR2T == true)
        #expect(parameters.initiatorMaxRecvDataSegmentLength == 8192)
        #expect(parameters.targetMaxRecvDataSegmentLength == 65536)
        #expect(parameters.headerDigest == false)
    }
}
