/// Every command iscsi-rpc knows, in the order `--help` lists them.
enum CommandTable {
    static let all: [RPCCommand] =
        FrameworkCommands.all + ConfigCommands.all + BdevCommands.all + ISCSICommands.all

    private static let byName: [String: RPCCommand] = Dictionary(
        all.map { ($0.name, $0) },
        uniquingKeysWith: { first, _ in first }
    )

    static func command(named name: String) -> RPCCommand? {
        byName[name]
    }
}
