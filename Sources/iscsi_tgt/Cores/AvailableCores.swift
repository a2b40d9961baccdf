import Glibc

/// The cores this process may run on (its scheduler affinity), which bounds what `-m` may select.
enum AvailableCores {
    /// The cores of `Cpus_allowed_list` in `/proc/self/status`; falls back to `0..<online count`.
    static func current() -> [Int] {
        if let bytes = try? FileContents.read(path: "/proc/self/status") {
            let status = String(decoding: bytes, as: UTF8.self)
            let prefix = "Cpus_allowed_list:"
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                let cores = CoreSet(parsing: "[" + line.dropFirst(prefix.count).trimmingWhitespace() + "]")
            {
                return cores.cores
            }
        }
        return Array(0..<max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
