/// Adding and removing entries of an initiator group with SPDK's limits.
///
/// Every method works on a copy and either applies all changes or none (the RPCs' rollback).
extension InitiatorGroupSnapshot {
    /// At most this many names and this many netmasks per group.
    static let maximumEntries = 256
    /// Longest initiator name, in bytes.
    static let maximumInitiatorNameLength = 223

    /// Adds names then netmasks; fails on a duplicate, a too-long name or too many entries.
    func adding(initiators: [String], netmasks: [String]) throws(ConfigurationError) -> Self {
        var group = self
        for name in initiators {
            guard group.initiators.count < Self.maximumEntries,
                name.utf8.count <= Self.maximumInitiatorNameLength,
                !group.initiators.contains(name)
            else { throw .invalid }
            group.initiators.append(Self.replacingALL(name))
        }
        for netmask in netmasks {
            guard group.netmasks.count < Self.maximumEntries, !group.netmasks.contains(netmask) else {
                throw .invalid
            }
            group.netmasks.append(Self.replacingALL(netmask))
        }
        return group
    }

    /// Removes names then netmasks; fails when one is not present.
    func removing(initiators: [String], netmasks: [String]) throws(ConfigurationError) -> Self {
        var group = self
        for name in initiators {
            guard let index = group.initiators.firstIndex(of: name) else { throw .invalid }
            group.initiators.remove(at: index)
        }
        for netmask in netmasks {
            guard let index = group.netmasks.firstIndex(of: netmask) else { throw .invalid }
            group.netmasks.remove(at: index)
        }
        return group
    }

    /// SPDK rewrites the first `ALL` in an entry to `ANY` (the deprecated spelling).
    private static func replacingALL(_ entry: String) -> String {
        var result = entry
        if let range = result.firstRange(of: "ALL") {
            result.replaceSubrange(range, with: "ANY")
        }
        return result
    }
}
