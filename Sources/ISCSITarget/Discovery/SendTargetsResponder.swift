import ISCSIWire

/// Answers a `SendTargets` text request (iscsi-options.md §3): every target the initiator could log in
/// to (name and address), with the portals of its public portal groups.
struct SendTargetsResponder {
    var snapshot: ConfigurationSnapshot
    var initiatorName: String
    /// The initiator's IP address, without brackets or port.
    var initiatorAddress: String
    /// The address the connection arrived on, used in place of wildcard portals (brackets for IPv6).
    var localHost: String

    /// The text for `SendTargets=<value>`: `All` lists every visible target, a name only that target.
    func respond(to value: String) -> TextKeyValues {
        var text = TextKeyValues()
        let wanted = value.lowercased()
        for target in self.snapshot.targets where wanted == "all" || target.name.lowercased() == wanted {
            guard self.snapshot.isTarget(target, visibleTo: self.initiatorName, at: self.initiatorAddress) else {
                continue
            }
            text.append(key: "TargetName", value: target.name)
            var seenGroups: Set<Int32> = []
            for map in target.maps where seenGroups.insert(map.pgTag).inserted {
                guard let group = self.snapshot.portalGroup(tag: map.pgTag), !group.isPrivate else { continue }
                for portal in group.portals {
                    let host = portal.isWildcard ? self.localHost : portal.host
                    text.append(key: "TargetAddress", value: "\(host):\(portal.port),\(group.tag)")
                }
            }
        }
        return text
    }
}
