import ISCSIProtocol

/// How the fuzzed connection answers `LoginAction.resolveSession`, chosen by two input bytes.
///
/// First byte: bits 0–1 authentication policy; bit 2 header digest required; bit 3 data digest required;
/// bits 4–6: 0 accepts the login, other values pick a refusal; bit 7: the target has an alias.
/// Second byte: bit 0 configures CHAP (a ``CHAPAuthenticator`` with one user, whose secret the input never
/// learns); bit 1 requires mutual CHAP; bit 2 accepts every algorithm instead of MD5 only; bit 3 gives the
/// user mutual credentials.
struct LoginFuzzGrant {
    /// The CHAP user the credential lookup knows.
    static let user = "iqn.2016-06.io.fuzz:initiator"

    private static let refusals: [LoginSessionRefusal] = [
        .targetNotFound, .targetRemoved, .accessDenied, .redirected(address: "192.0.2.1:3260"),
        .sessionDoesNotExist, .tooManyConnections, .cannotIncludeInSession,
    ]

    /// The policy the grant carries.
    let authentication: LoginAuthenticationPolicy
    /// The answer handed to `sessionResolved(_:)`.
    let resolution: LoginSessionResolution

    init(_ byte: UInt8, chap: UInt8) {
        self.authentication = [.none, .optional, .required, .optional][Int(byte & 0b11)]
        let refusal = Int(byte >> 4 & 0b111)
        guard refusal == 0 else {
            self.resolution = .refused(Self.refusals[refusal - 1])
            return
        }
        self.resolution = .accepted(
            LoginSessionGrant(
                targetAlias: byte & 0x80 != 0 ? "fuzz-alias" : nil,
                portalGroupTag: 1,
                headerDigestRequired: byte & 0b100 != 0,
                dataDigestRequired: byte & 0b1000 != 0,
                authentication: self.authentication,
                authenticator: chap & 1 != 0 ? Self.authenticator(chap) : nil
            )
        )
    }

    private static func authenticator(_ chap: UInt8) -> CHAPAuthenticator {
        let configuration = CHAPConfiguration(
            algorithms: chap & 0b100 != 0 ? Set(CHAPAlgorithm.allCases) : [.md5],
            requiresMutualAuthentication: chap & 0b10 != 0
        )
        let credentials = CHAPCredentials(
            user: Self.user,
            secret: CHAPSecret("fuzz-secret-0123"),
            mutualUser: chap & 0b1000 != 0 ? "iqn.2016-06.io.spdk:fuzz" : nil,
            mutualSecret: chap & 0b1000 != 0 ? CHAPSecret("fuzz-mutual-0123") : nil
        )
        return CHAPAuthenticator(configuration: configuration) { user in
            user == credentials.user ? credentials : nil
        }
    }
}
