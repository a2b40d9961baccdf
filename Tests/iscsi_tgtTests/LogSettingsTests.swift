import Testing

@testable import iscsi_tgt

@Suite struct LogSettingsTests {
    @Test func defaultsAreNoticeAndInfo() {
        let settings = LogSettings()
        #expect(settings.level == .notice)
        #expect(settings.printLevel == .info)
        #expect(settings.flags.allSatisfy { !$0.enabled })
        #expect(settings.flags.map(\.name).contains("rpc"))
        #expect(settings.flags.map(\.name) == settings.flags.map(\.name).sorted())
    }

    @Test func flagsGateDebugOutput() {
        let settings = LogSettings()
        settings.printLevel = .debug
        #expect(!settings.shouldPrint(.debug, component: "iscsi"))
        #expect(settings.setFlag("iscsi", enabled: true))
        #expect(settings.shouldPrint(.debug, component: "iscsi"))
        #expect(!settings.shouldPrint(.debug, component: "scsi"))
        #expect(!settings.setFlag("bogus", enabled: true))
        #expect(settings.setFlag("all", enabled: true))
        #expect(settings.flags.allSatisfy { $0.enabled })
        #expect(settings.setFlag("all", enabled: false))
        #expect(settings.flags.allSatisfy { !$0.enabled })
    }

    @Test func printLevelFilters() {
        let settings = LogSettings()
        #expect(settings.shouldPrint(.info, component: "app"))
        settings.printLevel = .warning
        #expect(!settings.shouldPrint(.notice, component: "app"))
        #expect(settings.shouldPrint(.error, component: "app"))
    }

    @Test func levelNames() {
        #expect(SPDKLogLevel.allCases.map(\.name) == ["ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"])
        #expect(SPDKLogLevel(name: "WARNING") == .warning)
        #expect(SPDKLogLevel(name: "warning") == nil)
    }

    @Test func minimumLevelFollowsPrintLevelAndFlags() {
        let settings = LogSettings()
        #expect(settings.minimumLevel(component: "iscsi") == .info)
        settings.printLevel = .debug
        #expect(settings.minimumLevel(component: "iscsi") == .info)
        settings.setFlag("iscsi", enabled: true)
        #expect(settings.minimumLevel(component: "iscsi") == .trace)
        settings.printLevel = .warning
        #expect(settings.minimumLevel(component: "iscsi") == .warning)
    }
}
