import Synchronization

/// Publishes configuration snapshots to the data plane.
///
/// Reading `snapshot` is a lock-protected copy of a few array references; logins and discovery read it,
/// commands never do.
public final class ConfigurationStore: Sendable {
    private let current: Mutex<ConfigurationSnapshot>

    public init(_ snapshot: ConfigurationSnapshot = ConfigurationSnapshot()) {
        self.current = Mutex(snapshot)
    }

    /// The latest published configuration.
    public var snapshot: ConfigurationSnapshot {
        self.current.withLock { $0 }
    }

    /// Replaces the published configuration.
    func publish(_ snapshot: ConfigurationSnapshot) {
        self.current.withLock { $0 = snapshot }
    }
}
