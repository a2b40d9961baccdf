import BlockDevice
import FuzzSupport
import NIOCore
import SCSI

/// libFuzzer entry point: runs a sequence of SCSI commands against a device with two small Malloc
/// logical units (LUN 0: 64 blocks of 512 bytes, LUN 1: 8 blocks of 4096 bytes).
///
/// Input layout: one setup byte (bit 0 removes LUN 1, bit 1 reports a capacity change on LUN 0), then
/// commands until the input ends (``CDBFuzzCommand``). Every outcome is checked by ``SCSIInvariants``.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCDB(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzedData(start: start, count: count)
    let setup = input.byte()
    guard let device = FuzzedSCSIDevice.make(removingLUN1: setup & 1 != 0, resizingLUN0: setup & 2 != 0) else {
        preconditionFailure("the Malloc logical units could not be created")
    }
    var nexus = SCSINexus(
        targetPort: SCSITargetPort(targetName: FuzzedSCSIDevice.name, portalGroupTag: 1),
        initiatorPortName: "iqn.2016-06.io.fuzz:initiator,i,0x00023d000001"
    )
    while !input.isExhausted {
        let command = CDBFuzzCommand.next(from: &input)
        switch device.prepare(command.command, nexus: &nexus) {
        case .completed(let completion):
            SCSIInvariants.check(completion, dataIn: ByteBuffer(), limit: 0)
        case .ready(let prepared):
            SCSIInvariants.check(prepared, of: command.command)
            var dataIn = ByteBuffer()
            let completion = device.execute(prepared, dataOut: command.dataOut, dataIn: &dataIn, nexus: &nexus)
            SCSIInvariants.check(completion, dataIn: dataIn, limit: prepared.dataInLimit)
        }
    }
    return 0
}
