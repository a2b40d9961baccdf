#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A JSON-RPC error object: what a failed request answers, as `{"code":…,"message":…}`.
///
/// Method handlers throw these; the codes and messages are SPDK's (see `jsonrpc.md` §5).
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error code.
    public var code: Int
    /// The human-readable message.
    public var message: String

    /// Creates an error object.
    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "JSON-RPC error \(self.code): \(self.message)"
    }

    /// The error as its JSON object, members `code` then `message`.
    public var jsonValue: JSONValue {
        ["code": .integer(Int64(self.code)), "message": .string(self.message)]
    }
}

extension RPCError {
    /// -32700 `Parse error`: the bytes are not JSON (the connection is then closed).
    public static let parseError = RPCError(code: -32700, message: "Parse error")

    /// -32600 `Invalid request`: valid JSON that is not a valid request object.
    public static let invalidRequest = RPCError(code: -32600, message: "Invalid request")

    /// -32601 `Method not found`: unknown, or not in the `--rpcs-allowed` list.
    public static let methodNotFound = RPCError(code: -32601, message: "Method not found")

    /// -32602 `Invalid parameters`, the generic parameter error.
    public static let invalidParameters = RPCError(code: -32602, message: "Invalid parameters")

    /// -32602 with a method-specific message.
    public static func invalidParameters(_ message: String) -> RPCError {
        RPCError(code: -32602, message: message)
    }

    /// -32603 with the given message.
    public static func internalError(_ message: String) -> RPCError {
        RPCError(code: -32603, message: message)
    }

    /// -32603 `spdk_json_decode_object failed`, what most `bdev_*` methods answer to bad parameters.
    public static let decodeFailed = RPCError.internalError("spdk_json_decode_object failed")

    /// `code = -errno` with the C library's text for it, e.g. `errno(EEXIST)` is `-17 "File exists"`.
    public static func errno(_ value: Int32) -> RPCError {
        RPCError(code: -Int(value), message: String(cString: strerror(value)))
    }

    /// -1: the method is STARTUP-only and the framework is already initialised (RUNTIME state).
    public static let startupOnly = RPCError(
        code: -1,
        message: "Method may only be called before framework is initialized. "
            + "Use --wait-for-rpc command line parameter and then issue this RPC before the framework_start_init RPC."
    )

    /// -1: the method is RUNTIME-only and the framework is not initialised yet (STARTUP state).
    public static let runtimeOnly = RPCError(
        code: -1,
        message: "Method may only be called after framework is initialized using framework_start_init RPC."
    )
}
