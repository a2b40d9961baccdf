extension RPCMethodTable {
    /// The result of `spdk_get_version`: the SPDK release this target emulates.
    public static let spdkVersion: JSONValue = [
        "version": "SPDK v26.09-pre",
        "fields": ["major": 26, "minor": 9, "patch": 0, "suffix": "-pre"],
    ]

    /// `rpc_get_methods` and `spdk_get_version`, both callable in either state.
    ///
    /// ``init(allowedMethods:)`` registers them; they are public so that a table's content can
    /// be listed or re-registered elsewhere.
    public static func builtinMethods(table: RPCMethodTable) -> [RPCMethod] {
        [
            RPCMethod("rpc_get_methods", allowedIn: .both) { [weak table] params in
                var decoder = try RPCParams(params, failure: .invalidParameters)
                let currentOnly = try decoder.optional("current", as: Bool.self) ?? false
                // Deprecated alias names are not registered here, so including them adds nothing.
                _ = try decoder.optional("include_aliases", as: Bool.self)
                try decoder.finish()
                guard let table else { throw RPCError.internalError("method table is gone") }
                return .array(table.methodNames(currentOnly: currentOnly).map(JSONValue.string))
            },
            RPCMethod("spdk_get_version", allowedIn: .both) { params in
                try RPCParams.expectNone(
                    params,
                    error: .invalidParameters("spdk_get_version method requires no parameters")
                )
                return Self.spdkVersion
            },
        ]
    }
}
