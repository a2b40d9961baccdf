import JSONRPC

/// rpc.py's `save_config` / `save_subsystem_config`: gathers `framework_get_config` of subsystems.
struct ConfigurationSaver {
    let client: RPCClient

    /// `{"subsystems": [{"subsystem": name, "config": ...}, ...]}` in `framework_get_subsystems` order,
    /// for every subsystem or for the comma-separated `subsystems` and everything they depend on.
    func save(subsystems requested: String?, withBatches: JSONValue) throws -> JSONValue {
        let listed = try client.call("framework_get_subsystems", arguments: [:]).arrayValue ?? []
        var closure: [String: Set<String>] = [:]
        var order: [String] = []
        for entry in listed {
            let name = try Self.string(entry, "subsystem")
            var dependencies: Set<String> = [name]
            for dependency in entry.objectValue?["depends_on"]?.arrayValue ?? [] {
                let dependencyName = dependency.stringValue ?? dependency.compactText()
                guard let known = closure[dependencyName] else {
                    throw CommandAbort.exception("KeyError", "'\(dependencyName)'")
                }
                dependencies.formUnion(known)
            }
            closure[name] = dependencies
            order.append(name)
        }
        var selected = Set(order)
        if let requested {
            selected = []
            for name in requested.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                guard let dependencies = closure[name] else { throw CommandAbort.exception("KeyError", "'\(name)'") }
                selected.formUnion(dependencies)
            }
        }
        var saved: [JSONValue] = []
        for name in order where selected.contains(name) {
            saved.append(try subsystemEntry(name: .string(name), withBatches: withBatches))
        }
        return .object(["subsystems": .array(saved)])
    }

    /// `{"subsystem": name, "config": framework_get_config(name)}`.
    func saveSubsystem(name: JSONValue, withBatches: JSONValue) throws -> JSONValue {
        try subsystemEntry(name: name, withBatches: withBatches)
    }

    private func subsystemEntry(name: JSONValue, withBatches: JSONValue) throws -> JSONValue {
        let config = try client.call("framework_get_config", arguments: ["name": name, "with_batches": withBatches])
        return .object(["subsystem": name, "config": config])
    }

    private static func string(_ entry: JSONValue, _ key: String) throws -> String {
        guard let value = entry.objectValue?[key] else { throw CommandAbort.exception("KeyError", "'\(key)'") }
        return value.stringValue ?? value.compactText()
    }
}
