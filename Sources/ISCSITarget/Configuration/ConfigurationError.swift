/// Why a configuration change was refused; the RPC layer turns it into the method's error object.
public enum ConfigurationError: Error, Sendable, Equatable {
    /// A parameter or combination is not acceptable (most iSCSI methods answer "Invalid parameters").
    case invalid
    /// The named object does not exist.
    case notFound
    /// The object already exists.
    case exists
    /// A value is out of range (errno EINVAL).
    case invalidArgument
}
