/// Why a device could not be created, registered or found; the RPC layer maps these to errno codes.
public enum BlockDeviceError: Error, Sendable, Hashable {
    /// A parameter is out of its valid range (`-EINVAL`).
    case invalidArgument
    /// The device's memory could not be allocated (`-ENOMEM`).
    case outOfMemory
    /// Another device already uses the name, or one of the aliases (`-EEXIST`).
    case exists
    /// No device has this name or alias (`-ENODEV`).
    case notFound
    /// A system call failed with this errno, e.g. opening a file bdev's file (`-errno`).
    case system(errno: Int32)
    /// A shared library the device needs could not be loaded (librbd on a machine without Ceph); the text says
    /// why (`-EOPNOTSUPP` with that text).
    case libraryUnavailable(String)
}
