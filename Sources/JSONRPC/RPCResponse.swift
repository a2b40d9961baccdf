/// Builds response objects with SPDK's member order: `jsonrpc`, `id`, then `result` or `error`.
enum RPCResponse {
    /// `{"jsonrpc":"2.0","id":…,"result":…}`.
    static func result(_ result: JSONValue, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    /// `{"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}}`.
    static func error(_ error: RPCError, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": error.jsonValue]
    }
}
