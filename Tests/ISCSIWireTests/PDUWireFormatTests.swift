import NIOCore
import Testing

@testable import ISCSIWire

/// One PDU per family, with its bytes written by hand from the layouts of RFC 7143 §11.
@Suite struct PDUWireFormatTests {
    private let ping = ByteBuffer(string: "ping")

    @Test func nopOut() throws {
        let decoded = try assertWireBytes(
            NOPOutPDU(initiatorTaskTag: 0x1122_3344, cmdSN: 5, expStatSN: 6, data: self.ping),
            """
            40 80 00 00 00 00 00 04 00 00 00 00 00 00 00 00
            11 22 33 44 ff ff ff ff 00 00 00 05 00 00 00 06
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            70 69 6e 67
            """
        )
        #expect(decoded.isImmediate)
        #expect(decoded.targetTransferTag == 0xffff_ffff)
        #expect(decoded.data == self.ping)
    }

    @Test func nopIn() throws {
        let decoded = try assertWireBytes(
            NOPInPDU(initiatorTaskTag: 0x1122_3344, statSN: 7, expCmdSN: 8, maxCmdSN: 0x47, data: self.ping),
            """
            20 80 00 00 00 00 00 04 00 00 00 00 00 00 00 00
            11 22 33 44 ff ff ff ff 00 00 00 07 00 00 00 08
            00 00 00 47 00 00 00 00 00 00 00 00 00 00 00 00
            70 69 6e 67
            """
        )
        #expect(decoded.maxCmdSN == 0x47)
    }

    /// The READ(10) command of RFC 3720 Appendix B.4.
    @Test func scsiCommand() throws {
        var cdb = InlineArray<16, UInt8>(repeating: 0)
        cdb[0] = 0x28
        cdb[8] = 0x02
        let decoded = try assertWireBytes(
            SCSICommandPDU(
                isRead: true,
                isWrite: false,
                taskAttribute: .untagged,
                logicalUnitNumber: 0,
                initiatorTaskTag: 0x1400_0000,
                expectedDataTransferLength: 1024,
                cmdSN: 20,
                expStatSN: 24,
                cdb: cdb
            ),
            """
            01 c0 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            14 00 00 00 00 00 04 00 00 00 00 14 00 00 00 18
            28 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00
            """
        )
        #expect(decoded.isRead && !decoded.isWrite && decoded.isFinal && !decoded.isImmediate)
        #expect(decoded.cdb[0] == 0x28 && decoded.cdb[8] == 2)
        #expect(decoded.expectedDataTransferLength == 1024)
        #expect(decoded.extendedCDB.readableBytes == 0)
        #expect(decoded.expectedBidirectionalReadDataLength == nil)
    }

    @Test func scsiCommandAdditionalHeaderSegments() throws {
        var cdb = InlineArray<16, UInt8>(repeating: 0)
        cdb[0] = 0x7f
        let extended = ByteBuffer(bytes: Array(1...16))
        let command = SCSICommandPDU(
            isRead: true,
            isWrite: true,
            logicalUnitNumber: 0,
            initiatorTaskTag: 1,
            expectedDataTransferLength: 512,
            cmdSN: 1,
            expStatSN: 1,
            cdb: cdb,
            extendedCDB: extended,
            expectedBidirectionalReadDataLength: 4096
        )
        var encoded = ByteBuffer()
        ISCSIPDUEncoder().encode(command.makePDU(), into: &encoded)
        // Extended CDB AHS: 2 + 1 + 17 = 20 bytes; bidirectional AHS: 8 bytes; 28 bytes = 7 words.
        #expect(encoded.getInteger(at: 4, as: UInt8.self) == 7)
        #expect(encoded.readableBytes == 48 + 28)
        var decoder = ISCSIPDUDecoder()
        let decoded = try SCSICommandPDU(try #require(try decoder.decode(buffer: &encoded)))
        #expect(decoded.extendedCDB == extended)
        #expect(decoded.expectedBidirectionalReadDataLength == 4096)
    }

    @Test(arguments: [
        "00 09 01 00 00 00 00 00",  // extended CDB AHS claiming more bytes than there are
        "00 03 02 00 00 00 00 00",  // bidirectional read length AHS of the wrong length
        "00 01 09 00",  // unknown AHS type
        "00 00 01 00",  // zero AHSLength
    ])
    func scsiCommandRejectsMalformedAdditionalHeaderSegments(ahsHex: String) throws {
        var header = ISCSIBasicHeaderSegment(opcode: .scsiCommand)
        header.isFinal = true
        let pdu = ISCSIPDU(header: header, additionalHeaderSegments: ByteBuffer(hex: ahsHex))
        #expect(throws: ISCSIWireError.self) { try SCSICommandPDU(pdu) }
    }

    @Test func scsiResponseWithSense() throws {
        let sense = ByteBuffer(hex: "70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00")
        let decoded = try assertWireBytes(
            SCSIResponsePDU(
                residualUnderflow: true,
                status: 0x02,
                initiatorTaskTag: 0x1400_0000,
                statSN: 24,
                expCmdSN: 21,
                maxCmdSN: 84,
                residualCount: 512,
                data: SCSIResponsePDU.senseDataSegment(sense, allocator: ByteBufferAllocator())
            ),
            """
            21 82 00 02 00 00 00 14 00 00 00 00 00 00 00 00
            14 00 00 00 00 00 00 00 00 00 00 18 00 00 00 15
            00 00 00 54 00 00 00 00 00 00 00 00 00 00 02 00
            00 12 70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00
            """
        )
        #expect(decoded.residualUnderflow && !decoded.residualOverflow)
        #expect(decoded.status == 0x02 && decoded.response == SCSIServiceResponse.commandCompleted.rawValue)
    }

    @Test func taskManagementRequest() throws {
        let decoded = try assertWireBytes(
            TaskManagementRequestPDU(
                function: .abortTask,
                logicalUnitNumber: 0x0001_0000_0000_0000,
                initiatorTaskTag: 0x20,
                referencedTaskTag: 0x14,
                cmdSN: 9,
                expStatSN: 10,
                refCmdSN: 8
            ),
            """
            42 81 00 00 00 00 00 00 00 01 00 00 00 00 00 00
            00 00 00 20 00 00 00 14 00 00 00 09 00 00 00 0a
            00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00
            """
        )
        #expect(TaskManagementRequestPDU.Function(rawValue: decoded.function) == .abortTask)
        #expect(decoded.logicalUnitNumber == 0x0001_0000_0000_0000)
    }

    @Test func taskManagementResponse() throws {
        _ = try assertWireBytes(
            TaskManagementResponsePDU(
                response: .functionComplete,
                initiatorTaskTag: 0x20,
                statSN: 11,
                expCmdSN: 10,
                maxCmdSN: 0x49
            ),
            """
            22 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 20 00 00 00 00 00 00 00 0b 00 00 00 0a
            00 00 00 49 00 00 00 00 00 00 00 00 00 00 00 00
            """
        )
    }

    @Test func loginRequestWithPaddedText() throws {
        let decoded = try assertWireBytes(
            LoginRequestPDU(
                isTransit: true,
                currentStage: .loginOperationalNegotiation,
                nextStage: .fullFeaturePhase,
                isid: 0x8012_3456_789a,
                tsih: 0,
                initiatorTaskTag: 0,
                cid: 0,
                cmdSN: 1,
                expStatSN: 0,
                data: ByteBuffer(string: "SessionType=Discovery\0")
            ),
            """
            43 87 00 00 00 00 00 16 80 12 34 56 78 9a 00 00
            00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            53 65 73 73 69 6f 6e 54 79 70 65 3d 44 69 73 63 6f 76 65 72 79 00 00 00
            """
        )
        #expect(decoded.isid == 0x8012_3456_789a)
        #expect(decoded.currentStage == .loginOperationalNegotiation && decoded.nextStage == .fullFeaturePhase)
        #expect(try TextKeyValues(parsing: decoded.data)["SessionType"] == "Discovery")
    }

    @Test func loginRequestWithReservedStageIsRejected() {
        var header = ISCSIBasicHeaderSegment(opcode: .loginRequest, isImmediate: true)
        header.bytes[1] = 0x80 | 2 << 2 | 3
        #expect(throws: ISCSIWireError.self) { try LoginRequestPDU(ISCSIPDU(header: header)) }
    }

    @Test func loginResponse() throws {
        let decoded = try assertWireBytes(
            LoginResponsePDU(
                isTransit: true,
                currentStage: .loginOperationalNegotiation,
                nextStage: .fullFeaturePhase,
                isid: 0x8012_3456_789a,
                tsih: 1,
                initiatorTaskTag: 0,
                statSN: 0,
                expCmdSN: 1,
                maxCmdSN: 1,
                status: .notFound
            ),
            """
            23 87 00 00 00 00 00 00 80 12 34 56 78 9a 00 01
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01
            00 00 00 01 02 03 00 00 00 00 00 00 00 00 00 00
            """
        )
        #expect(decoded.status == .notFound)
        #expect(decoded.status.description == "0x203")
    }

    @Test func textRequest() throws {
        let decoded = try assertWireBytes(
            TextRequestPDU(initiatorTaskTag: 1, cmdSN: 1, expStatSN: 1, data: ByteBuffer(string: "SendTargets=All\0")),
            """
            04 80 00 00 00 00 00 10 00 00 00 00 00 00 00 00
            00 00 00 01 ff ff ff ff 00 00 00 01 00 00 00 01
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            53 65 6e 64 54 61 72 67 65 74 73 3d 41 6c 6c 00
            """
        )
        #expect(decoded.isFinal && !decoded.isContinue)
    }

    @Test func textResponseContinued() throws {
        let decoded = try assertWireBytes(
            TextResponsePDU(
                isFinal: false,
                isContinue: true,
                initiatorTaskTag: 1,
                targetTransferTag: 1,
                statSN: 1,
                expCmdSN: 2,
                maxCmdSN: 65,
                data: ByteBuffer(string: "TargetName=iqn.a\0")
            ),
            """
            24 40 00 00 00 00 00 11 00 00 00 00 00 00 00 00
            00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02
            00 00 00 41 00 00 00 00 00 00 00 00 00 00 00 00
            54 61 72 67 65 74 4e 61 6d 65 3d 69 71 6e 2e 61 00 00 00 00
            """
        )
        #expect(!decoded.isFinal && decoded.isContinue)
    }

    @Test func scsiDataOut() throws {
        let decoded = try assertWireBytes(
            SCSIDataOutPDU(
                isFinal: true,
                logicalUnitNumber: 0,
                initiatorTaskTag: 0x10,
                targetTransferTag: 0x100,
                expStatSN: 3,
                dataSN: 0,
                bufferOffset: 8192,
                data: ByteBuffer(bytes: [1, 2, 3, 4, 5])
            ),
            """
            05 80 00 00 00 00 00 05 00 00 00 00 00 00 00 00
            00 00 00 10 00 00 01 00 00 00 00 00 00 00 00 03
            00 00 00 00 00 00 00 00 00 00 20 00 00 00 00 00
            01 02 03 04 05 00 00 00
            """
        )
        #expect(decoded.data == ByteBuffer(bytes: [1, 2, 3, 4, 5]))
    }

    @Test func scsiDataInWithStatus() throws {
        let decoded = try assertWireBytes(
            SCSIDataInPDU(
                isFinal: true,
                residualUnderflow: true,
                status: 0,
                logicalUnitNumber: 0,
                initiatorTaskTag: 0x10,
                statSN: 4,
                expCmdSN: 5,
                maxCmdSN: 68,
                dataSN: 2,
                bufferOffset: 0x10000,
                residualCount: 0x200,
                data: self.ping
            ),
            """
            25 83 00 00 00 00 00 04 00 00 00 00 00 00 00 00
            00 00 00 10 ff ff ff ff 00 00 00 04 00 00 00 05
            00 00 00 44 00 00 00 02 00 01 00 00 00 00 02 00
            70 69 6e 67
            """
        )
        #expect(decoded.status == 0)
    }

    @Test func scsiDataInWithoutStatus() throws {
        let decoded = try assertWireBytes(
            SCSIDataInPDU(
                isFinal: false,
                logicalUnitNumber: 0,
                initiatorTaskTag: 0x10,
                expCmdSN: 5,
                maxCmdSN: 68,
                dataSN: 0,
                bufferOffset: 0,
                data: self.ping
            ),
            """
            25 00 00 00 00 00 00 04 00 00 00 00 00 00 00 00
            00 00 00 10 ff ff ff ff 00 00 00 00 00 00 00 05
            00 00 00 44 00 00 00 00 00 00 00 00 00 00 00 00
            70 69 6e 67
            """
        )
        #expect(decoded.status == nil)
    }

    @Test func readyToTransfer() throws {
        _ = try assertWireBytes(
            ReadyToTransferPDU(
                logicalUnitNumber: 0,
                initiatorTaskTag: 0x10,
                targetTransferTag: 7,
                statSN: 4,
                expCmdSN: 5,
                maxCmdSN: 68,
                r2tSN: 1,
                bufferOffset: 8192,
                desiredDataTransferLength: 65536
            ),
            """
            31 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 10 00 00 00 07 00 00 00 04 00 00 00 05
            00 00 00 44 00 00 00 01 00 00 20 00 00 01 00 00
            """
        )
    }

    @Test func logoutRequest() throws {
        let decoded = try assertWireBytes(
            LogoutRequestPDU(
                isImmediate: true,
                reason: .closeSession,
                initiatorTaskTag: 0x30,
                cid: 1,
                cmdSN: 12,
                expStatSN: 13
            ),
            """
            46 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 30 00 01 00 00 00 00 00 0c 00 00 00 0d
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            """
        )
        #expect(LogoutRequestPDU.Reason(rawValue: decoded.reasonCode) == .closeSession)
    }

    @Test func logoutResponse() throws {
        _ = try assertWireBytes(
            LogoutResponsePDU(
                response: .closedSuccessfully,
                initiatorTaskTag: 0x30,
                statSN: 13,
                expCmdSN: 12,
                maxCmdSN: 0x4b,
                time2Wait: 2,
                time2Retain: 20
            ),
            """
            26 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 30 00 00 00 00 00 00 00 0d 00 00 00 0c
            00 00 00 4b 00 00 00 00 00 02 00 14 00 00 00 00
            """
        )
    }

    @Test func asyncMessageLogoutRequested() throws {
        _ = try assertWireBytes(
            AsyncMessagePDU(event: .logoutRequested, statSN: 14, expCmdSN: 12, maxCmdSN: 0x4b, parameter3: 30),
            """
            32 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            ff ff ff ff 00 00 00 00 00 00 00 0e 00 00 00 0c
            00 00 00 4b 01 00 00 00 00 00 00 1e 00 00 00 00
            """
        )
    }

    @Test func rejectCarriesTheRejectedHeader() throws {
        let rejected = NOPOutPDU(initiatorTaskTag: 0x1122_3344, cmdSN: 5, expStatSN: 6).makePDU().header
        let decoded = try assertWireBytes(
            RejectPDU(
                reason: .protocolError,
                rejecting: rejected,
                statSN: 15,
                expCmdSN: 12,
                maxCmdSN: 0x4b,
                allocator: ByteBufferAllocator()
            ),
            """
            3f 80 04 00 00 00 00 30 00 00 00 00 00 00 00 00
            ff ff ff ff 00 00 00 00 00 00 00 0f 00 00 00 0c
            00 00 00 4b 00 00 00 00 00 00 00 00 00 00 00 00
            40 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            11 22 33 44 ff ff ff ff 00 00 00 05 00 00 00 06
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            """
        )
        #expect(ISCSIBasicHeaderSegment(buffer: decoded.data) == rejected)
    }

    @Test func snackRequest() throws {
        _ = try assertWireBytes(
            SNACKRequestPDU(type: .status, initiatorTaskTag: 0x10, expStatSN: 5, begRun: 3, runLength: 2),
            """
            10 81 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 10 ff ff ff ff 00 00 00 00 00 00 00 05
            00 00 00 00 00 00 00 00 00 00 00 03 00 00 00 02
            """
        )
    }

    @Test func typedViewRejectsOtherOpcode() {
        let pdu = NOPInPDU(initiatorTaskTag: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1).makePDU()
        #expect(throws: ISCSIWireError.self) { try NOPOutPDU(pdu) }
    }

    @Test func initiatorMessageDispatchesAndRejectsTargetOpcodes() throws {
        let nop = NOPOutPDU(initiatorTaskTag: 9, cmdSN: 1, expStatSN: 1).makePDU()
        guard case .nopOut(let decoded) = try ISCSIInitiatorMessage(nop) else {
            Issue.record("expected a NOP-Out")
            return
        }
        #expect(decoded.initiatorTaskTag == 9)
        let nopIn = NOPInPDU(initiatorTaskTag: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1).makePDU()
        #expect(throws: ISCSIWireError.self) { try ISCSIInitiatorMessage(nopIn) }
        #expect(throws: ISCSIWireError.self) {
            try ISCSIInitiatorMessage(ISCSIPDU(header: ISCSIBasicHeaderSegment(opcode: ISCSIOpcode(rawValue: 0x1c))))
        }
    }
}
