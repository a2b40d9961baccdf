import FuzzSupport
import ISCSIWire
import NIOCore

/// libFuzzer entry point: decodes a byte stream as iSCSI PDUs and checks every PDU survives re-encoding.
///
/// Input layout: one byte of decoder settings (data segment limit, header and data digests), one byte
/// of chunk size (0 feeds the stream at once), then the stream. The stream is fed chunk by chunk, as
/// reads from a socket would arrive.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDUDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzedData(start: start, count: count)
    let settings = input.byte()
    let configuration = ISCSIPDUDecoder.Configuration(
        maxDataSegmentLength: [512, 8192, 65536, 262_144][Int(settings & 0b11)],
        headerDigest: settings & 0b100 != 0,
        dataDigest: settings & 0b1000 != 0
    )
    let chunkSize = Int(input.byte())
    let stream = input.remainingBytes()

    var decoder = ISCSIPDUDecoder(configuration: configuration)
    var received = ByteBuffer()
    var fed = 0
    repeat {
        let end = chunkSize == 0 ? stream.count : min(stream.count, fed + chunkSize)
        received.writeBytes(stream[fed..<end])
        fed = end
        do {
            while let pdu = try decoder.decode(buffer: &received) {
                PDURoundTrip.check(pdu, configuration: configuration)
            }
        } catch {
            return 0
        }
    } while fed < stream.count
    _ = try? decoder.decodeLast(buffer: &received, seenEOF: true)
    return 0
}
