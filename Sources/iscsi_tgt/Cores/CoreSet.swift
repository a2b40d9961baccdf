/// A set of CPU core ids, as selected by `-m/--cpumask`.
///
/// SPDK accepts two spellings (`spdk_cpuset_parse`, and DPDK's `-c`/`-l` behind it):
/// a hexadecimal mask with an optional `0x` prefix (`0x3`, `3`, `F0`; bare digits are hex,
/// as in SPDK), or a bracketed decimal list with ranges (`[0,1,10]`, `[0-3,8]`).
struct CoreSet: Hashable, Sendable {
    /// The core ids, ascending and unique.
    let cores: [Int]

    /// The default mask of SPDK applications: core 0 only.
    static let defaultMask = CoreSet(cores: [0])

    init(cores: some Sequence<Int>) {
        self.cores = Array(Set(cores)).sorted()
    }

    /// Parses a `-m` argument; `nil` when it is not a valid non-empty mask or list.
    init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        guard let first = trimmed.first else { return nil }
        let parsed = first == "[" ? Self.parseList(trimmed) : Self.parseHexMask(trimmed)
        guard let parsed, !parsed.isEmpty else { return nil }
        self.init(cores: parsed)
    }

    /// The mask as SPDK prints it (`spdk_cpuset_fmt`): lowercase hex, no `0x`, e.g. `"3"`.
    var hexMask: String {
        guard let highest = cores.last else { return "0" }
        var digits: [Character] = []
        let members = Set(cores)
        for nibble in stride(from: highest / 4, through: 0, by: -1) {
            var value = 0
            for bit in 0..<4 where members.contains(nibble * 4 + bit) {
                value |= 1 << bit
            }
            digits.append(Character(String(value, radix: 16)))
        }
        return String(digits)
    }

    /// The hex mask of a single core, as `framework_get_reactors` shows a thread's cpumask.
    static func hexMask(ofCore core: Int) -> String {
        CoreSet(cores: [core]).hexMask
    }

    private static func parseHexMask(_ text: Substring) -> [Int]? {
        var digits = text
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty else { return nil }
        var cores: [Int] = []
        for (position, character) in digits.reversed().enumerated() {
            guard let value = character.hexDigitValue else { return nil }
            for bit in 0..<4 where value & (1 << bit) != 0 {
                guard position * 4 + bit <= maximumCoreID else { return nil }
                cores.append(position * 4 + bit)
            }
        }
        return cores
    }

    private static func parseList(_ text: Substring) -> [Int]? {
        guard text.hasPrefix("["), text.hasSuffix("]"), text.count >= 2 else { return nil }
        var cores: [Int] = []
        for item in text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count) else { return nil }
            guard let low = parseCoreID(bounds[0]), let high = parseCoreID(bounds[bounds.count - 1]),
                low <= high
            else { return nil }
            cores.append(contentsOf: low...high)
        }
        return cores
    }

    /// Core ids are bounded so a typo cannot make the set enormous (SPDK's limit is 1024).
    static let maximumCoreID = 1023

    private static func parseCoreID(_ text: Substring) -> Int? {
        let digits = text.trimmingWhitespace()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), digits.count <= 4,
            let value = Int(digits), value <= maximumCoreID
        else { return nil }
        return value
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> Substring {
        let text = Substring(self)
        let whitespace: Set<Character> = [" ", "\t", "\n", "\r"]
        let start = text.firstIndex { !whitespace.contains($0) } ?? text.endIndex
        let end = text.lastIndex { !whitespace.contains($0) }.map { text.index(after: $0) } ?? start
        return text[start..<Swift.max(start, end)]
    }
}

extension Character {
    /// True for `0`…`9` only (not other Unicode digits).
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
