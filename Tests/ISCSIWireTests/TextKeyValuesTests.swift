import NIOCore
import Testing

@testable import ISCSIWire

@Suite struct TextKeyValuesTests {
    @Test func parsesOrderedPairs() throws {
        let text = try TextKeyValues(parsing: ByteBuffer(string: "InitiatorName=iqn.a\0SessionType=Normal\0Empty=\0"))
        #expect(text.pairs.map(\.key) == ["InitiatorName", "SessionType", "Empty"])
        #expect(text["SessionType"] == "Normal")
        #expect(text["Empty"] == "")
        #expect(text["Missing"] == nil)
    }

    @Test func valueMayContainEquals() throws {
        let text = try TextKeyValues(parsing: ByteBuffer(string: "CHAP_C=0xab=cd\0"))
        #expect(text["CHAP_C"] == "0xab=cd")
    }

    @Test func toleratesMissingFinalTerminatorAndPaddingNULs() throws {
        let text = try TextKeyValues(parsing: ByteBuffer(string: "A=1\0\0\0B=2"))
        #expect(text.pairs == [.init(key: "A", value: "1"), .init(key: "B", value: "2")])
    }

    @Test func encodesBack() throws {
        var text = TextKeyValues()
        text.append(key: "TargetName", value: "iqn.2016-06.io.spdk:disk1")
        text.append(key: "TargetAddress", value: "127.0.0.1:3260,1")
        let encoded = text.encoded()
        #expect(encoded == ByteBuffer(string: "TargetName=iqn.2016-06.io.spdk:disk1\0TargetAddress=127.0.0.1:3260,1\0"))
        #expect(encoded.readableBytes == text.encodedLength)
        #expect(try TextKeyValues(parsing: encoded) == text)
    }

    @Test func errors() {
        #expect(throws: TextKeyValuesError.missingEquals("NoEquals")) {
            try TextKeyValues(parsing: ByteBuffer(string: "NoEquals\0"))
        }
        #expect(throws: TextKeyValuesError.emptyKey) { try TextKeyValues(parsing: ByteBuffer(string: "=v\0")) }
        let longKey = String(repeating: "k", count: 64)
        #expect(throws: TextKeyValuesError.keyTooLong(longKey)) {
            try TextKeyValues(parsing: ByteBuffer(string: longKey + "=v\0"))
        }
        #expect(throws: Never.self) {
            try TextKeyValues(parsing: ByteBuffer(string: String(repeating: "k", count: 63) + "=v\0"))
        }
        #expect(throws: TextKeyValuesError.invalidUTF8) {
            try TextKeyValues(parsing: ByteBuffer(bytes: [0x41, 0x3d, 0xff, 0xfe, 0]))
        }
        #expect(throws: TextKeyValuesError.tooLong(length: 8, limit: 7)) {
            try TextKeyValues(parsing: ByteBuffer(string: "A=1\0B=2\0"), limits: .init(maxBytes: 7, maxPairs: 10))
        }
        #expect(throws: TextKeyValuesError.tooManyPairs(limit: 1)) {
            try TextKeyValues(parsing: ByteBuffer(string: "A=1\0B=2\0"), limits: .init(maxBytes: 100, maxPairs: 1))
        }
    }

    @Test func sequencerSplitsAtTheSegmentLimit() {
        var sequencer = TextSegmentSequencer(text: ByteBuffer(string: "0123456789"), maxSegmentLength: 4)
        var pieces: [(String, Bool)] = []
        while !sequencer.isFinished {
            let (data, isContinued) = sequencer.nextSegment()
            pieces.append((String(buffer: data), isContinued))
        }
        #expect(pieces.map(\.0) == ["0123", "4567", "89"])
        #expect(pieces.map(\.1) == [true, true, false])
    }

    @Test func sequencerHandsOutOneEmptyFinalPieceForEmptyText() {
        var sequencer = TextSegmentSequencer(text: ByteBuffer(), maxSegmentLength: 8192)
        let (data, isContinued) = sequencer.nextSegment()
        #expect(data.readableBytes == 0 && !isContinued)
    }
}
