import NIOCore
import SCSI

/// What must hold for every SCSI command, whatever its CDB; a violation traps, which libFuzzer reports as a
/// crash.
enum SCSIInvariants {
    /// A prepared command never asks for more data than the initiator announced, nor in the wrong direction.
    static func check(_ prepared: SCSIPreparedCommand, of command: SCSICommand) {
        let expected = Int(command.expectedDataTransferLength)
        precondition(prepared.dataOutLength >= 0 && prepared.dataOutLength <= expected, "data-out beyond EDTL")
        precondition(prepared.dataOutLength == 0 || command.isWrite, "data-out solicited without the W bit")
        precondition(prepared.dataInLimit >= 0 && prepared.dataInLimit <= expected, "data-in limit beyond EDTL")
    }

    /// A completion reports exactly the data-in it wrote, within `limit`, and sense only with CHECK CONDITION.
    static func check(_ completion: SCSICompletion, dataIn: ByteBuffer, limit: Int) {
        precondition(
            completion.dataInLength <= limit,
            "data-in beyond the limit: \(completion.dataInLength) > \(limit)"
        )
        precondition(dataIn.readableBytes == completion.dataInLength, "dataInLength disagrees with the data written")
        precondition(
            (completion.status == .checkCondition) == (completion.sense != nil),
            "sense data and CHECK CONDITION disagree"
        )
    }
}
