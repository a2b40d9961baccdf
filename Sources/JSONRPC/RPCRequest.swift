/// One validated JSON-RPC request object (`jsonrpc.md` §3).
struct RPCRequest: Sendable, Hashable {
    /// The method name.
    var method: String
    /// The params: an object or an array; `nil` when absent or `null`.
    var params: JSONValue?
    /// The id to echo: a string or a number; `nil` for a notification (id absent or `null`).
    var id: JSONValue?

    /// The outcome of validating a request value.
    enum Validation: Sendable, Hashable {
        /// A request to dispatch.
        case valid(RPCRequest)
        /// Not a valid request: answer `-32600` with this id (`null` when no usable id was found).
        case invalid(id: JSONValue)
    }

    private static let knownKeys: Set<String> = ["jsonrpc", "method", "params", "id"]

    /// Validates a request value as SPDK's `parse_single_request` does: only the keys `jsonrpc`,
    /// `method`, `params` and `id`, none twice; `jsonrpc` (optional) must be `"2.0"`; `method` a
    /// string; `params` an object, an array or null; `id` a string, a number or null. Once the
    /// keys are acceptable, a valid id is echoed even when another member is wrong.
    static func validate(_ value: JSONValue) -> Validation {
        guard case .object(let object) = value,
            !object.hasDuplicateKeys,
            object.keys.allSatisfy(Self.knownKeys.contains)
        else {
            return .invalid(id: .null)
        }

        var isValid = true
        let id: JSONValue?
        switch object["id"] {
        case .none, .null?:
            id = nil
        case .some(let value) where value.stringValue != nil || value.doubleValue?.isFinite == true:
            // A number beyond Double's range (1e400) cannot be echoed as JSON, so it is refused as an id.
            id = value
        case .some:
            id = nil
            isValid = false
        }

        if let version = object["jsonrpc"], version != "2.0" {
            isValid = false
        }

        let method = object["method"]?.stringValue
        if method == nil {
            isValid = false
        }

        let params: JSONValue?
        switch object["params"] {
        case .none, .null?:
            params = nil
        case .some(let value) where value.objectValue != nil || value.arrayValue != nil:
            params = value
        case .some:
            params = nil
            isValid = false
        }

        guard isValid, let method else {
            return .invalid(id: id ?? .null)
        }
        return .valid(RPCRequest(method: method, params: params, id: id))
    }
}
