import ISCSIProtocol
import ISCSIWire
import SCSI
import Synchronization

/// The full-feature state of a session as one connection holds it: what login negotiated, the command window,
/// the tasks that still wait for data-out or for their deferred response (connection allegiance: a task stays on
/// the connection it arrived on), and the rest of a text response. When the session has several connections,
/// their shared window lives in a ``SessionConnectionGroup`` and `window` is no longer used.
struct ISCSISession {
    /// Allocates TSIHs; 0 is reserved for "new session".
    private static let lastIdentifyingHandle = Atomic<UInt16>(0)

    let type: SessionType
    let identifyingHandle: UInt16
    let initiatorName: String
    let parameters: NegotiatedParameters
    /// The SCSI device of a Normal session's target, and the I_T nexus it is reached through.
    var device: SCSIDevice?
    var nexus: SCSINexus?
    /// Where `device` is republished after a configuration change, and the version `device` came from.
    var deviceSource: TargetNodeDevice?
    var deviceVersion: UInt64 = 0
    var window: CommandWindow<ISCSIPDU>
    /// SCSI commands not yet answered: writes waiting for Data-Out and deferred responses.
    var tasks = TaskTable<SessionTask>()
    /// A text response larger than the initiator's MaxRecvDataSegmentLength, by ITT and TTT.
    var pendingText: (initiatorTaskTag: UInt32, targetTransferTag: UInt32, sequencer: TextSegmentSequencer)?

    /// A fresh TSIH, never 0.
    static func nextIdentifyingHandle() -> UInt16 {
        while true {
            let value = Self.lastIdentifyingHandle.wrappingAdd(1, ordering: .relaxed).newValue
            if value != 0 {
                return value
            }
        }
    }

    /// Picks up the target's SCSI device if the control plane replaced it (a LUN added or removed) since.
    mutating func refreshDevice() {
        guard let source = self.deviceSource, source.version != self.deviceVersion else { return }
        let current = source.current
        if let device = current.device {
            self.device = device
        }
        self.deviceVersion = current.version
    }

    /// The largest data segment the target may send.
    var maxSendSegmentLength: Int { Int(self.parameters.initiatorMaxRecvDataSegmentLength) }
}
