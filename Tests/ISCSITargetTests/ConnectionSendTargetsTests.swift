import ISCSIWire
import Testing

@testable import ISCSITarget

@Suite struct ConnectionSendTargetsTests {
    private func respond(
        _ snapshot: ConfigurationSnapshot,
        _ value: String = "All",
        from initiatorAddress: String = "127.0.0.1"
    ) -> [String] {
        SendTargetsResponder(
            snapshot: snapshot,
            initiatorName: ConnectionTestInitiator.initiatorName,
            initiatorAddress: initiatorAddress,
            localHost: "[::1]"
        )
        .respond(to: value).pairs.map { "\($0.key)=\($0.value)" }
    }

    @Test func wildcardPortalsBecomeTheConnectionAddress() {
        #expect(
            self.respond(ConnectionTestInitiator.defaultSnapshot()) == [
                "TargetName=iqn.2016-06.io.spdk:disk1", "TargetAddress=[::1]:3260,1",
            ]
        )
    }

    @Test func hidesTargetsWhoseNetmasksExcludeTheInitiator() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.initiatorGroups[0].netmasks = ["127.0.0.2/32"]
        #expect(self.respond(snapshot, from: "127.0.0.1").isEmpty)
        #expect(self.respond(snapshot, from: "127.0.0.2").count == 2)
    }

    @Test func listsEveryPortalOfPublicGroupsOnly() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.portalGroups[0].portals = [
            Portal(host: "10.0.0.1", port: "3260"), Portal(host: "[fe80::1]", port: "3261"),
        ]
        snapshot.portalGroups.append(
            PortalGroupSnapshot(
                tag: 2,
                portals: [Portal(host: "10.0.0.9", port: "3260")],
                isPrivate: true,
                auth: CHAPPolicy()
            )
        )
        snapshot.targets[0].maps.append(PortalGroupInitiatorGroupMap(pgTag: 2, igTag: 1))
        #expect(
            self.respond(snapshot) == [
                "TargetName=iqn.2016-06.io.spdk:disk1", "TargetAddress=10.0.0.1:3260,1",
                "TargetAddress=[fe80::1]:3261,1",
            ]
        )
    }

    @Test func aNamedRequestReturnsOnlyThatTarget() {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        var second = snapshot.targets[0]
        second.name = "iqn.2016-06.io.spdk:disk2"
        snapshot.targets.append(second)
        #expect(self.respond(snapshot).filter { $0.hasPrefix("TargetName") }.count == 2)
        #expect(self.respond(snapshot, "IQN.2016-06.io.spdk:disk2").first == "TargetName=iqn.2016-06.io.spdk:disk2")
        #expect(self.respond(snapshot, "iqn.2016-06.io.spdk:disk3").isEmpty)
    }

    @Test func deniedInitiatorsSeeNothing() {
        #expect(self.respond(ConnectionTestInitiator.defaultSnapshot(initiators: ["iqn.other"])).isEmpty)
    }
}
