import Testing

@testable import iscsi_tgt

@Suite struct CoreSetTests {
    @Test(arguments: [
        ("0x1", [0]), ("0x3", [0, 1]), ("3", [0, 1]), ("F0", [4, 5, 6, 7]), ("0X10", [4]),
        ("[0,1,10]", [0, 1, 10]), ("[0-3,8]", [0, 1, 2, 3, 8]), (" [2] ", [2]), ("0x0001", [0]),
    ])
    func parsesMasksAndLists(text: String, cores: [Int]) {
        #expect(CoreSet(parsing: text)?.cores == cores)
    }

    @Test(arguments: ["", "0x", "0x0", "xyz", "[", "[]", "[1,]", "[3-1]", "[a]", "0x1g", "[1-2-3]", "[99999]"])
    func refusesMalformedMasks(text: String) {
        #expect(CoreSet(parsing: text) == nil)
    }

    @Test func formatsLikeSPDK() {
        #expect(CoreSet(cores: [0]).hexMask == "1")
        #expect(CoreSet(cores: [0, 1]).hexMask == "3")
        #expect(CoreSet(cores: [4]).hexMask == "10")
        #expect(CoreSet(cores: [1, 10]).hexMask == "402")
        #expect(CoreSet.hexMask(ofCore: 2) == "4")
    }
}
