import Testing

@testable import iscsi_tgt

@Suite struct CoreSelectionTests {
    @Test func defaultIsCoreZero() throws {
        let selection = try CoreSelection.resolve(mask: nil, mainCore: nil, available: [0, 1]).get()
        #expect(selection == CoreSelection(cores: [0], mainCore: 0))
    }

    @Test func mainCoreGoesFirst() throws {
        let selection = try CoreSelection.resolve(mask: "[0-3]", mainCore: 2, available: [0, 1, 2, 3]).get()
        #expect(selection.loopOrder == [2, 0, 1, 3])
    }

    @Test func refusesMissingCoresAndBadMasks() {
        #expect(throws: StartupError.self) {
            try CoreSelection.resolve(mask: "0x4", mainCore: nil, available: [0, 1]).get()
        }
        #expect(throws: StartupError.self) {
            try CoreSelection.resolve(mask: "zz", mainCore: nil, available: [0, 1]).get()
        }
        #expect(throws: StartupError.self) {
            try CoreSelection.resolve(mask: "0x1", mainCore: 1, available: [0, 1]).get()
        }
    }
}
