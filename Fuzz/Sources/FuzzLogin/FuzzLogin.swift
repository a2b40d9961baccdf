import FuzzSupport
import ISCSIProtocol

/// libFuzzer entry point: drives one connection's login with a sequence of Login Requests.
///
/// Input layout: two bytes choosing how the connection resolves the session (``LoginFuzzGrant``), then
/// requests until the input ends (``LoginFuzzRequest``). Every action the machine returns is checked
/// by ``LoginInvariants``.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogin(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzedData(start: start, count: count)
    let grant = LoginFuzzGrant(input.byte(), chap: input.byte())
    var machine = LoginStateMachine(settings: TargetLoginSettings())
    var invariants = LoginInvariants(grant: grant)
    while !input.isExhausted {
        var action = machine.receive(LoginFuzzRequest.next(from: &input))
        if case .resolveSession = action {
            action = machine.sessionResolved(grant.resolution)
        }
        invariants.check(action)
    }
    return 0
}
