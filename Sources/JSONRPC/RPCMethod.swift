/// One JSON-RPC method: its name, the states it may run in, and its handler.
///
/// The handler receives the request's `params` (`nil` when absent or `null`) and returns the
/// `result`. It may suspend (`framework_wait_init` waits for the RUNTIME state). A thrown
/// ``RPCError`` becomes that error object; any other error becomes `-32603` with its description.
public struct RPCMethod: Sendable {
    /// The method name, e.g. `iscsi_get_options`.
    public var name: String
    /// The states the method may be called in.
    public var allowedStates: RPCStateMask
    /// Computes the result from the params.
    public var handler: @Sendable (_ params: JSONValue?) async throws -> JSONValue

    /// Creates a method; by default callable only once the framework is initialised.
    public init(
        _ name: String,
        allowedIn allowedStates: RPCStateMask = .runtime,
        handler: @escaping @Sendable (_ params: JSONValue?) async throws -> JSONValue
    ) {
        self.name = name
        self.allowedStates = allowedStates
        self.handler = handler
    }
}
