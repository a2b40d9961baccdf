import Dispatch
import JSONRPC
import Synchronization

/// The method table requests are answered from: the built-in methods plus two that decode params the way
/// the `iscsi_*` methods do.
enum FuzzedMethodTable {
    private static let table: RPCMethodTable = {
        let table = RPCMethodTable()
        table.register([
            RPCMethod("fuzz_create_node") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let name: String = try decoder.required("name")
                let queueDepth = try decoder.optional("queue_depth", as: UInt32.self) ?? 128
                let luns = try decoder.optional("luns", as: [UInt16].self) ?? []
                _ = try decoder.optional("comment", as: JSONValue.self)
                try decoder.finish()
                return [
                    "name": .string(name), "queue_depth": .integer(Int64(queueDepth)),
                    "luns": .integer(Int64(luns.count)),
                ]
            },
            RPCMethod("fuzz_set_flag", allowedIn: .both) { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let enabled = try decoder.required("enabled", as: Bool.self)
                let ratio = try decoder.optional("ratio", as: Double.self)
                try decoder.finish()
                return ratio.map { .double($0) } ?? .bool(enabled)
            },
        ])
        table.setState(.runtime)
        return table
    }()

    /// The responses the server would send for `requests`, in order (notifications send none).
    static func respond(to requests: [JSONValue]) -> [JSONValue] {
        guard !requests.isEmpty else { return [] }
        let responses = Mutex<[JSONValue]>([])
        let done = DispatchSemaphore(value: 0)
        Task {
            for request in requests {
                if let response = await Self.table.respond(to: request) {
                    responses.withLock { $0.append(response) }
                }
            }
            done.signal()
        }
        done.wait()
        return responses.withLock { $0 }
    }
}
