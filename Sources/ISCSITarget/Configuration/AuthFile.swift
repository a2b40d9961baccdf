import FoundationEssentials

/// The legacy INI auth file of `auth_file`: `[AuthGroupN]` sections (N > 0) whose
/// `Auth "user" "secret" ["muser" "msecret"]` lines become CHAP auth groups at framework init.
/// `#` starts a comment; values may be double-quoted.
enum AuthFile {
    /// The auth groups in the file at `path`, or nil when it cannot be read (SPDK then ignores it).
    /// - Throws: `ISCSIOptionsError` for malformed content.
    static func load(path: String) throws(ISCSIOptionsError) -> [AuthGroup]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return try Self.parse(text)
    }

    /// Parses the file's text.
    static func parse(_ text: String) throws(ISCSIOptionsError) -> [AuthGroup] {
        var groups: [AuthGroup] = []
        var inAuthGroup = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.trimmed(rawLine.prefix { $0 != "#" })
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw Self.error(line: index + 1, "bad section header") }
                let name = line.dropFirst().dropLast()
                inAuthGroup = name.hasPrefix("AuthGroup")
                guard inAuthGroup else { continue }
                guard let tag = Int32(name.dropFirst("AuthGroup".count)), tag > 0 else {
                    throw Self.error(line: index + 1, "auth group number must be positive")
                }
                guard !groups.contains(where: { $0.tag == tag }) else {
                    throw Self.error(line: index + 1, "duplicate auth group \(tag)")
                }
                groups.append(AuthGroup(tag: tag))
                continue
            }
            let tokens = Self.tokens(of: line)
            guard inAuthGroup, tokens.first == "Auth" else { continue }
            guard tokens.count == 3 || tokens.count == 5 else {
                throw Self.error(line: index + 1, "expected Auth \"user\" \"secret\" [\"muser\" \"msecret\"]")
            }
            let secret = AuthGroup.Secret(
                user: tokens[1],
                secret: tokens[2],
                mutualUser: tokens.count == 5 ? tokens[3] : nil,
                mutualSecret: tokens.count == 5 ? tokens[4] : nil
            )
            do {
                try groups[groups.count - 1].add(secret)
            } catch {
                throw Self.error(line: index + 1, "invalid secret for user \(secret.user)")
            }
        }
        return groups
    }

    private static func trimmed(_ text: Substring) -> String {
        let start = text.drop { $0.isWhitespace }
        return String(start.dropLast(start.reversed().prefix { $0.isWhitespace }.count))
    }

    /// Whitespace-separated words; a double-quoted word may contain whitespace.
    private static func tokens(of line: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var inToken = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
                inToken = true
            } else if character.isWhitespace && !quoted {
                if inToken { tokens.append(current) }
                current = ""
                inToken = false
            } else {
                current.append(character)
                inToken = true
            }
        }
        if inToken { tokens.append(current) }
        return tokens
    }

    private static func error(line: Int, _ message: String) -> ISCSIOptionsError {
        ISCSIOptionsError(message: "auth_file line \(line): \(message)")
    }
}
