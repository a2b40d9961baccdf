import ISCSIProtocol
import Testing

@testable import ISCSITarget

@Suite struct ConnectionLoginResolverTests {
    private func resolve(
        _ snapshot: ConfigurationSnapshot,
        target: String? = ConnectionTestInitiator.targetName,
        address: String = "127.0.0.1",
        portalGroupTag: Int32 = 1
    ) -> LoginSessionResolution {
        LoginResolver(snapshot: snapshot, portalGroupTag: portalGroupTag, initiatorAddress: address)
            .resolve(initiatorName: ConnectionTestInitiator.initiatorName, targetName: target).resolution
    }

    @Test func acceptsAMappedInitiatorWithTargetSettings() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.targets[0].headerDigest = true
        guard case .accepted(let grant) = self.resolve(snapshot) else {
            Issue.record("expected the login to be accepted")
            return
        }
        #expect(grant.headerDigestRequired && !grant.dataDigestRequired)
        #expect(grant.targetAlias == "Data Disk1" && grant.portalGroupTag == 1)
    }

    @Test func targetNameIsCaseInsensitive() {
        let resolution = self.resolve(
            ConnectionTestInitiator.defaultSnapshot(),
            target: ConnectionTestInitiator.targetName.uppercased()
        )
        guard case .accepted = resolution else {
            Issue.record("expected the login to be accepted")
            return
        }
    }

    @Test func refusals() {
        let snapshot = ConnectionTestInitiator.defaultSnapshot()
        guard case .refused(.targetNotFound) = self.resolve(snapshot, target: "iqn.x:none") else {
            Issue.record("expected not found")
            return
        }
        guard case .refused(.accessDenied) = self.resolve(snapshot, portalGroupTag: 2) else {
            Issue.record("a portal group the target does not map must be denied")
            return
        }
        var deleted = snapshot
        deleted.targets[0].isBeingDeleted = true
        guard case .refused(.targetRemoved) = self.resolve(deleted) else {
            Issue.record("expected target removed")
            return
        }
        var redirected = snapshot
        redirected.targets[0].redirects[1] = Portal(host: "10.0.0.2", port: "3261")
        guard case .refused(.redirected(address: "10.0.0.2:3261")) = self.resolve(redirected) else {
            Issue.record("expected a redirection")
            return
        }
    }

    @Test func netmaskMustAlsoMatch() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.initiatorGroups[0].netmasks = ["192.168.1.0/24"]
        guard case .refused(.accessDenied) = self.resolve(snapshot) else {
            Issue.record("expected access denied for an address outside the netmask")
            return
        }
        guard case .accepted = self.resolve(snapshot, address: "192.168.1.7") else {
            Issue.record("expected the login to be accepted")
            return
        }
    }

    @Test func explicitDenialStopsTheSearch() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot(initiators: ["!" + ConnectionTestInitiator.initiatorName]
        )
        snapshot.initiatorGroups.append(InitiatorGroupSnapshot(tag: 2, initiators: ["ANY"], netmasks: ["ANY"]))
        snapshot.targets[0].maps.append(PortalGroupInitiatorGroupMap(pgTag: 1, igTag: 2))
        guard case .refused(.accessDenied) = self.resolve(snapshot) else {
            Issue.record("expected access denied")
            return
        }
    }

    @Test func discoveryNeedsNoTarget() {
        guard
            case .accepted(let grant) = self.resolve(ConnectionTestInitiator.defaultSnapshot(), target: nil)
        else {
            Issue.record("expected the discovery login to be accepted")
            return
        }
        #expect(grant.authentication == .optional && grant.authenticator != nil)
    }

    @Test func authenticationFollowsTheTargetsCHAPFlags() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        let cases: [(CHAPPolicy, LoginAuthenticationPolicy, Bool)] = [
            (CHAPPolicy(), .optional, true),
            (CHAPPolicy(disable: true), .none, false),
            (CHAPPolicy(require: true, group: 1), .required, true),
            (CHAPPolicy(require: true, mutual: true, group: 1), .required, true),
        ]
        for (chap, policy, hasAuthenticator) in cases {
            snapshot.targets[0].auth = chap
            guard case .accepted(let grant) = self.resolve(snapshot) else {
                Issue.record("expected the login to be accepted")
                continue
            }
            #expect(grant.authentication == policy)
            #expect((grant.authenticator != nil) == hasAuthenticator)
        }
    }

    @Test func discoveryTakesThePortalGroupsCHAPFlags() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.options.discoveryAuth = CHAPPolicy(disable: true)
        snapshot.portalGroups[0].auth = CHAPPolicy(require: true, group: 1)
        guard case .accepted(let grant) = self.resolve(snapshot, target: nil) else {
            Issue.record("expected the discovery login to be accepted")
            return
        }
        #expect(grant.authentication == .required)
        guard case .accepted(let unknownGroup) = self.resolve(snapshot, target: nil, portalGroupTag: 9) else {
            Issue.record("expected the discovery login to be accepted")
            return
        }
        #expect(unknownGroup.authentication == .none)
    }
}
