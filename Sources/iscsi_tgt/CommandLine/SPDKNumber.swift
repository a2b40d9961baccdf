/// Number parsing as SPDK's `spdk_strtol` and `spdk_parse_capacity` do it.
enum SPDKNumber {
    /// `spdk_strtol`: the whole text must be a number (base 0: `0x` hex, leading `0` octal, else
    /// decimal); negative or out-of-range values are refused (`nil`).
    static func nonNegative(_ text: String, base: Int = 0) -> Int? {
        var digits = text.trimmingWhitespace()
        if digits.hasPrefix("+") { digits = digits.dropFirst() }
        var radix = base
        if base == 0 || base == 16, digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if base == 0 {
            radix = digits.count > 1 && digits.hasPrefix("0") ? 8 : 10
        }
        guard !digits.isEmpty, !digits.hasPrefix("-"), !digits.hasPrefix("+") else { return nil }
        return Int(digits, radix: radix)
    }

    /// `-s/--mem-size`: a plain number is MiB; a number with a unit (`512M`, `1G`, `1GB`) is bytes
    /// converted to MiB. `nil` when malformed or larger than `Int32.max` MiB.
    static func capacityInMiB(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCIIDigit }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count)
        let megabytes: Int
        if unit.isEmpty {
            megabytes = number
        } else {
            let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40]
            guard let prefix = unit.first, let multiplier = multipliers[Character(prefix.lowercased())],
                ["", "b", "B"].contains(String(unit.dropFirst()))
            else { return nil }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
            guard !overflow else { return nil }
            megabytes = bytes / (1 << 20)
        }
        return megabytes <= Int(Int32.max) ? megabytes : nil
    }
}

/// DPDK's `--lcores` map, reduced to the cores it names: `0-3`, `(0-3)@2`, `1@(4,5),6` → the
/// logical core ids left of each `@`, as a `-m` list (`[0,1,2,3]`).
enum LcoreMap {
    /// The `-m` list naming the lcores of `map` (a malformed map yields an invalid list, refused at startup).
    static func coreList(_ map: String) -> String {
        var groups: [Substring] = []
        var depth = 0
        var start = map.startIndex
        for index in map.indices {
            switch map[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                groups.append(map[start..<index])
                start = map.index(after: index)
            default: break
            }
        }
        groups.append(map[start...])
        let lcores = groups.map { group in
            group.prefix { $0 != "@" }.filter { $0 != "(" && $0 != ")" }
        }
        return "[" + lcores.joined(separator: ",") + "]"
    }
}
