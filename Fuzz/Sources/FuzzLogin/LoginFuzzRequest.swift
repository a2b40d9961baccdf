import FuzzSupport
import ISCSIProtocol

/// Reads one Login Request from fuzzer input.
///
/// Layout: a flags byte (bit 7 T, bit 6 C, bits 2–3 CSG, bits 0–1 NSG), a version byte (bits 6–7
/// Version-min, bits 0–5 Version-max), an identity byte (bit 0 flips the ISID, bit 1 sets TSIH 1,
/// bit 2 sets CID 1), then the text as a 16-bit length and that many bytes.
enum LoginFuzzRequest {
    private static let isid: UInt64 = 0x0002_3D00_0001

    static func next(from input: inout FuzzedData) -> LoginRequest {
        let flags = input.byte()
        let version = input.byte()
        let identity = input.byte()
        return LoginRequest(
            transit: flags & 0x80 != 0,
            continuesText: flags & 0x40 != 0,
            currentStage: flags >> 2 & 0b11,
            nextStage: flags & 0b11,
            versionMax: version & 0x3F,
            versionMin: version >> 6,
            isid: identity & 1 != 0 ? Self.isid ^ 0xFF : Self.isid,
            tsih: identity & 2 != 0 ? 1 : 0,
            cid: identity & 4 != 0 ? 1 : 0,
            cmdSN: 1,
            expStatSN: 0,
            text: input.lengthPrefixedBytes()
        )
    }
}
