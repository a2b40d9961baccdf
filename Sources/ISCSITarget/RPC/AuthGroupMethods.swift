import JSONRPC

/// iscsi_create/delete_auth_group, iscsi_get_auth_groups, iscsi_auth_group_add/remove_secret.
enum AuthGroupMethods {
    /// At most this many secrets in iscsi_create_auth_group.
    static let maximumSecrets = 64

    static func methods(_ configuration: TargetConfiguration) -> [RPCMethod] {
        [
            RPCMethod("iscsi_create_auth_group") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let tag: Int32 = try decoder.required("tag")
                let secrets: [SecretParameter] = try decoder.optional("secrets") ?? []
                try decoder.finish()
                guard secrets.count <= Self.maximumSecrets else { throw RPCError.invalidParameters }
                do throws(TargetConfiguration.AuthGroupCreationError) {
                    try await configuration.createAuthGroup(tag: tag, secrets: secrets.map(\.secret))
                } catch .exists {
                    throw RPCError.invalidParameters("Could not add auth group (\(tag)), File exists")
                } catch .secret(let reason) {
                    throw Self.addSecretError(tag: tag, reason)
                }
                return true
            },
            RPCMethod("iscsi_delete_auth_group") { params in
                let tag = try PortalGroupMethods.decodeTag(params)
                do {
                    try await configuration.deleteAuthGroup(tag: tag)
                } catch {
                    throw Self.unknownGroupError(tag: tag)
                }
                return true
            },
            .getter("iscsi_get_auth_groups") {
                .array(await configuration.authGroups.map(\.json))
            },
            RPCMethod("iscsi_auth_group_add_secret") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let tag: Int32 = try decoder.required("tag")
                let secret = try SecretParameter(params: &decoder).secret
                try decoder.finish()
                do throws(ConfigurationError) {
                    try await configuration.addSecret(secret, toAuthGroup: tag)
                } catch .notFound {
                    throw Self.unknownGroupError(tag: tag)
                } catch {
                    throw Self.addSecretError(tag: tag, error)
                }
                return true
            },
            RPCMethod("iscsi_auth_group_remove_secret") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let tag: Int32 = try decoder.required("tag")
                let user: String = try decoder.required("user")
                try decoder.finish()
                do throws(ConfigurationError) {
                    try await configuration.removeSecret(user: user, fromAuthGroup: tag)
                } catch .notFound {
                    throw Self.unknownGroupError(tag: tag)
                } catch {
                    throw RPCError.invalidParameters(
                        "Could not delete secret from CHAP group (\(tag)), \(RPCError.errno(19).message)"
                    )
                }
                return true
            },
        ]
    }

    private static func unknownGroupError(tag: Int32) -> RPCError {
        .invalidParameters("Could not find auth group (\(tag))")
    }

    private static func addSecretError(tag: Int32, _ reason: ConfigurationError) -> RPCError {
        let errno: Int32 = reason == .exists ? 17 : 22
        return .invalidParameters("Could not add secret to auth group (\(tag)), \(RPCError.errno(errno).message)")
    }
}
