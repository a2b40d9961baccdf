/// CHAP auth groups: iscsi_create/delete_auth_group, add/remove secrets.
extension TargetConfiguration {
    /// Why creating an auth group failed: the tag exists, or a secret was refused.
    enum AuthGroupCreationError: Error {
        case exists
        case secret(ConfigurationError)
    }

    /// Creates a group with its secrets; a refused secret leaves no group behind.
    func createAuthGroup(tag: Int32, secrets: [AuthGroup.Secret]) throws(AuthGroupCreationError) {
        guard !self.authGroups.contains(where: { $0.tag == tag }) else { throw .exists }
        var group = AuthGroup(tag: tag)
        for secret in secrets {
            do {
                try group.add(secret)
            } catch {
                throw .secret(error)
            }
        }
        self.authGroups.append(group)
        self.publish()
    }

    func deleteAuthGroup(tag: Int32) throws(ConfigurationError) {
        guard let index = self.authGroups.firstIndex(where: { $0.tag == tag }) else { throw .notFound }
        self.authGroups.remove(at: index)
        self.publish()
    }

    /// Adds a secret to a group: `.notFound` for an unknown tag, else `AuthGroup.add`'s errors.
    func addSecret(_ secret: AuthGroup.Secret, toAuthGroup tag: Int32) throws(ConfigurationError) {
        guard let index = self.authGroups.firstIndex(where: { $0.tag == tag }) else { throw .notFound }
        try self.authGroups[index].add(secret)
        self.publish()
    }

    /// Removes a user's secret; `.notFound` for an unknown group, `.invalidArgument` for an unknown user.
    func removeSecret(user: String, fromAuthGroup tag: Int32) throws(ConfigurationError) {
        guard let index = self.authGroups.firstIndex(where: { $0.tag == tag }) else { throw .notFound }
        do {
            try self.authGroups[index].removeSecret(user: user)
        } catch {
            throw .invalidArgument
        }
        self.publish()
    }
}
