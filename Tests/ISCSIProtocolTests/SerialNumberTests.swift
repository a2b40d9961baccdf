import Testing

@testable import ISCSIProtocol

@Suite struct SerialNumberTests {
    @Test func ordersAcrossTheWrap() {
        let beforeWrap = SerialNumber(UInt32.max)
        let afterWrap = SerialNumber(0)
        #expect(beforeWrap.precedes(afterWrap))
        #expect(afterWrap.follows(beforeWrap))
        #expect(beforeWrap.advanced(by: 1) == afterWrap)
        #expect(SerialNumber(5).distance(from: SerialNumber(UInt32.max - 4)) == 10)
    }

    @Test func halfwayApartIsUnordered() {
        let a = SerialNumber(0)
        let b = SerialNumber(1 << 31)
        #expect(!a.precedes(b) && !a.follows(b) && !b.precedes(a))
    }

    @Test func windowMembershipWraps() {
        let lower = SerialNumber(UInt32.max - 1)
        let upper = SerialNumber(2)
        #expect(SerialNumber(UInt32.max).isWithin(lower: lower, upper: upper))
        #expect(SerialNumber(0).isWithin(lower: lower, upper: upper))
        #expect(SerialNumber(2).isWithin(lower: lower, upper: upper))
        #expect(!SerialNumber(3).isWithin(lower: lower, upper: upper))
        #expect(!SerialNumber(UInt32.max - 2).isWithin(lower: lower, upper: upper))
        // A closed window (upper = lower - 1) holds nothing.
        #expect(!lower.isWithin(lower: lower, upper: lower.advanced(by: UInt32.max)))
    }
}
