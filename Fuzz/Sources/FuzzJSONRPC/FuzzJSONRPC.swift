import FuzzSupport
import JSONRPC
import NIOCore

/// libFuzzer entry point: frames a byte stream into JSON values, parses each with the server's limit, and
/// answers it with ``FuzzedMethodTable``.
///
/// Input layout: one byte of framer limit (``maximumValueLengths``), one byte of chunk size (0 feeds the
/// stream at once), then the stream. Every response must print as JSON that parses again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRPC(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzedData(start: start, count: count)
    var framer = JSONValueFramer(maximumValueLength: input.pick(maximumValueLengths))
    let chunkSize = Int(input.byte())
    let stream = input.remainingBytes()

    var requests: [JSONValue] = []
    var received = ByteBuffer()
    var fed = 0
    framing: repeat {
        let end = chunkSize == 0 ? stream.count : min(stream.count, fed + chunkSize)
        received.writeBytes(stream[fed..<end])
        fed = end
        do {
            while let value = try framer.decode(buffer: &received) {
                // The server closes the connection after a parse error, so stop at the first.
                guard let request = try? JSONValue.parse(value.readableBytesView, maxValues: 8192) else {
                    break framing
                }
                requests.append(request)
            }
        } catch {
            break
        }
    } while fed < stream.count

    for response in FuzzedMethodTable.respond(to: requests) {
        let text = response.compactText()
        precondition((try? JSONValue.parse(text)) != nil, "a response is not valid JSON: \(text)")
    }
    return 0
}

/// Framer limits to try: tiny ones reach the too-large path quickly, the default is the server's.
private let maximumValueLengths = [16, 256, 4096, JSONValueFramer.defaultMaximumValueLength]
