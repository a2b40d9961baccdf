import ISCSITarget
import JSONRPC

/// `framework_get_subsystems` and `framework_get_config` (rpc-methods.md §A).
enum SubsystemMethods {
    /// The methods, reading the bdev, scsi and iscsi configuration from `service`.
    static func make(service: ISCSITargetService) -> [RPCMethod] {
        [
            RPCMethod("framework_get_subsystems") { params in
                try RPCParams.expectNone(
                    params,
                    error: .invalidParameters("'framework_get_subsystems' requires no arguments")
                )
                return SubsystemCatalog.subsystemsResult
            },
            RPCMethod("framework_get_config") { params in
                var decoder = try RPCParams(params, failure: .invalidParameters("Invalid arguments"))
                let name = try decoder.required("name", as: String.self)
                let withBatches = try decoder.optional("with_batches", as: Bool.self) ?? false
                try decoder.finish()
                guard SubsystemCatalog.contains(name) else {
                    throw RPCError.invalidParameters("Subsystem '\(name)' not found")
                }
                guard SubsystemCatalog.serviceSubsystems.contains(name) else { return .array([]) }
                let config = await service.subsystemConfig(named: name) ?? .null
                return withBatches ? config : SubsystemCatalog.flattened(config)
            },
        ]
    }
}
