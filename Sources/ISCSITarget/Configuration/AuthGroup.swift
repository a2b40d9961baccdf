/// A CHAP auth group: the secrets logins of targets/portal groups/discovery refer to by `tag`.
public struct AuthGroup: Sendable, Equatable {
    /// One CHAP credential; `mutualUser`/`mutualSecret` are both set or both nil.
    public struct Secret: Sendable, Equatable {
        public var user: String
        public var secret: String
        public var mutualUser: String?
        public var mutualSecret: String?

        public init(user: String, secret: String, mutualUser: String? = nil, mutualSecret: String? = nil) {
            self.user = user
            self.secret = secret
            self.mutualUser = mutualUser
            self.mutualSecret = mutualSecret
        }
    }

    /// Longest user name or secret, in bytes (SPDK stores them in 256-byte buffers).
    static let maximumFieldLength = 255

    public var tag: Int32
    public var secrets: [Secret]

    public init(tag: Int32, secrets: [Secret] = []) {
        self.tag = tag
        self.secrets = secrets
    }

    /// Adds a secret (SPDK `iscsi_auth_group_add_secret`).
    /// - Throws: `.invalidArgument` for a mutual user without secret (or the reverse) or a field over
    ///   255 bytes; `.exists` when the user already has a secret.
    mutating func add(_ secret: Secret) throws(ConfigurationError) {
        guard (secret.mutualUser == nil) == (secret.mutualSecret == nil) else { throw .invalidArgument }
        let fields = [secret.user, secret.secret, secret.mutualUser ?? "", secret.mutualSecret ?? ""]
        guard fields.allSatisfy({ $0.utf8.count <= Self.maximumFieldLength }) else { throw .invalidArgument }
        guard !self.secrets.contains(where: { $0.user == secret.user }) else { throw .exists }
        self.secrets.append(secret)
    }

    /// Removes the secret of `user`; `.notFound` when there is none.
    mutating func removeSecret(user: String) throws(ConfigurationError) {
        guard let index = self.secrets.firstIndex(where: { $0.user == user }) else { throw .notFound }
        self.secrets.remove(at: index)
    }
}
