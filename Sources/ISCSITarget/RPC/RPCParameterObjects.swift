import JSONRPC

/// `{"host": ..., "port": ...}` of iscsi_create_portal_group.
struct PortalParameter: RPCParamObject {
    var host: String
    var port: String

    init(params: inout RPCParams) throws {
        self.host = try params.required("host")
        self.port = try params.required("port")
    }
}

/// `{"pg_tag": ..., "ig_tag": ...}` of the target-node methods.
struct MapParameter: RPCParamObject {
    var map: PortalGroupInitiatorGroupMap

    init(params: inout RPCParams) throws {
        self.map = PortalGroupInitiatorGroupMap(
            pgTag: try params.required("pg_tag"),
            igTag: try params.required("ig_tag")
        )
    }
}

/// `{"bdev_name": ..., "lun_id": ...}` of iscsi_create_target_node.
struct LUNParameter: RPCParamObject {
    var lun: TargetNodeRequest.LUN

    init(params: inout RPCParams) throws {
        self.lun = TargetNodeRequest.LUN(bdevName: try params.required("bdev_name"), id: try params.required("lun_id"))
    }
}

/// `{"user", "secret", "muser"?, "msecret"?}` of iscsi_create_auth_group.
struct SecretParameter: RPCParamObject {
    var secret: AuthGroup.Secret

    init(params: inout RPCParams) throws {
        self.secret = AuthGroup.Secret(
            user: try params.required("user"),
            secret: try params.required("secret"),
            mutualUser: try params.optional("muser"),
            mutualSecret: try params.optional("msecret")
        )
    }
}

extension CHAPPolicy {
    /// Decodes the optional `disable_chap`, `require_chap`, `mutual_chap` and `chap_group` members.
    init(decoding params: inout RPCParams) throws {
        self.init(
            disable: try params.optional("disable_chap") ?? false,
            require: try params.optional("require_chap") ?? false,
            mutual: try params.optional("mutual_chap") ?? false,
            group: try params.optional("chap_group") ?? 0
        )
    }
}

extension RPCMethod {
    /// A runtime method without params (any params → -32602 "<name> requires no parameters").
    static func getter(_ name: String, _ body: @escaping @Sendable () async throws -> JSONValue) -> RPCMethod {
        RPCMethod(name) { params in
            try RPCParams.expectNone(params, error: .invalidParameters("\(name) requires no parameters"))
            return try await body()
        }
    }
}
