/// Initiator groups: iscsi_create/delete_initiator_group, add/remove initiators.
extension TargetConfiguration {
    /// Creates a group; both lists must be non-empty and the tag unused.
    func createInitiatorGroup(tag: Int32, initiators: [String], netmasks: [String]) throws(ConfigurationError) {
        guard !initiators.isEmpty, !netmasks.isEmpty, !self.initiatorGroups.contains(where: { $0.tag == tag }) else {
            throw .invalid
        }
        let group = try InitiatorGroupSnapshot(tag: tag).adding(initiators: initiators, netmasks: netmasks)
        self.initiatorGroups.append(group)
        self.publish()
    }

    /// Adds entries to an existing group (all or nothing).
    func addInitiators(tag: Int32, initiators: [String], netmasks: [String]) throws(ConfigurationError) {
        guard let index = self.initiatorGroups.firstIndex(where: { $0.tag == tag }) else { throw .invalid }
        self.initiatorGroups[index] = try self.initiatorGroups[index].adding(initiators: initiators, netmasks: netmasks)
        self.publish()
    }

    /// Removes entries from an existing group (all or nothing); an emptied group stays.
    func removeInitiators(tag: Int32, initiators: [String], netmasks: [String]) throws(ConfigurationError) {
        guard let index = self.initiatorGroups.firstIndex(where: { $0.tag == tag }) else { throw .invalid }
        self.initiatorGroups[index] = try self.initiatorGroups[index].removing(
            initiators: initiators,
            netmasks: netmasks
        )
        self.publish()
    }

    /// Deletes a group after removing it from every target map.
    func deleteInitiatorGroup(tag: Int32) throws(ConfigurationError) {
        guard let index = self.initiatorGroups.firstIndex(where: { $0.tag == tag }) else { throw .invalid }
        for targetIndex in self.targets.indices {
            self.targets[targetIndex].removeInitiatorGroup(tag)
        }
        self.initiatorGroups.remove(at: index)
        self.publish()
    }
}
