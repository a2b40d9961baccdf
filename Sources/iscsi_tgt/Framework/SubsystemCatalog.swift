import JSONRPC

/// The subsystems of `iscsi_tgt` in SPDK's initialisation order, with their dependencies, and
/// the configuration each contributes to `framework_get_config` / `save_config`.
struct SubsystemCatalog: Sendable {
    /// One subsystem of the list `framework_get_subsystems` returns.
    struct Subsystem: Sendable, Equatable {
        var name: String
        var dependsOn: [String]
    }

    /// Dependencies come before their dependants, as `save_config` requires.
    static let subsystems: [Subsystem] = [
        Subsystem(name: "iobuf", dependsOn: []),
        Subsystem(name: "keyring", dependsOn: []),
        Subsystem(name: "sock", dependsOn: []),
        Subsystem(name: "vmd", dependsOn: []),
        Subsystem(name: "accel", dependsOn: ["iobuf"]),
        Subsystem(name: "scheduler", dependsOn: []),
        Subsystem(name: "bdev", dependsOn: ["accel", "keyring", "vmd", "sock", "iobuf"]),
        Subsystem(name: "scsi", dependsOn: ["bdev"]),
        Subsystem(name: "nbd", dependsOn: ["bdev"]),
        Subsystem(name: "iscsi", dependsOn: ["scsi", "sock"]),
    ]

    /// Subsystems whose configuration the target service writes; the others have nothing to save (`[]`).
    static let serviceSubsystems: Set<String> = ["bdev", "scsi", "iscsi"]

    /// Whether `name` is one of this application's subsystems (the config loader's unknown-method rule).
    static func contains(_ name: String) -> Bool {
        subsystems.contains { $0.name == name }
    }

    /// The `framework_get_subsystems` result.
    static var subsystemsResult: JSONValue {
        .array(
            subsystems.map { subsystem in
                .object([
                    "subsystem": .string(subsystem.name),
                    "depends_on": .array(subsystem.dependsOn.map { .string($0) }),
                ])
            }
        )
    }

    /// A configuration array without explicit batches: every nested array's entries inline, in order.
    static func flattened(_ config: JSONValue) -> JSONValue {
        guard case .array(let entries) = config else { return config }
        return .array(
            entries.flatMap { entry -> [JSONValue] in
                if case .array(let batch) = entry { return batch }
                return [entry]
            }
        )
    }
}
