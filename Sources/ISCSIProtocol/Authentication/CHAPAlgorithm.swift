import Crypto

/// A CHAP digest algorithm, identified on the wire by its `CHAP_A` number (the PPP CHAP algorithm registry, as
/// used by RFC 7143 §12.1.3 and its successor draft).
///
/// SPDK offers MD5 only; the Linux initiator also proposes SHA-1, SHA-256 and SHA3-256 when
/// `node.session.auth.chap_algs` lists them.
public enum CHAPAlgorithm: UInt8, CaseIterable, Hashable, Sendable {
    /// MD5 (`CHAP_A=5`), the only algorithm RFC 7143 requires.
    case md5 = 5
    /// SHA-1 (`CHAP_A=6`).
    case sha1 = 6
    /// SHA-256 (`CHAP_A=7`).
    case sha256 = 7
    /// SHA3-256 (`CHAP_A=8`).
    case sha3_256 = 8

    /// The length of the digest, and so of a valid `CHAP_R`, in bytes.
    public var digestLength: Int {
        switch self {
        case .md5: Insecure.MD5.byteCount
        case .sha1: Insecure.SHA1.byteCount
        case .sha256: SHA256.byteCount
        case .sha3_256: SHA3_256.byteCount
        }
    }

    /// The length of the challenge the target issues: the digest length, as the Linux target does.
    public var challengeLength: Int {
        self.digestLength
    }

    /// The CHAP response `H(identifier || secret || challenge)` (RFC 1994 §4.1).
    public func response(identifier: UInt8, secret: CHAPSecret, challenge: [UInt8]) -> [UInt8] {
        switch self {
        case .md5: Self.digest(Insecure.MD5.self, identifier: identifier, secret: secret, challenge: challenge)
        case .sha1: Self.digest(Insecure.SHA1.self, identifier: identifier, secret: secret, challenge: challenge)
        case .sha256: Self.digest(SHA256.self, identifier: identifier, secret: secret, challenge: challenge)
        case .sha3_256: Self.digest(SHA3_256.self, identifier: identifier, secret: secret, challenge: challenge)
        }
    }

    private static func digest<Function: HashFunction>(
        _ function: Function.Type,
        identifier: UInt8,
        secret: CHAPSecret,
        challenge: [UInt8]
    ) -> [UInt8] {
        var hasher = Function()
        hasher.update(data: [identifier])
        secret.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(data: challenge)
        return Array(hasher.finalize())
    }
}
