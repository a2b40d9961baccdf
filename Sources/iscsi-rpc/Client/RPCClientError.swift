/// A failure rpc.py reports as `JSONRPCException`: the message is printed to stdout and the exit status is 1.
struct RPCClientError: Error, Sendable {
    var message: String
}
