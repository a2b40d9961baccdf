import ISCSIProtocol

/// How the fuzzed connection answers `LoginAction.resolveSession`, chosen by one input byte.
///
/// Bits 0–1: authentication policy; bit 2: header digest required; bit 3: data digest required;
/// bits 4–6: 0 accepts the login, other values pick a refusal; bit 7: the target has an alias.
struct LoginFuzzGrant {
    private static let refusals: [LoginSessionRefusal] = [
        .targetNotFound, .targetRemoved, .accessDenied, .redirected(address: "192.0.2.1:3260"),
        .sessionDoesNotExist, .tooManyConnections, .cannotIncludeInSession,
    ]

    /// The policy the grant carries; no authenticator is configured, so CHAP cannot succeed.
    let authentication: LoginAuthenticationPolicy
    /// The answer handed to `sessionResolved(_:)`.
    let resolution: LoginSessionResolution

    init(_ byte: UInt8) {
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
                authentication: self.authentication
            )
        )
    }
}
