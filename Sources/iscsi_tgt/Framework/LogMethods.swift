import JSONRPC

/// The `log_*` methods (rpc-methods.md §A), all callable in both states, over ``LogSettings``.
enum LogMethods {
    /// The methods over `settings`, ready to register.
    static func make(settings: LogSettings) -> [RPCMethod] {
        [
            flagSetter("log_set_flag", enabled: true, settings: settings),
            flagSetter("log_clear_flag", enabled: false, settings: settings),
            RPCMethod("log_get_flags", allowedIn: .both) { params in
                try RPCParams.expectNone(params, error: .invalidParameters("log_get_flags requires no parameters"))
                var flags = JSONObject()
                for flag in settings.flags {
                    flags[flag.name] = .bool(flag.enabled)
                }
                return .object(flags)
            },
            levelSetter("log_set_level") { settings.level = $0 },
            levelSetter("log_set_print_level") { settings.printLevel = $0 },
            levelGetter("log_get_level") { settings.level },
            levelGetter("log_get_print_level") { settings.printLevel },
        ]
    }

    private static func flagSetter(_ name: String, enabled: Bool, settings: LogSettings) -> RPCMethod {
        RPCMethod(name, allowedIn: .both) { params in
            var decoder = try RPCParams(params, failure: .decodeFailed)
            let flag = try decoder.required("flag", as: String.self)
            try decoder.finish()
            guard settings.setFlag(flag, enabled: enabled) else {
                throw RPCError.invalidParameters("invalid log flag")
            }
            return true
        }
    }

    private static func levelSetter(_ name: String, apply: @escaping @Sendable (SPDKLogLevel) -> Void) -> RPCMethod {
        RPCMethod(name, allowedIn: .both) { params in
            var decoder = try RPCParams(params, failure: .decodeFailed)
            let levelName = try decoder.required("level", as: String.self)
            try decoder.finish()
            guard let level = SPDKLogLevel(name: levelName) else { throw RPCError.decodeFailed }
            apply(level)
            return true
        }
    }

    private static func levelGetter(_ name: String, read: @escaping @Sendable () -> SPDKLogLevel) -> RPCMethod {
        RPCMethod(name, allowedIn: .both) { params in
            try RPCParams.expectNone(params, error: .invalidParameters("\(name) requires no parameters"))
            return .string(read().name)
        }
    }
}
