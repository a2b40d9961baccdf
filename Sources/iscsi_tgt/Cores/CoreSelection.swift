/// The reactor cores of a run: the `-m` set checked against the machine, and the main core.
struct CoreSelection: Equatable, Sendable {
    /// The selected cores, ascending.
    var cores: [Int]
    /// The core of the app thread (`-p`, else the lowest selected core).
    var mainCore: Int

    /// The cores with the main core first: the event loop order (the first loop hosts the app thread).
    var loopOrder: [Int] {
        [mainCore] + cores.filter { $0 != mainCore }
    }

    /// Checks `-m` (default `0x1`) and `-p` against the cores this process may use.
    /// Failures are startup errors (exit 1), as when SPDK's environment refuses the mask.
    static func resolve(mask: String?, mainCore: Int?, available: [Int]) -> Result<CoreSelection, StartupError> {
        let selected: CoreSet
        if let mask {
            guard let parsed = CoreSet(parsing: mask) else {
                return .failure(StartupError("Invalid core mask '\(mask)': use a hex mask (0x3) or a list ([0,2-3])"))
            }
            selected = parsed
        } else {
            selected = .defaultMask
        }
        let missing = selected.cores.filter { !available.contains($0) }
        guard missing.isEmpty else {
            let list = missing.map(String.init).joined(separator: ",")
            let usable = available.map(String.init).joined(separator: ",")
            return .failure(
                StartupError("Core(s) \(list) of the core mask do not exist or are not usable here (cores: \(usable))")
            )
        }
        let main = mainCore ?? selected.cores[0]
        guard selected.cores.contains(main) else {
            return .failure(StartupError("Main core \(main) is not in the core mask 0x\(selected.hexMask)"))
        }
        return .success(CoreSelection(cores: selected.cores, mainCore: main))
    }
}

/// A failure before the target runs; the process exits with status 1 after printing it.
struct StartupError: Error, Equatable, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
