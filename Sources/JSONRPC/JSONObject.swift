/// The members of a JSON object, in document order.
///
/// Duplicate keys are kept as they were parsed so that strict decoders (request validation,
/// ``RPCParams``) can reject them; the key subscript sees the first occurrence.
public struct JSONObject: Sendable, Hashable {
    /// One `"key": value` member.
    public struct Member: Sendable, Hashable {
        /// The member name.
        public var key: String
        /// The member value.
        public var value: JSONValue

        /// Creates a member.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in order.
    public var members: [Member]

    /// Creates an object from members, kept in the given order.
    public init(_ members: [Member] = []) {
        self.members = members
    }

    /// The value of the first member named `key`.
    ///
    /// Setting replaces the first member with that name or appends a new member if there is
    /// none; setting `nil` removes every member with that name.
    public subscript(key: String) -> JSONValue? {
        get {
            self.members.first { $0.key == key }?.value
        }
        set {
            guard let newValue else {
                self.members.removeAll { $0.key == key }
                return
            }
            if let index = self.members.firstIndex(where: { $0.key == key }) {
                self.members[index].value = newValue
            } else {
                self.members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// The member names in order (duplicates included).
    public var keys: [String] {
        self.members.map(\.key)
    }

    /// Whether some name occurs more than once.
    public var hasDuplicateKeys: Bool {
        var seen = Set<String>()
        return self.members.contains { !seen.insert($0.key).inserted }
    }
}

extension JSONObject: RandomAccessCollection, MutableCollection {
    public var startIndex: Int { self.members.startIndex }
    public var endIndex: Int { self.members.endIndex }

    public subscript(position: Int) -> Member {
        get { self.members[position] }
        set { self.members[position] = newValue }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }
}
