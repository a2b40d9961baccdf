import JSONRPC

/// Methods of SPDK subsystems this target does not have, which SPDK-written configs contain:
/// any params are accepted and the answer is `true`, so such configs load.
enum AcceptedOptionMethods {
    /// Method names and the states SPDK registers them for.
    static let registrations: [(name: String, states: RPCStateMask)] = [
        ("iobuf_set_options", .startup),
        ("sock_set_default_impl", .startup),
        ("sock_impl_set_options", .startup),
        ("accel_set_options", .startup),
        ("bdev_raid_set_options", .both),
        ("bdev_nvme_set_options", .both),
        ("bdev_nvme_set_hotplug", .runtime),
        ("bdev_iscsi_set_options", .both),
        ("framework_set_scheduler", .both),
    ]

    static var methods: [RPCMethod] {
        Self.registrations.map { registration in
            RPCMethod(registration.name, allowedIn: registration.states) { _ in true }
        }
    }
}
