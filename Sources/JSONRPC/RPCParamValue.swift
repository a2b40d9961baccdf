/// Thrown by ``RPCParamValue`` conformances when a JSON value has the wrong type or is out of range;
/// ``RPCParams`` turns it into the method's failure error.
public struct RPCParamTypeMismatch: Error, Sendable, Hashable {
    /// Creates the error.
    public init() {}
}

/// A type ``RPCParams`` can decode from a member value.
///
/// Conformances throw ``RPCParamTypeMismatch`` for a wrong type or range (the enclosing decode then
/// fails with the method's error). An ``RPCError`` thrown instead reaches the client unchanged.
public protocol RPCParamValue {
    /// Decodes the value, strictly.
    init(rpcValue: JSONValue) throws
}

/// A nested object decoded strictly, like the params object itself.
///
/// ```swift
/// struct Portal: RPCParamObject {
///     var host: String
///     var port: String
///     init(params: inout RPCParams) throws {
///         self.host = try params.required("host")
///         self.port = try params.required("port")
///     }
/// }
/// ```
public protocol RPCParamObject: RPCParamValue {
    /// Decodes the members; unknown keys are rejected after this returns.
    init(params: inout RPCParams) throws
}

extension RPCParamObject {
    public init(rpcValue: JSONValue) throws {
        var params = try RPCParams(nestedObject: rpcValue)
        try self.init(params: &params)
        try params.finish()
    }
}

extension Bool: RPCParamValue {
    /// Only `true` and `false`; numbers are a mismatch.
    public init(rpcValue: JSONValue) throws {
        guard case .bool(let value) = rpcValue else { throw RPCParamTypeMismatch() }
        self = value
    }
}

extension String: RPCParamValue {
    /// Only JSON strings; numbers are a mismatch.
    public init(rpcValue: JSONValue) throws {
        guard case .string(let value) = rpcValue else { throw RPCParamTypeMismatch() }
        self = value
    }
}

extension Double: RPCParamValue {
    /// Any JSON number.
    public init(rpcValue: JSONValue) throws {
        guard let value = rpcValue.doubleValue else { throw RPCParamTypeMismatch() }
        self = value
    }
}

extension RPCParamValue where Self: FixedWidthInteger {
    /// A JSON number in range for the type; one with a fraction or exponent only when it is an
    /// exact integer (`2.0`, `1e3`). Strings are a mismatch.
    public init(rpcValue: JSONValue) throws {
        let converted: Self?
        switch rpcValue {
        case .integer(let value): converted = Self(exactly: value)
        case .unsignedInteger(let value): converted = Self(exactly: value)
        case .double(let value): converted = Self(exactly: value)
        default: converted = nil
        }
        guard let converted else { throw RPCParamTypeMismatch() }
        self = converted
    }
}

extension Int: RPCParamValue {}
extension Int8: RPCParamValue {}
extension Int16: RPCParamValue {}
extension Int32: RPCParamValue {}
extension Int64: RPCParamValue {}
extension UInt: RPCParamValue {}
extension UInt8: RPCParamValue {}
extension UInt16: RPCParamValue {}
extension UInt32: RPCParamValue {}
extension UInt64: RPCParamValue {}

extension JSONValue: RPCParamValue {
    /// Any value, unchanged.
    public init(rpcValue: JSONValue) {
        self = rpcValue
    }
}

extension JSONObject: RPCParamValue {
    /// Any object, unchanged (duplicate keys included).
    public init(rpcValue: JSONValue) throws {
        guard case .object(let value) = rpcValue else { throw RPCParamTypeMismatch() }
        self = value
    }
}

extension Array: RPCParamValue where Element: RPCParamValue {
    /// A JSON array whose every element decodes as `Element`.
    public init(rpcValue: JSONValue) throws {
        guard case .array(let elements) = rpcValue else { throw RPCParamTypeMismatch() }
        self = try elements.map { try Element(rpcValue: $0) }
    }
}
