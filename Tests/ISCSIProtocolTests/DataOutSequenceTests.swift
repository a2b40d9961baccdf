import Testing

@testable import ISCSIProtocol

@Suite struct DataOutSequenceTests {
    private static let tag: UInt32 = 0x42

    private func parameters(
        initialR2T: Bool = false,
        immediateData: Bool = true,
        firstBurstLength: UInt32 = 8192,
        maxBurstLength: UInt32 = 262_144,
        maxOutstandingR2T: UInt32 = 1
    ) -> NegotiatedParameters {
        NegotiatedParameters(
            headerDigest: false,
            dataDigest: false,
            initiatorMaxRecvDataSegmentLength: 65536,
            targetMaxRecvDataSegmentLength: 65536,
            maxConnections: 1,
            initialR2T: initialR2T,
            immediateData: immediateData,
            maxBurstLength: maxBurstLength,
            firstBurstLength: firstBurstLength,
            defaultTime2Wait: 2,
            defaultTime2Retain: 20,
            maxOutstandingR2T: maxOutstandingR2T,
            dataPDUInOrder: true,
            dataSequenceInOrder: true,
            errorRecoveryLevel: 0
        )
    }

    /// Sends one burst as Data-Out PDUs of at most `segment` bytes; returns the last progress.
    private func send(
        _ sequence: inout DataOutSequence,
        tag: UInt32,
        from offset: UInt32,
        length: UInt32,
        segment: UInt32 = 65536
    ) throws -> DataOutProgress {
        var sent: UInt32 = 0
        var dataSN: UInt32 = 0
        var progress = DataOutProgress.needsData(send: [])
        while sent < length {
            let chunk = min(segment, length - sent)
            progress = try sequence.receive(
                DataOutHeader(
                    targetTransferTag: tag,
                    dataSequenceNumber: dataSN,
                    bufferOffset: offset + sent,
                    dataLength: chunk,
                    isFinal: sent + chunk == length
                )
            )
            sent += chunk
            dataSN += 1
        }
        return progress
    }

    @Test func oneMebibyteWriteIsSolicitedInMaxBurstChunks() throws {
        var sequence = try DataOutSequence(
            expectedTransferLength: 1_048_576,
            immediateDataLength: 8192,
            unsolicitedDataFollows: false,
            parameters: self.parameters(),
            targetTransferTag: Self.tag
        )
        var r2ts = sequence.solicit()
        var received: [ReadyToTransfer] = []
        while let r2t = r2ts.first {
            received.append(r2t)
            let progress = try self.send(
                &sequence,
                tag: r2t.targetTransferTag,
                from: r2t.bufferOffset,
                length: r2t.desiredDataTransferLength
            )
            guard case .needsData(let next) = progress else {
                break
            }
            r2ts = next
        }
        #expect(sequence.isComplete)
        #expect(received.map(\.r2tSequenceNumber) == [0, 1, 2, 3])
        #expect(received.map(\.bufferOffset) == [8192, 270_336, 532_480, 794_624])
        #expect(received.map(\.desiredDataTransferLength) == [262_144, 262_144, 262_144, 253_952])
        #expect(received.allSatisfy { $0.targetTransferTag == Self.tag })
    }

    @Test func unsolicitedDataOutFillsTheFirstBurstBeforeR2Ts() throws {
        var sequence = try DataOutSequence(
            expectedTransferLength: 1_048_576,
            immediateDataLength: 0,
            unsolicitedDataFollows: true,
            parameters: self.parameters(maxOutstandingR2T: 2),
            targetTransferTag: Self.tag
        )
        let r2ts = sequence.solicit()
        #expect(r2ts.map(\.bufferOffset) == [8192, 270_336])
        let progress = try self.send(
            &sequence,
            tag: DataOutSequence.unsolicitedTransferTag,
            from: 0,
            length: 8192,
            segment: 4096
        )
        #expect(progress == .needsData(send: []))
        _ = try self.send(&sequence, tag: Self.tag, from: 8192, length: 262_144)
        #expect(!sequence.isComplete)
    }

    @Test func smallWriteFitsInImmediateData() throws {
        let sequence = try DataOutSequence(
            expectedTransferLength: 4096,
            immediateDataLength: 4096,
            unsolicitedDataFollows: false,
            parameters: self.parameters(),
            targetTransferTag: Self.tag
        )
        #expect(sequence.isComplete)
    }

    @Test func setupErrors() {
        #expect(throws: DataOutError.immediateDataNotAllowed) {
            try DataOutSequence(
                expectedTransferLength: 4096,
                immediateDataLength: 512,
                unsolicitedDataFollows: false,
                parameters: self.parameters(immediateData: false),
                targetTransferTag: Self.tag
            )
        }
        #expect(throws: DataOutError.immediateDataNotAllowed) {
            try DataOutSequence(
                expectedTransferLength: 65536,
                immediateDataLength: 16384,
                unsolicitedDataFollows: false,
                parameters: self.parameters(),
                targetTransferTag: Self.tag
            )
        }
        #expect(throws: DataOutError.overrun) {
            try DataOutSequence(
                expectedTransferLength: 512,
                immediateDataLength: 1024,
                unsolicitedDataFollows: false,
                parameters: self.parameters(),
                targetTransferTag: Self.tag
            )
        }
        #expect(throws: DataOutError.unsolicitedDataNotAllowed) {
            try DataOutSequence(
                expectedTransferLength: 65536,
                immediateDataLength: 0,
                unsolicitedDataFollows: true,
                parameters: self.parameters(initialR2T: true),
                targetTransferTag: Self.tag
            )
        }
    }

    @Test func dataOutValidation() throws {
        func fresh() throws -> DataOutSequence {
            var sequence = try DataOutSequence(
                expectedTransferLength: 65536,
                immediateDataLength: 0,
                unsolicitedDataFollows: false,
                parameters: self.parameters(initialR2T: true),
                targetTransferTag: Self.tag
            )
            #expect(sequence.solicit().count == 1)
            return sequence
        }
        func header(
            tag: UInt32 = Self.tag,
            dataSN: UInt32 = 0,
            offset: UInt32 = 0,
            length: UInt32 = 4096,
            final: Bool = false
        )
            -> DataOutHeader
        {
            DataOutHeader(
                targetTransferTag: tag,
                dataSequenceNumber: dataSN,
                bufferOffset: offset,
                dataLength: length,
                isFinal: final
            )
        }

        var sequence = try fresh()
        #expect(throws: DataOutError.unexpectedTransferTag(7)) { try sequence.receive(header(tag: 7)) }
        #expect(throws: DataOutError.unexpectedTransferTag(DataOutSequence.unsolicitedTransferTag)) {
            try sequence.receive(header(tag: DataOutSequence.unsolicitedTransferTag))
        }
        #expect(throws: DataOutError.unexpectedDataSequenceNumber(expected: 0, received: 3)) {
            try sequence.receive(header(dataSN: 3))
        }
        #expect(throws: DataOutError.unexpectedBufferOffset(expected: 0, received: 512)) {
            try sequence.receive(header(offset: 512))
        }
        #expect(throws: DataOutError.finalBitMismatch) { try sequence.receive(header(final: true)) }

        var overrun = try fresh()
        #expect(throws: DataOutError.overrun) { try overrun.receive(header(length: 65537)) }

        var missingFinal = try fresh()
        #expect(throws: DataOutError.finalBitMismatch) { try missingFinal.receive(header(length: 65536)) }

        var complete = try fresh()
        #expect(try complete.receive(header(length: 65536, final: true)) == .complete)
    }
}
