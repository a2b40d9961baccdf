import ISCSIProtocol

/// The authentication a login must pass: the `AuthMethod` values it accepts and, unless CHAP is disabled, the
/// CHAP authenticator holding the secrets of the policy's auth group.
///
/// SPDK takes the policy of a Discovery session from the portal group the connection arrived on and the policy of
/// a Normal session from the target node; in both cases the secrets come from the auth group whose tag is the
/// policy's `chap_group`, with no fallback (group 0, or a group that does not exist, has no user, so CHAP fails).
/// Every `CHAP_A` algorithm of `CHAPAlgorithm` is accepted, the first one the initiator lists winning (SPDK has MD5
/// only; libiscsi offers MD5 only, the Linux initiator whatever `node.session.auth.chap_algs` lists).
struct LoginAuthentication {
    /// Which `AuthMethod` values the login accepts.
    var policy: LoginAuthenticationPolicy
    /// Runs CHAP when it is negotiated; nil when CHAP is disabled.
    var authenticator: CHAPAuthenticator?

    /// The authentication a login under `chap` needs, with the secrets of `authGroup` (the group `chap.group`
    /// names, nil when there is none).
    init(_ chap: CHAPPolicy, authGroup: AuthGroup?) {
        let rule = chap.rule
        self.policy = rule.authenticationPolicy
        guard rule.requirement != .disabled else {
            self.authenticator = nil
            return
        }
        let secrets = authGroup?.secrets ?? []
        self.authenticator = CHAPAuthenticator(
            configuration: rule.configuration(algorithms: Set(CHAPAlgorithm.allCases)),
            credentials: { user in
                secrets.first { $0.user == user }.map(CHAPCredentials.init)
            }
        )
    }
}

extension CHAPPolicy {
    /// The protocol's view of these flags. Stored policies are valid (`isValid`); `mutual` without `require`
    /// cannot occur and is read as mutual CHAP required.
    var rule: CHAPRule {
        let requirement: CHAPRule.Requirement =
            if self.disable {
                .disabled
            } else if self.mutual {
                .requiredMutual
            } else if self.require {
                .required
            } else {
                .initiatorDecides
            }
        return CHAPRule(requirement: requirement, group: self.group)
    }
}

extension CHAPCredentials {
    /// The credentials of one auth group secret.
    init(_ secret: AuthGroup.Secret) {
        self.init(
            user: secret.user,
            secret: CHAPSecret(secret.secret),
            mutualUser: secret.mutualUser,
            mutualSecret: secret.mutualSecret.map(CHAPSecret.init)
        )
    }
}
