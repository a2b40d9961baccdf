import BlockDevice
import NIOCore

/// WRITE AND VERIFY (10), (12) and (16) (SBC-3 §5.38–5.40): a write whose blocks are then verified on the medium
/// and, with BYTCHK set, compared with the data-out. Decoded as a ``BlockTransfer`` so it shares the write path and
/// its residual handling.
///
/// The verification needs the data on the medium, so a write-back device is flushed before it completes (as with
/// FUA). BYTCHK 01b compares the blocks read back; 10b and 11b are INVALID FIELD IN CDB.
extension BlockTransfer {
    public static let writeAndVerify10: UInt8 = 0x2E
    public static let writeAndVerify12: UInt8 = 0xAE
    public static let writeAndVerify16: UInt8 = 0x8E

    /// Decodes WRITE AND VERIFY; nil for other operation codes.
    init?(writeAndVerify cdb: CDB) throws(SCSICheckCondition) {
        switch cdb.operationCode {
        case Self.writeAndVerify10:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.transferLength = UInt32(cdb.uint16(at: 7))
        case Self.writeAndVerify12:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.transferLength = cdb.uint32(at: 6)
        case Self.writeAndVerify16:
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.transferLength = cdb.uint32(at: 10)
        default:
            return nil
        }
        let byteCheck = (cdb[1] >> 1) & 0x03
        guard byteCheck <= 0x01 else {
            throw .invalidFieldInCDB
        }
        self.direction = .write
        self.forceUnitAccess = true
        self.disablePageOut = cdb[1] & 0x10 != 0
        self.protection = cdb.protectionField
        self.verifiesBytes = byteCheck == 0x01
    }
}

extension LogicalUnit {
    /// Reads back the `length` bytes just written at `lba` and compares them with `dataOut`; a difference is
    /// MISCOMPARE with its byte offset.
    func verifyWritten(lba: UInt64, length: Int, dataOut: [ByteBuffer], forceUnitAccess: Bool) -> SCSICompletion {
        let flushed = self.completeWrite(lba: lba, forceUnitAccess: forceUnitAccess)
        guard flushed.status == .good else {
            return flushed
        }
        var stored = ByteBuffer()
        stored.reserveCapacity(length)
        let blocks = UInt32(length / Int(self.blockDevice.blockSize))
        let status = self.blockDevice.read(lba: lba, blocks: blocks, into: &stored)
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .read, lba: lba))
        }
        if let offset = Miscompare.firstDifference(stored: stored, segments: dataOut) {
            return .checkCondition(Miscompare.sense(at: offset))
        }
        return .good()
    }

    /// ``verifyWritten(lba:length:dataOut:forceUnitAccess:)`` after a durable asynchronous write (WRITE AND
    /// VERIFY is decoded with FUA): reads the blocks back asynchronously and compares them; `completion` runs on
    /// the device's thread.
    func submitVerifyWritten(
        lba: UInt64,
        length: Int,
        dataOut: [ByteBuffer],
        on device: any AsynchronousBlockDevice,
        completion: @escaping @Sendable (SCSICompletion) -> Void
    ) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(length)
        let blocks = UInt32(length / Int(device.blockSize))
        device.submitRead(lba: lba, blocks: blocks, into: buffer) { status, stored in
            guard case .success = status else {
                return completion(.checkCondition(SenseData(failure: status, direction: .read, lba: lba)))
            }
            if let offset = Miscompare.firstDifference(stored: stored, segments: dataOut) {
                return completion(.checkCondition(Miscompare.sense(at: offset)))
            }
            completion(.good())
        }
    }
}

extension Miscompare {
    /// The offset of the first byte where `stored` differs from the concatenated readable bytes of `segments`;
    /// nil when they are equal.
    static func firstDifference(stored: ByteBuffer, segments: [ByteBuffer]) -> Int? {
        var offset = 0
        for segment in segments {
            if let difference = Miscompare.firstDifference(
                stored: stored,
                from: offset,
                expected: segment.readableBytesView
            ) {
                return offset + difference
            }
            offset += segment.readableBytes
        }
        return nil
    }
}
