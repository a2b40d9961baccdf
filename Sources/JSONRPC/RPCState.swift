/// The framework state that decides which methods may run (SPDK's `SPDK_RPC_STARTUP` / `SPDK_RPC_RUNTIME`).
public enum RPCState: Sendable, Hashable {
    /// Before `framework_start_init`: only STARTUP-capable methods run (`--wait-for-rpc`).
    case startup
    /// After subsystem initialisation.
    case runtime
}

/// The states a method may be called in.
public struct RPCStateMask: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Callable before `framework_start_init`.
    public static let startup = RPCStateMask(rawValue: 0x1)
    /// Callable once the framework is initialised.
    public static let runtime = RPCStateMask(rawValue: 0x2)
    /// Callable in either state.
    public static let both: RPCStateMask = [.startup, .runtime]

    /// Whether a method with this mask may run in `state`.
    public func allows(_ state: RPCState) -> Bool {
        switch state {
        case .startup: return self.contains(.startup)
        case .runtime: return self.contains(.runtime)
        }
    }
}
