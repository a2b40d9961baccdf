import Synchronization

/// The registered methods, the `--rpcs-allowed` filter and the STARTUP/RUNTIME state gate.
///
/// Thread-safe: modules register their methods at startup, the server dispatches into it from
/// any connection, and the app moves it to ``RPCState/runtime`` after subsystem initialisation.
/// `rpc_get_methods` and `spdk_get_version` are registered from the start.
public final class RPCMethodTable: Sendable {
    private struct State {
        var methods: [String: RPCMethod] = [:]
        /// Names in first-registration order.
        var registrationOrder: [String] = []
        var state: RPCState = .startup
        var runtimeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let allowedMethods: Set<String>?
    private let protected = Mutex(State())
    private let successObserver = Mutex<(@Sendable (String) async -> Void)?>(nil)

    /// Creates a table in the STARTUP state holding the built-in methods.
    ///
    /// - Parameter allowedMethods: The `--rpcs-allowed` list; other methods answer
    ///   `Method not found` and are hidden from `rpc_get_methods`. `nil` allows all.
    public init(allowedMethods: Set<String>? = nil) {
        self.allowedMethods = allowedMethods
        self.register(Self.builtinMethods(table: self))
    }

    /// Adds a method; registering a name again replaces the earlier method.
    public func register(_ method: RPCMethod) {
        self.protected.withLock { state in
            if state.methods.updateValue(method, forKey: method.name) == nil {
                state.registrationOrder.append(method.name)
            }
        }
    }

    /// Adds several methods in order.
    public func register(_ methods: [RPCMethod]) {
        for method in methods {
            self.register(method)
        }
    }

    /// The current state.
    public var state: RPCState {
        self.protected.withLock { $0.state }
    }

    /// Moves to `state`; entering RUNTIME resumes every ``waitUntilRuntime()`` caller.
    public func setState(_ newState: RPCState) {
        let waiters = self.protected.withLock { state in
            state.state = newState
            guard newState == .runtime else { return [CheckedContinuation<Void, Never>]() }
            defer { state.runtimeWaiters = [] }
            return state.runtimeWaiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }

    /// Returns once the state is RUNTIME (at once if it already is).
    public func waitUntilRuntime() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isRuntime = self.protected.withLock { state in
                guard state.state == .runtime else {
                    state.runtimeWaiters.append(continuation)
                    return false
                }
                return true
            }
            if isRuntime {
                continuation.resume()
            }
        }
    }

    /// The callable method names, most recently registered first (as SPDK lists them).
    ///
    /// - Parameter currentOnly: Only the methods callable in the current state.
    public func methodNames(currentOnly: Bool) -> [String] {
        self.protected.withLock { state in
            state.registrationOrder.reversed().filter { name in
                guard self.isAllowed(name), let method = state.methods[name] else { return false }
                return !currentOnly || method.allowedStates.allows(state.state)
            }
        }
    }

    /// Whether `name` may be called in the current state; `nil` for an unknown (or filtered) method.
    public func allowsInCurrentState(_ name: String) -> Bool? {
        self.protected.withLock { state in
            guard self.isAllowed(name), let method = state.methods[name] else { return nil }
            return method.allowedStates.allows(state.state)
        }
    }

    /// Runs `observer` with the method name after every successful call, before its response is sent
    /// (`--config-autosave` writes the configuration there); replaces an earlier observer.
    public func observeSuccessfulCalls(_ observer: @escaping @Sendable (String) async -> Void) {
        self.successObserver.withLock { $0 = observer }
    }

    /// Calls a method directly, as the `-c` config loader does: lookup, `--rpcs-allowed` and
    /// state gating apply.
    ///
    /// - Throws: An ``RPCError``, whatever the handler threw.
    public func call(_ name: String, params: JSONValue?) async throws(RPCError) -> JSONValue {
        let method = try self.gatedMethod(named: name)
        do {
            let result = try await method.handler(params)
            if let observer = self.successObserver.withLock({ $0 }) {
                await observer(name)
            }
            return result
        } catch let error as RPCError {
            throw error
        } catch is RPCParamTypeMismatch {
            throw .invalidParameters
        } catch {
            throw .internalError(String(describing: error))
        }
    }

    /// Executes one top-level request value (an object, or a batch array) as the server does.
    ///
    /// - Returns: The response to send, or `nil` when nothing is sent (successful notifications).
    public func respond(to request: JSONValue) async -> JSONValue? {
        guard case .array(let elements) = request else {
            return await self.respond(toSingle: request)
        }
        guard !elements.isEmpty else {
            return RPCResponse.error(.invalidRequest, id: .null)
        }
        var responses: [JSONValue] = []
        for element in elements {
            if let response = await self.respond(toSingle: element) {
                responses.append(response)
            }
        }
        return responses.isEmpty ? nil : .array(responses)
    }

    private func respond(toSingle value: JSONValue) async -> JSONValue? {
        switch RPCRequest.validate(value) {
        case .invalid(let id):
            return RPCResponse.error(.invalidRequest, id: id)
        case .valid(let request):
            do {
                let result = try await self.call(request.method, params: request.params)
                return request.id.map { RPCResponse.result(result, id: $0) }
            } catch {
                return RPCResponse.error(error, id: request.id ?? .null)
            }
        }
    }

    private func gatedMethod(named name: String) throws(RPCError) -> RPCMethod {
        let lookup: Result<RPCMethod, RPCError> = self.protected.withLock { state in
            guard self.isAllowed(name), let method = state.methods[name] else {
                return .failure(.methodNotFound)
            }
            guard method.allowedStates.allows(state.state) else {
                return .failure(state.state == .startup ? .runtimeOnly : .startupOnly)
            }
            return .success(method)
        }
        return try lookup.get()
    }

    private func isAllowed(_ name: String) -> Bool {
        self.allowedMethods?.contains(name) ?? true
    }
}
