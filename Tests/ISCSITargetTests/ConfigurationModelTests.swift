import Testing

@testable import ISCSITarget

@Suite struct CHAPPolicyTests {
    @Test(arguments: [
        (false, false, false, true), (true, false, false, true), (false, true, false, true), (false, true, true, true),
        (true, true, false, false), (true, false, true, false), (false, false, true, false), (true, true, true, false),
    ])
    func combinations(disable: Bool, require: Bool, mutual: Bool, valid: Bool) {
        #expect(CHAPPolicy(disable: disable, require: require, mutual: mutual).isValid == valid)
    }

    @Test func negativeGroupIsInvalid() {
        #expect(!CHAPPolicy(group: -1).isValid)
        #expect(CHAPPolicy(group: 0).isValid)
    }
}

@Suite struct TargetNameTests {
    @Test func shortNamesGetTheNodeBase() {
        #expect(TargetName.fullName("disk1", nodeBase: "iqn.2016-06.io.spdk") == "iqn.2016-06.io.spdk:disk1")
        #expect(TargetName.fullName("IQN.2000-01.x:y", nodeBase: "iqn.2016-06.io.spdk") == "IQN.2000-01.x:y")
        #expect(TargetName.fullName("eui.0123", nodeBase: "b") == "eui.0123")
        #expect(TargetName.fullName("naa.0123", nodeBase: "b") == "naa.0123")
    }

    @Test(arguments: ["iqn.2016-06.io.spdk:disk1", "iqn.2016-06.io.spdk:Target-3.a", "eui.02004567A425678D", "x:é"])
    func validNames(name: String) {
        #expect(TargetName.isValid(name))
    }

    @Test(arguments: [
        "iqn.2016-06.io.spdk:disk_1", "iqn.2016-06.io.spdk:a b", "iqn.2016-06.io.spdk:a/b", "iqn.2016-06.io.spdk:a@b",
        "iqn.2016-6.io.spdk:a", "iqn.20a6-06.x", "iqn.2016-06", "iqn.2016-06.io.spdk:{}",
        "iqn.2016-06.io.spdk:" + String(repeating: "a", count: 204),
    ])
    func invalidNames(name: String) {
        #expect(!TargetName.isValid(name))
    }

    @Test func shortNameIsTextAfterFirstColon() {
        #expect(TargetName.shortName("iqn.2016-06.io.spdk:Target3") == "Target3")
        #expect(TargetName.shortName("a:b:c") == "b:c")
        #expect(TargetName.shortName("plain") == "plain")
    }
}

@Suite struct InitiatorGroupTests {
    @Test func nameDecisionFollowsEntryOrder() {
        let group = InitiatorGroupSnapshot(tag: 1, initiators: ["!iqn.bad", "iqn.Good", "ANY"])
        #expect(group.nameDecision("iqn.bad") == false)
        #expect(group.nameDecision("IQN.GOOD") == true)
        #expect(group.nameDecision("iqn.other") == true)
        #expect(InitiatorGroupSnapshot(tag: 1, initiators: ["iqn.a"]).nameDecision("iqn.b") == nil)
        #expect(InitiatorGroupSnapshot(tag: 1, initiators: ["!ANY", "ANY"]).nameDecision("iqn.b") == false)
    }

    @Test func netmasks() {
        let group = InitiatorGroupSnapshot(tag: 1, netmasks: ["10.0.0.0/24", "[fe80::]/64", "192.168.1.7", "1", "/"])
        #expect(group.allowsAddress("10.0.0.2"))
        #expect(!group.allowsAddress("10.0.1.2"))
        #expect(group.allowsAddress("fe80::1"))
        #expect(group.allowsAddress("[fe80::1]"))
        #expect(!group.allowsAddress("fe81::1"))
        #expect(group.allowsAddress("192.168.1.7"))
        #expect(!group.allowsAddress("192.168.1.8"))
        #expect(InitiatorGroupSnapshot(tag: 1, netmasks: ["any"]).allowsAddress("1.2.3.4"))
        #expect(!InitiatorGroupSnapshot(tag: 1, netmasks: ["10.0.0.2/33"]).allowsAddress("10.0.0.2"))
        #expect(InitiatorGroupSnapshot(tag: 1, netmasks: ["0.0.0.0/0"]).allowsAddress("8.8.8.8"))
    }

    @Test func addRewritesALLAndRejectsDuplicates() throws {
        let group = try InitiatorGroupSnapshot(tag: 1).adding(initiators: ["ALL", "iqn.x"], netmasks: ["ALL"])
        #expect(group.initiators == ["ANY", "iqn.x"])
        #expect(group.netmasks == ["ANY"])
        #expect(throws: ConfigurationError.invalid) { try group.adding(initiators: ["iqn.x"], netmasks: []) }
        #expect(throws: ConfigurationError.invalid) { try group.adding(initiators: [], netmasks: ["ANY"]) }
        let tooLong = String(repeating: "a", count: 224)
        #expect(throws: ConfigurationError.invalid) { try group.adding(initiators: [tooLong], netmasks: []) }
    }

    @Test func limitsAndRemoval() throws {
        let names = (0..<256).map { "iqn.\($0)" }
        let full = try InitiatorGroupSnapshot(tag: 1).adding(initiators: names, netmasks: [])
        #expect(throws: ConfigurationError.invalid) { try full.adding(initiators: ["one.more"], netmasks: []) }
        let smaller = try full.removing(initiators: ["iqn.0"], netmasks: [])
        #expect(smaller.initiators.count == 255)
        #expect(throws: ConfigurationError.invalid) { try smaller.removing(initiators: ["iqn.0"], netmasks: []) }
    }
}

@Suite struct AuthGroupTests {
    @Test func secretRules() throws {
        var group = AuthGroup(tag: 1)
        try group.add(.init(user: "u", secret: "s"))
        try group.add(.init(user: "v", secret: "s", mutualUser: "mu", mutualSecret: "ms"))
        #expect(throws: ConfigurationError.exists) { try group.add(.init(user: "u", secret: "x")) }
        #expect(throws: ConfigurationError.invalidArgument) {
            try group.add(.init(user: "w", secret: "s", mutualUser: "m"))
        }
        #expect(throws: ConfigurationError.invalidArgument) {
            try group.add(.init(user: "w", secret: String(repeating: "s", count: 256)))
        }
        try group.removeSecret(user: "u")
        #expect(group.secrets.map(\.user) == ["v"])
        #expect(throws: ConfigurationError.notFound) { try group.removeSecret(user: "u") }
    }
}

@Suite struct ISCSIOptionsTests {
    @Test func defaultsAreValid() throws {
        try ISCSIOptions().validate()
    }

    @Test func rangesAreChecked() {
        var options = ISCSIOptions()
        options.maxQueueDepth = 257
        #expect(throws: ISCSIOptionsError.self) { try options.validate() }
        options = ISCSIOptions()
        options.nopInInterval = 61
        #expect(throws: ISCSIOptionsError.self) { try options.validate() }
        options = ISCSIOptions()
        options.firstBurstLength = 511
        #expect(throws: ISCSIOptionsError.self) { try options.validate() }
        options = ISCSIOptions()
        options.discoveryAuth = CHAPPolicy(disable: true, require: true)
        #expect(throws: ISCSIOptionsError.self) { try options.validate() }
        options = ISCSIOptions()
        options.maxSessions = 0
        #expect(throws: ISCSIOptionsError.self) { try options.validate() }
    }
}

@Suite struct PortalTests {
    @Test func wildcardsAndLimits() {
        #expect(Portal(configuredHost: "*", port: "3260") == Portal(host: "0.0.0.0", port: "3260"))
        #expect(Portal(configuredHost: "[*]", port: "3260") == Portal(host: "[::]", port: "3260"))
        #expect(Portal(configuredHost: String(repeating: "a", count: 257), port: "1") == nil)
        #expect(Portal(configuredHost: "h", port: String(repeating: "1", count: 33)) == nil)
        #expect(Portal(host: "[::1]", port: "1").socketHost == "::1")
        #expect(Portal(host: "[::]", port: "1").isWildcard)
    }
}
