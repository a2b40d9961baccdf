import FuzzSupport
import NIOCore
import SCSI

/// One SCSI command and its data-out, read from fuzzer input.
///
/// Layout: 16 CDB bytes; a LUN byte (0 → LUN 0, 1 → LUN 1, 2 → unmapped LUN 5, 3 → an 8-byte raw LUN
/// field follows); a flags byte (bit 0 R, bit 1 W, bits 2–3 split the data-out into that many extra
/// segments); the 32-bit expected data transfer length; the data-out as a 16-bit length and bytes.
struct CDBFuzzCommand {
    var command: SCSICommand
    var dataOut: [ByteBuffer]

    static func next(from input: inout FuzzedData) -> CDBFuzzCommand {
        let cdb = CDB(input.bytes(CDB.capacity))
        let lun: UInt64
        switch input.byte() & 0b11 {
        case 0: lun = LogicalUnitAddress.encode(0)
        case 1: lun = LogicalUnitAddress.encode(1)
        case 2: lun = LogicalUnitAddress.encode(5)
        default: lun = input.integer(UInt64.self)
        }
        let flags = input.byte()
        let command = SCSICommand(
            logicalUnitNumber: lun,
            cdb: cdb,
            expectedDataTransferLength: input.integer(UInt32.self),
            isRead: flags & 1 != 0,
            isWrite: flags & 2 != 0
        )
        return CDBFuzzCommand(
            command: command,
            dataOut: Self.split(input.lengthPrefixedBytes(), into: Int(flags >> 2 & 3))
        )
    }

    /// `bytes` as `extraSegments + 1` buffers, the way immediate data and Data-Out PDUs arrive.
    private static func split(_ bytes: [UInt8], into extraSegments: Int) -> [ByteBuffer] {
        let size = max(1, bytes.count / (extraSegments + 1))
        return stride(from: 0, to: bytes.count, by: size).map {
            ByteBuffer(bytes: bytes[$0..<min(bytes.count, $0 + size)])
        }
    }
}
