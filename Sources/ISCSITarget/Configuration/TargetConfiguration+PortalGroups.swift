/// Portal groups: iscsi_create/start/delete_portal_group, iscsi_portal_group_set_auth.
extension TargetConfiguration {
    /// At most this many portals per group.
    static let maximumPortalsPerGroup = 1024

    /// Binds the portals and adds the group; nothing is kept when anything fails.
    /// - Parameter accepting: false (the `wait` flag) listens without accepting until started.
    func createPortalGroup(
        tag: Int32,
        portals: [Portal],
        isPrivate: Bool,
        accepting: Bool
    ) async throws(ConfigurationError) {
        guard !portals.isEmpty, portals.count <= Self.maximumPortalsPerGroup,
            Set(portals).count == portals.count, self.isAvailable(tag: tag, portals: portals)
        else { throw .invalid }
        let listener: PortalListener
        do {
            listener = try await PortalListener.bind(
                portals: portals,
                portalGroupTag: tag,
                accepting: accepting,
                group: self.group,
                acceptorSlot: self.acceptorSlot
            )
        } catch {
            throw .invalid
        }
        // Another RPC may have taken the tag or a portal while this one was binding.
        guard self.isAvailable(tag: tag, portals: portals) else {
            await listener.close()
            throw .invalid
        }
        self.portalGroups.append(
            PortalGroup(
                tag: tag,
                portals: portals,
                isPrivate: isPrivate,
                auth: self.options.discoveryAuth,
                listener: listener
            )
        )
        self.publish()
    }

    private func isAvailable(tag: Int32, portals: [Portal]) -> Bool {
        let used = Set(self.portalGroups.flatMap(\.portals))
        return !self.portalGroups.contains { $0.tag == tag } && used.isDisjoint(with: portals)
    }

    /// Starts accepting on a group created with `wait` (idempotent).
    func startPortalGroup(tag: Int32) async throws(ConfigurationError) {
        guard let group = self.portalGroups.first(where: { $0.tag == tag }) else { throw .invalid }
        do {
            try await group.listener.startAccepting()
        } catch {
            throw .invalid
        }
    }

    /// Removes the group and every target map through it, then closes its listeners (connections stay).
    func deletePortalGroup(tag: Int32) async throws(ConfigurationError) {
        guard let index = self.portalGroups.firstIndex(where: { $0.tag == tag }) else { throw .invalid }
        let group = self.portalGroups.remove(at: index)
        for targetIndex in self.targets.indices {
            self.targets[targetIndex].removePortalGroup(tag)
        }
        self.publish()
        await group.listener.close()
    }

    /// iscsi_portal_group_set_auth: `.notFound` for an unknown tag, `.invalid` for a bad combination.
    func setPortalGroupAuth(tag: Int32, policy: CHAPPolicy) throws(ConfigurationError) {
        guard let index = self.portalGroups.firstIndex(where: { $0.tag == tag }) else { throw .notFound }
        guard policy.isValid else { throw .invalid }
        self.portalGroups[index].auth = policy
        self.portalGroups[index].hasOwnAuth = true
        self.publish()
    }

    /// The bound socket addresses of a group (tests bind port 0 and need the real port).
    func boundAddresses(ofPortalGroup tag: Int32) -> [String] {
        let group = self.portalGroups.first { $0.tag == tag }
        return group?.listener.localAddresses.compactMap { $0.port.map(String.init) } ?? []
    }
}
