import Testing

@testable import ISCSIProtocol

/// MaxConnections (the smaller of the initiator's and `max_connections_per_session`) and the parameters of a
/// connection that joins a session.
@Suite struct MultiConnectionNegotiationTests {
    /// The parameters of an open session, negotiated on its leading connection.
    private static let session = NegotiatedParameters(
        headerDigest: false,
        dataDigest: false,
        initiatorMaxRecvDataSegmentLength: 8192,
        targetMaxRecvDataSegmentLength: 65536,
        maxConnections: 2,
        initialR2T: true,
        immediateData: true,
        maxBurstLength: 262_144,
        firstBurstLength: 65536,
        defaultTime2Wait: 2,
        defaultTime2Retain: 20,
        maxOutstandingR2T: 1,
        dataPDUInOrder: true,
        dataSequenceInOrder: true,
        errorRecoveryLevel: 0
    )

    private func maxConnections(offered: String, target: UInt32, sessionType: SessionType = .normal) throws -> (
        answer: String?, value: UInt32
    ) {
        var settings = TargetLoginSettings()
        settings.maxConnections = target
        var negotiator = KeyNegotiator(settings: settings, sessionType: sessionType, authentication: .optional)
        let answers = try negotiator.negotiate([TextParameter(key: "MaxConnections", value: offered)])
        return (answers.first { $0.key == "MaxConnections" }?.value, negotiator.parameters.maxConnections)
    }

    @Test func maxConnectionsIsTheSmallerOffer() throws {
        #expect(try self.maxConnections(offered: "8", target: 2) == ("2", 2))
        #expect(try self.maxConnections(offered: "3", target: 4) == ("3", 3))
        #expect(try self.maxConnections(offered: "1", target: 2) == ("1", 1))
    }

    @Test func discoverySessionsHaveOneConnection() throws {
        #expect(try self.maxConnections(offered: "4", target: 4, sessionType: .discovery).value == 1)
    }

    @Test func aLoginJoiningASessionIsAnsweredWithTheSessionWideValuesInForce() throws {
        var negotiator = KeyNegotiator(
            settings: TargetLoginSettings(),
            sessionType: .normal,
            authentication: .optional,
            openSession: Self.session
        )
        let answers = try negotiator.negotiate([
            TextParameter(key: "HeaderDigest", value: "CRC32C,None"),
            TextParameter(key: "MaxBurstLength", value: "1048576"),
            TextParameter(key: "ImmediateData", value: "No"),
            TextParameter(key: "MaxConnections", value: "1"),
        ])
        #expect(
            answers == [
                TextParameter(key: "HeaderDigest", value: "CRC32C"),
                TextParameter(key: "MaxBurstLength", value: "262144"),
                TextParameter(key: "ImmediateData", value: "Yes"),
                TextParameter(key: "MaxConnections", value: "2"),
            ]
        )
        let parameters = negotiator.parameters
        #expect(parameters.headerDigest)
        #expect(parameters.maxBurstLength == 262_144 && parameters.immediateData && parameters.maxConnections == 2)
        #expect(parameters.defaultTime2Retain == 20)
    }

    @Test func aJoiningConnectionKeepsTheSessionWideValuesAndItsOwnConnectionKeys() {
        var connection = Self.session
        connection.headerDigest = true
        connection.dataDigest = true
        connection.initiatorMaxRecvDataSegmentLength = 65536
        connection.maxBurstLength = 1_048_576
        connection.maxConnections = 1
        connection.immediateData = false
        let joined = connection.joining(Self.session)
        #expect(joined.headerDigest && joined.dataDigest)
        #expect(joined.initiatorMaxRecvDataSegmentLength == 65536)
        #expect(joined.maxBurstLength == 262_144)
        #expect(joined.maxConnections == 2)
        #expect(joined.immediateData)
    }
}
