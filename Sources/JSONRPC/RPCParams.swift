/// Strict decoding of a method's `params` object, the way SPDK's `spdk_json_decode_object` works.
///
/// An unknown key, a duplicate key, a missing required key or a value of the wrong type (or out of
/// range) makes the whole decode fail with the error the method chose: `RPCError.invalidParameters`
/// for most `iscsi_*` methods, `RPCError.decodeFailed` for most `bdev_*` ones.
///
/// ```swift
/// var params = try RPCParams(request, failure: .invalidParameters)
/// let name: String = try params.required("name")
/// let depth = try params.optional("queue_depth", as: UInt32.self) ?? 128
/// try params.finish()
/// ```
public struct RPCParams {
    private let object: JSONObject
    private var consumed: Set<String> = []
    /// The error to throw; `nil` for a nested object, which reports ``RPCParamTypeMismatch`` instead
    /// so that the enclosing decode turns it into its own failure.
    private let failure: RPCError?

    /// Starts decoding `params`; absent or `null` params decode as an empty object.
    ///
    /// - Throws: `failure` when `params` is neither an object nor null, or has a duplicate key.
    public init(_ params: JSONValue?, failure: RPCError) throws {
        self.failure = failure
        switch params {
        case .none, .null?:
            self.object = JSONObject()
        case .object(let object)?:
            self.object = object
        case .some:
            throw failure
        }
        try self.rejectDuplicateKeys()
    }

    /// Starts decoding a nested object value (`null` is a type mismatch here).
    init(nestedObject value: JSONValue) throws {
        guard case .object(let object) = value else {
            throw RPCParamTypeMismatch()
        }
        self.failure = nil
        self.object = object
        try self.rejectDuplicateKeys()
    }

    /// Decodes the member `key`, which must be present.
    public mutating func required<T: RPCParamValue>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let value = try self.optional(key, as: type) else {
            throw self.failureError
        }
        return value
    }

    /// Decodes the member `key` if present; `nil` if absent.
    public mutating func optional<T: RPCParamValue>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let value = self.object[key] else {
            return nil
        }
        self.consumed.insert(key)
        do {
            return try T(rpcValue: value)
        } catch let error as RPCError {
            throw error
        } catch {
            throw self.failureError
        }
    }

    /// Whether the params contain the member `key` (without consuming it).
    public func contains(_ key: String) -> Bool {
        self.object[key] != nil
    }

    /// Fails if any member was not decoded: SPDK rejects unknown keys.
    public func finish() throws {
        guard self.object.members.allSatisfy({ self.consumed.contains($0.key) }) else {
            throw self.failureError
        }
    }

    /// Checks the params of a method that takes none: anything but absent or `null`, even `{}`,
    /// throws `error`.
    public static func expectNone(_ params: JSONValue?, error: RPCError) throws {
        switch params {
        case .none, .null?:
            return
        case .some:
            throw error
        }
    }

    private func rejectDuplicateKeys() throws {
        if self.object.hasDuplicateKeys {
            throw self.failureError
        }
    }

    private var failureError: any Error {
        self.failure ?? RPCParamTypeMismatch()
    }
}
