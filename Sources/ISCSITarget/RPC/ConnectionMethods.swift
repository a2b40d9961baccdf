import JSONRPC

/// iscsi_get_connections and iscsi_get_stats, from the connection registry.
enum ConnectionMethods {
    /// The connection states iscsi_get_stats counts, in its key order.
    static let states = ["invalid", "running", "exiting", "exited"]

    static func methods(_ connections: ConnectionRegistry) -> [RPCMethod] {
        [
            .getter("iscsi_get_connections") {
                .array(connections.connections.map(\.info.json))
            },
            .getter("iscsi_get_stats") {
                let infos = connections.connections.map(\.info)
                let counts = Self.states.map { state -> (String, JSONValue) in
                    (state, .integer(Int64(infos.filter { $0.state == state }.count)))
                }
                return .object(JSONObject(counts))
            },
        ]
    }
}
