import Testing

@testable import iscsi_tgt

@Suite struct UsageTests {
    @Test func everyOptionIsDocumented() {
        let text = Usage.text(executable: "iscsi_tgt", logFlags: LogSettings.componentNames)
        for option in AppOption.allCases {
            if let longName = option.longName {
                #expect(text.contains("--" + longName), "usage lacks --\(longName)")
            }
            if let shortName = option.shortName {
                #expect(text.contains("-\(shortName)"), "usage lacks -\(shortName)")
            }
        }
        #expect(text.contains("rpc"))
    }

    @Test func shortOptionsAreUnique() {
        let letters = AppOption.allCases.compactMap(\.shortName)
        #expect(Set(letters).count == letters.count)
        let names = AppOption.allCases.compactMap(\.longName)
        #expect(Set(names).count == names.count)
    }
}
