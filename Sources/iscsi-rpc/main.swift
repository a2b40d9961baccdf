/// iscsi-rpc: a command-line client for the iSCSI target's JSON-RPC server, compatible with SPDK's rpc.py.
let arguments = CommandLine.arguments
let programName = arguments.first.map { String($0.split(separator: "/").last ?? "iscsi-rpc") } ?? "iscsi-rpc"
Console.exit(CommandLineTool(programName: programName).run(Array(arguments.dropFirst())))
