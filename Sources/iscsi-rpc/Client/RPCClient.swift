import Glibc
import JSONRPC

/// rpc.py's `JSONRPCClient` (and its dry-run twin): one connection, request ids from 1, requests sent
/// as `json.dumps(request, indent=2)`, responses read from an accumulating buffer.
final class RPCClient {
    /// Where requests go.
    private enum Transport {
        /// A live connection; nil once the server closed it.
        case socket(SocketConnection?)
        /// `--dry-run`: requests are printed, nothing is sent.
        case dryRun
    }

    private var transport: Transport
    private let logger: ClientLogger
    /// Seconds to wait for each response (`-t`, default 60).
    var timeout: Double
    /// `-b`: calls are queued and sent as one JSON-RPC batch by `sendBatch()`.
    let batchMode: Bool
    private var lastRequestID = 0
    private var queued: [JSONValue] = []
    private var receiveBuffer: [UInt8] = []

    /// Connects like rpc.py: `retries` extra attempts 0.2 s apart, then a final one whose failure is reported.
    init(
        address: String,
        port: Int,
        timeout: Double?,
        retries: Int,
        logLevel: ClientLogger.Level,
        batchMode: Bool
    ) throws(RPCClientError) {
        self.logger = ClientLogger(level: logLevel)
        self.timeout = timeout ?? 60
        self.batchMode = batchMode
        self.transport = .dryRun
        logger.info("Log level set to \(logLevel.rawValue)")
        for _ in 0..<max(retries, 0) {
            if let connection = try? connect(address: address, port: port) {
                transport = .socket(connection)
                return
            }
            usleep(200_000)
        }
        do {
            transport = .socket(try connect(address: address, port: port))
        } catch {
            throw RPCClientError(
                message: "Error while connecting to \(address)\nIs SPDK application running?\n"
                    + "Error details: \(error.description)"
            )
        }
    }

    /// A `--dry-run` client, which prints each request instead of sending it.
    init(dryRunWithBatchMode batchMode: Bool) {
        self.transport = .dryRun
        self.logger = ClientLogger(level: .error)
        self.timeout = 60
        self.batchMode = batchMode
    }

    private func connect(address: String, port: Int) throws(SocketConnection.Failure) -> SocketConnection {
        switch SocketConnection.Address(address) {
        case .unix?:
            logger.debug("Trying to connect to UNIX socket: \(address)")
        case .ipv6?:
            logger.debug("Trying to connect to IPv6 address addr:\(address), port:\(port)")
        case .ipv4?:
            logger.debug("Trying to connect to IPv4 address addr:\(address), port:\(port)'")
        case nil:
            break
        }
        return try SocketConnection.connect(to: address, port: port)
    }

    // MARK: - Calls

    /// rpc.py's `client.METHOD(**kwargs)`: `None` values are dropped before the call.
    func call(_ method: String, arguments: JSONObject) throws(RPCClientError) -> JSONValue {
        var params = JSONObject()
        for member in arguments where member.value != .null {
            params[member.key] = member.value
        }
        return try call(method, params: params)
    }

    /// rpc.py's `client.call(method, params)`: sends one request and returns its result, or throws the
    /// formatted error report when the response carries `error`.
    func call(_ method: String, params: JSONObject) throws(RPCClientError) -> JSONValue {
        logger.debug("call('\(method)')")
        if case .dryRun = transport {
            return printDryRun(method, params: params)
        }
        if batchMode {
            addRequest(method, params: params)
            return .null
        }
        guard timeout > 0 else {
            throw RPCClientError(message: "Timeout value is invalid: \(timeout)\n")
        }
        let requestID = addRequest(method, params: params)
        try flush()
        let response: JSONValue
        do {
            response = try receive()
        } catch {
            if case .socket(nil) = transport, method == "spdk_kill_instance" {
                logger.info("Connection terminated but ignoring since method is '\(method)'")
                return .object([:])
            }
            throw error
        }
        guard case .object(let object) = response else { return .null }
        if let errorObject = object["error"] {
            var report = params
            report["method"] = .string(method)
            report["req_id"] = .integer(Int64(requestID))
            let message = [
                "request:",
                PythonJSON.dumps(.object(report), indent: 2),
                "Got JSON-RPC error response",
                "response:",
                PythonJSON.dumps(errorObject, indent: 2),
            ]
            throw RPCClientError(message: message.joined(separator: "\n"))
        }
        return object["result"] ?? .null
    }

    /// Sends the queued batch; false when nothing was queued.
    func sendBatch() throws(RPCClientError) -> Bool {
        if case .dryRun = transport {
            guard !queued.isEmpty else { return false }
            Console.out("Request:\n" + PythonJSON.dumps(.array(queued), indent: 2))
            queued = []
            return false
        }
        guard !queued.isEmpty else { return false }
        try flush()
        return true
    }

    @discardableResult
    private func addRequest(_ method: String, params: JSONObject) -> Int {
        lastRequestID += 1
        var request: JSONObject = ["jsonrpc": "2.0", "method": .string(method), "id": .integer(Int64(lastRequestID))]
        if !params.isEmpty {
            request["params"] = .object(params)
        }
        logger.debug("append request:\n\(PythonJSON.dumps(.object(request), indent: nil))\n")
        queued.append(.object(request))
        return lastRequestID
    }

    private func printDryRun(_ method: String, params: JSONObject) -> JSONValue {
        lastRequestID += 1
        var request: JSONObject = ["jsonrpc": "2.0", "method": .string(method), "id": .integer(Int64(lastRequestID))]
        if !params.isEmpty {
            request["params"] = .object(params)
        }
        if batchMode {
            queued.append(.object(request))
        } else {
            Console.out("Request:\n" + PythonJSON.dumps(.object(request), indent: 2))
        }
        return .null
    }

    private func flush() throws(RPCClientError) {
        logger.debug("Flushing buffer")
        let text: String
        if batchMode {
            text = PythonJSON.dumps(.array(queued), indent: 2)
        } else {
            text = queued.map { PythonJSON.dumps($0, indent: 2) }.joined(separator: "\n")
        }
        logger.info("Requests:\n\(text)\n")
        queued = []
        guard case .socket(let connection?) = transport else { return }
        do {
            try connection.send(Array(text.utf8))
        } catch {
            throw RPCClientError(message: error.description)
        }
    }

    // MARK: - Responses

    /// Reads the next response value; a value Python deems false (`{}`, `[]`, `0`, `""`, ...) is skipped.
    func receive() throws(RPCClientError) -> JSONValue {
        while true {
            if let value = decodeOneResponse(), Self.isTruthy(value) {
                logger.info("response:\n\(PythonJSON.dumps(value, indent: 2))\n")
                return value
            }
            guard case .socket(let connection?) = transport else {
                throw RPCClientError(message: "Connection closed with partial response:\n\(bufferText)\n")
            }
            let received: [UInt8]?
            do {
                received = try connection.receive(timeout: timeout)
            } catch {
                throw RPCClientError(message: error.description)
            }
            guard let received else {
                throw RPCClientError(message: "Timeout while waiting for response:\n\(bufferText)\n")
            }
            if received.isEmpty {
                transport = .socket(nil)
                throw RPCClientError(message: "Connection closed with partial response:\n\(bufferText)\n")
            }
            receiveBuffer += received
        }
    }

    private var bufferText: String {
        String(decoding: receiveBuffer, as: UTF8.self)
    }

    private func decodeOneResponse() -> JSONValue? {
        logger.debug("Trying to decode response '\(bufferText)'")
        let start = receiveBuffer.firstIndex { !Self.isSpace($0) } ?? receiveBuffer.endIndex
        receiveBuffer.removeSubrange(..<start)
        guard let range = JSONValueSplitter.firstValue(in: receiveBuffer),
            let value = try? JSONValue.parse(receiveBuffer[range])
        else {
            logger.debug("Partial response")
            return nil
        }
        receiveBuffer.removeSubrange(..<range.upperBound)
        return value
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Python truthiness of a decoded value.
    private static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .integer(let number): number != 0
        case .unsignedInteger(let number): number != 0
        case .double(let number): number != 0
        case .string(let text): !text.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object(let object): !object.isEmpty
        }
    }
}
