import ISCSIProtocol
import Testing

@Suite struct CHAPRuleTests {
    @Test func validCombinationsMapToPolicies() throws {
        let auto = try CHAPRule(disable: false, require: false, mutual: false, group: 0)
        #expect(auto.requirement == .initiatorDecides && auto.authenticationPolicy == .optional)
        #expect(!auto.configuration().requiresMutualAuthentication)

        let none = try CHAPRule(disable: true, require: false, mutual: false, group: 0)
        #expect(none.requirement == .disabled && none.authenticationPolicy == .none)

        let chap = try CHAPRule(disable: false, require: true, mutual: false, group: 1)
        #expect(chap.requirement == .required && chap.authenticationPolicy == .required && chap.group == 1)
        #expect(!chap.configuration().requiresMutualAuthentication)

        let mutual = try CHAPRule(disable: false, require: true, mutual: true, group: 2)
        #expect(mutual.requirement == .requiredMutual && mutual.authenticationPolicy == .required)
        #expect(mutual.configuration(algorithms: [.md5, .sha256]).requiresMutualAuthentication)
        #expect(mutual.configuration(algorithms: [.md5, .sha256]).algorithms == [.md5, .sha256])
    }

    @Test func flagsRoundTrip() throws {
        for (disable, require, mutual) in [(false, false, false), (true, false, false), (false, true, false)]
            + [(false, true, true)]
        {
            let rule = try CHAPRule(disable: disable, require: require, mutual: mutual, group: 0)
            #expect(rule.disableCHAP == disable && rule.requireCHAP == require && rule.mutualCHAP == mutual)
        }
    }

    @Test func invalidCombinationsAreRefused() {
        for (disable, require, mutual) in [(true, true, false), (true, true, true), (false, false, true)]
            + [(true, false, true)]
        {
            #expect(throws: CHAPRule.ValidationError.invalidCombination) {
                try CHAPRule(disable: disable, require: require, mutual: mutual, group: 0)
            }
        }
    }

    @Test func negativeGroupIsRefused() {
        #expect(throws: CHAPRule.ValidationError.negativeGroup) {
            try CHAPRule(disable: false, require: true, mutual: false, group: -1)
        }
    }
}
