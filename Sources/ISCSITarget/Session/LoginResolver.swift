import ISCSIProtocol

/// Decides, from the configuration, whether a login may proceed (iscsi-options.md §4): target lookup,
/// deletion, redirection, the initiator-group ACL of the portal group the connection arrived on, and the CHAP
/// authentication the login must pass.
struct LoginResolver {
    /// The outcome: the login state machine's answer, and the target of an accepted Normal login.
    struct Decision {
        var resolution: LoginSessionResolution
        var target: TargetNodeSnapshot?
    }

    var snapshot: ConfigurationSnapshot
    var portalGroupTag: Int32
    /// The initiator's IP address, without brackets or port.
    var initiatorAddress: String

    /// Decides a login request.
    func resolve(_ request: LoginSessionRequest) -> Decision {
        self.resolve(
            initiatorName: request.initiatorName,
            targetName: request.sessionType == .normal ? request.targetName : nil
        )
    }

    /// Decides a login of `initiatorName` to `targetName`, or a discovery login when it is nil.
    func resolve(initiatorName: String, targetName: String?) -> Decision {
        guard let targetName else {
            let chap = self.snapshot.portalGroup(tag: self.portalGroupTag)?.auth ?? self.snapshot.options.discoveryAuth
            let authentication = self.authentication(chap)
            let grant = LoginSessionGrant(
                portalGroupTag: UInt16(truncatingIfNeeded: self.portalGroupTag),
                authentication: authentication.policy,
                authenticator: authentication.authenticator
            )
            return Decision(resolution: .accepted(grant), target: nil)
        }
        guard let target = self.snapshot.target(named: targetName) else {
            return Decision(resolution: .refused(.targetNotFound), target: nil)
        }
        if target.isBeingDeleted {
            return Decision(resolution: .refused(.targetRemoved), target: nil)
        }
        if let redirect = target.redirects[self.portalGroupTag] {
            return Decision(
                resolution: .refused(.redirected(address: "\(redirect.host):\(redirect.port)")),
                target: nil
            )
        }
        guard self.allows(initiatorName, on: target) else {
            return Decision(resolution: .refused(.accessDenied), target: nil)
        }
        let authentication = self.authentication(target.auth)
        let grant = LoginSessionGrant(
            targetAlias: target.aliasName.isEmpty ? nil : target.aliasName,
            portalGroupTag: UInt16(truncatingIfNeeded: self.portalGroupTag),
            headerDigestRequired: target.headerDigest,
            dataDigestRequired: target.dataDigest,
            authentication: authentication.policy,
            authenticator: authentication.authenticator
        )
        return Decision(resolution: .accepted(grant), target: target)
    }

    /// Some map of this portal group has an initiator group that names the initiator and admits its
    /// address; a group that explicitly denies the name ends the search.
    private func allows(_ initiatorName: String, on target: TargetNodeSnapshot) -> Bool {
        for map in target.maps where map.pgTag == self.portalGroupTag {
            guard let group = self.snapshot.initiatorGroup(tag: map.igTag) else { continue }
            switch group.nameDecision(initiatorName) {
            case false?: return false
            case true?: if group.allowsAddress(self.initiatorAddress) { return true }
            case nil: continue
            }
        }
        return false
    }

    /// The authentication a login under `chap` must pass, with the secrets of the auth group it names.
    private func authentication(_ chap: CHAPPolicy) -> LoginAuthentication {
        LoginAuthentication(chap, authGroup: self.snapshot.authGroup(tag: chap.group))
    }
}
