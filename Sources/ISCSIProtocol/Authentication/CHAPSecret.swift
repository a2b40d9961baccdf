/// A CHAP secret: the bytes shared by the initiator and the target, never printed.
///
/// Its `description`, `debugDescription` and mirror are redacted, so a secret that ends up in a log line or a
/// `dump` shows as `<redacted>`.
public struct CHAPSecret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let bytes: [UInt8]

    /// A secret made of the UTF-8 bytes of `text` (auth group secrets are strings).
    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    /// A secret made of raw bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The length of the secret in bytes.
    public var count: Int {
        self.bytes.count
    }

    /// Calls `body` with the secret bytes, for hashing.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.bytes.withUnsafeBytes(body)
    }

    public var description: String { "<redacted>" }

    public var debugDescription: String { "CHAPSecret(<redacted>)" }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
