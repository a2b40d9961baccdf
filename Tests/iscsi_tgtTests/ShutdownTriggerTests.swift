import Testing

@testable import iscsi_tgt

@Suite struct ShutdownTriggerTests {
    @Test func firstRequestWins() async {
        let trigger = ShutdownTrigger()
        trigger.request(exitStatus: 1)
        trigger.request(exitStatus: 0)
        #expect(await trigger.wait() == 1)
    }

    @Test func waitResumesOnALaterRequest() async {
        let trigger = ShutdownTrigger()
        async let status = trigger.wait()
        trigger.request(exitStatus: 0)
        #expect(await status == 0)
    }
}
