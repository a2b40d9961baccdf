/// The secrets of one CHAP user of an auth group (`iscsi_auth_group_add_secret`): the initiator's name and
/// secret, and for mutual CHAP the name and secret the target answers with.
public struct CHAPCredentials: Hashable, Sendable, CustomStringConvertible {
    /// `user`: the name the initiator sends in `CHAP_N`.
    public var user: String
    /// `secret`: what the initiator proves it knows.
    public var secret: CHAPSecret
    /// `muser`: the name the target sends in `CHAP_N` for mutual CHAP.
    public var mutualUser: String?
    /// `msecret`: what the target proves it knows for mutual CHAP.
    public var mutualSecret: CHAPSecret?

    /// Creates the credentials of one user; `mutualUser` and `mutualSecret` are needed for mutual CHAP.
    public init(user: String, secret: CHAPSecret, mutualUser: String? = nil, mutualSecret: CHAPSecret? = nil) {
        self.user = user
        self.secret = secret
        self.mutualUser = mutualUser
        self.mutualSecret = mutualSecret
    }

    /// The name and secret the target answers a mutual challenge with, when both are configured.
    var targetCredentials: (user: String, secret: CHAPSecret)? {
        guard let user = self.mutualUser, !user.isEmpty, let secret = self.mutualSecret, secret.count > 0 else {
            return nil
        }
        return (user, secret)
    }

    public var description: String {
        let mutual = self.mutualUser.map { ", mutualUser: \($0), mutualSecret: <redacted>" } ?? ""
        return "CHAPCredentials(user: \(self.user), secret: <redacted>\(mutual))"
    }
}
