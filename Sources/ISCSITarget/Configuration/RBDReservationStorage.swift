import BlockDevice
import Dispatch
import FoundationEssentials
import Logging
import SCSI
import Synchronization

/// The persistent reservations of a logical unit on an RBD image, kept in a RADOS object beside the image
/// (``RBDBlockDevice/openReservationObject()``) so that every gateway serving the image enforces the same
/// registrations and reservation.
///
/// - Changes are compare-and-swap writes: read the object and its version, apply the PERSISTENT RESERVE OUT
///   service action to that state, write it back only if the version is unchanged (`rados_write_op_assert_version`),
///   otherwise start over on the newer state.
/// - Ordinary commands check reservations against the logical unit's local copy, which costs nothing per command.
///   Keeping that copy current is watch/notify: after a change the gateway notifies the object's watchers with the
///   new state and its version, and waits until every gateway has applied it (or ``announcementTimeout``) before
///   the PERSISTENT RESERVE OUT completes; so once an initiator saw a reservation granted through one gateway, the
///   others enforce it. The alternative, a version check on every command, would add an OSD round trip to each
///   READ and WRITE: measured on the one-node test cluster, a `rados stat` takes 0.2–0.3 ms, as long as a 4 KiB
///   RBD read, while the announcement costs about 1.2 ms once per PERSISTENT RESERVE OUT. PERSISTENT RESERVE IN
///   and OUT read the object, since they are rare.
/// - The object is written whatever APTPL says: the logical unit outlives any one gateway. The object holds
///   ``SCSI/PersistentReservationState/storedText``.
final class RBDReservationStorage: SharedPersistentReservationStorage {
    /// How long an announcement waits for the other gateways (a dead gateway's watch lingers until the OSD
    /// times it out).
    static let announcementTimeout = Duration.seconds(5)

    private let object: RADOSObject
    private let logger: Logger
    /// Identifies this storage's own announcements among the notifications it receives.
    private let sender = UUID().uuidString
    private let state = Mutex(SyncState())

    private typealias Observer =
        @Sendable (
            _ apply: (inout PersistentReservationState) -> Void,
            _ notices: [PersistentReservationOutcome.Notice],
            _ preempted: PreemptedTasks?
        ) -> Void

    private struct SyncState {
        /// The newest object version applied to the logical unit's state.
        var appliedVersion: UInt64 = 0
        /// The change saved by `update` and not yet announced: its version and stored text.
        var unannounced: (version: UInt64, text: String)?
        /// The logical unit's handler for the other gateways' changes.
        var observer: Observer?
    }

    /// Opens the reservation object of `device` and watches it.
    ///
    /// - Throws: what ``RBDBlockDevice/openReservationObject()`` and ``BlockDevice/RADOSObject/watch(onNotification:onError:)``
    ///   throw.
    init(device: RBDBlockDevice, logger: Logger) throws(BlockDeviceError) {
        self.object = try device.openReservationObject()
        self.logger = logger
        let object = self.object.name
        try self.object.watch(
            onNotification: { [weak self] payload in self?.received(payload) },
            onError: { [weak self] error in
                logger.warning("watch on \(object) interrupted (errno \(error)): watching it again")
                self?.renewWatch()
            }
        )
    }

    /// Where watches are renewed: off librados' threads, which the renewal waits for.
    private static let renewalQueue = DispatchQueue(label: "RBDReservationStorage.watchRenewal")

    /// Watches the object again after an interruption, every ``renewalInterval`` until the cluster answers, then
    /// takes the shared state as it is: the announcements sent while the watch was down were missed.
    private func renewWatch() {
        Self.renewalQueue.async { [weak self] in
            guard let self else { return }
            do {
                try self.object.renewWatch()
            } catch {
                self.logger.warning("cannot watch \(self.object.name) again (\(error)); retrying")
                Self.renewalQueue.asyncAfter(deadline: .now() + Self.renewalInterval) { [weak self] in
                    self?.renewWatch()
                }
                return
            }
            self.resynchronise()
        }
    }

    /// How long a failed watch renewal waits before the next attempt.
    private static let renewalInterval = DispatchTimeInterval.seconds(1)

    /// Applies the object's current state to the logical unit whatever version it last applied: the object may
    /// have been deleted and created again, which starts its versions over.
    private func resynchronise() {
        self.state.withLock { $0.appliedVersion = 0 }
        guard let shared = self.readShared(), let observer = self.state.withLock({ $0.observer }) else {
            return
        }
        observer(
            { state in
                self.state.withLock { sync in
                    guard shared.version >= sync.appliedVersion else { return }
                    sync.appliedVersion = shared.version
                    state.adoptPersistentPart(of: shared.state)
                }
            },
            [],
            nil
        )
        self.logger.notice("watching \(self.object.name) again, at version \(shared.version)")
    }

    func load() -> PersistentReservationState? {
        guard let shared = self.readShared() else {
            return nil
        }
        self.state.withLock { $0.appliedVersion = max($0.appliedVersion, shared.version) }
        return shared.state
    }

    /// Replaces the shared state by `state` whatever it holds (last writer wins); logical units change it through
    /// ``update(_:_:)`` instead.
    func store(_ state: PersistentReservationState?) {
        var current = PersistentReservationState()
        _ = self.update(&current) { shared in
            shared.adoptPersistentPart(of: state ?? PersistentReservationState())
            return ((), true)
        }
    }

    func update<Result>(
        _ state: inout PersistentReservationState,
        _ change: (inout PersistentReservationState) -> (result: Result, changed: Bool)
    ) -> Result? {
        while true {
            let snapshot: RADOSObject.Snapshot
            do {
                snapshot = try self.object.read()
            } catch {
                self.logFailure("read", error)
                return nil
            }
            guard let shared = Self.decode(snapshot.bytes) else {
                self.logger.error("refusing to change the damaged persistent reservation object \(self.object.name)")
                return nil
            }
            var attempt = state
            attempt.adoptPersistentPart(of: shared)
            let (result, changed) = change(&attempt)
            guard changed else {
                state = attempt
                self.state.withLock { $0.appliedVersion = max($0.appliedVersion, snapshot.version) }
                return result
            }
            let text = attempt.storedText
            let written: UInt64?
            do {
                written = try self.object.replace(with: Array(text.utf8), ifVersion: snapshot.version)
            } catch {
                self.logFailure("write", error)
                return nil
            }
            // nil: another gateway wrote the object after the read; apply the change to its state instead.
            guard let version = written else {
                continue
            }
            state = attempt
            self.state.withLock {
                $0.appliedVersion = max($0.appliedVersion, version)
                $0.unannounced = (version, text)
            }
            return result
        }
    }

    func refresh(_ state: inout PersistentReservationState) {
        guard let shared = self.readShared() else {
            return
        }
        self.state.withLock { sync in
            guard shared.version >= sync.appliedVersion else { return }
            sync.appliedVersion = shared.version
            state.adoptPersistentPart(of: shared.state)
        }
    }

    /// Notifies the object's watchers with `sender`, the version, one line per notice, the preempted tasks' lines,
    /// an empty line and the stored text.
    func announce(_ notices: [PersistentReservationOutcome.Notice], preempted: PreemptedTasks?) {
        guard let change = self.state.withLock({ $0.unannounced.take() }) else {
            return
        }
        let lines =
            [self.sender, String(change.version)] + notices.map(\.storedLine) + (preempted?.storedLines ?? [])
            + ["", change.text]
        let payload = lines.joined(separator: "\n")
        do {
            try self.object.notify(Array(payload.utf8), timeout: Self.announcementTimeout)
        } catch {
            self.logger.warning(
                "not every gateway acknowledged reservation change \(change.version) of \(self.object.name): \(error)"
            )
        }
    }

    func observe(
        _ handler:
            @escaping @Sendable (
                _ apply: (inout PersistentReservationState) -> Void,
                _ notices: [PersistentReservationOutcome.Notice],
                _ preempted: PreemptedTasks?
            ) -> Void
    ) {
        self.state.withLock { $0.observer = handler }
    }

    /// A notification: another gateway's change (as ``announce(_:)`` sends it), applied when it is newer than
    /// what the logical unit has; its unit attentions are established either way.
    private func received(_ payload: [UInt8]) {
        let lines = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let blank = lines.firstIndex(of: "") else {
            return
        }
        let header = lines[..<blank]
        guard header.count >= 2, header[0] != self.sender, let version = UInt64(header[1]),
            let stored = Self.decode(Array(lines[(blank + 1)...].joined(separator: "\n").utf8))
        else {
            return
        }
        let notices = header.dropFirst(2).compactMap { PersistentReservationOutcome.Notice(storedLine: $0) }
        let preempted = PreemptedTasks(storedLines: header.dropFirst(2))
        guard let observer = self.state.withLock({ $0.observer }) else {
            return
        }
        let apply = { (state: inout PersistentReservationState) in
            self.state.withLock { sync in
                guard version > sync.appliedVersion else { return }
                sync.appliedVersion = version
                state.adoptPersistentPart(of: stored)
            }
        }
        observer(apply, notices, preempted)
    }

    /// The shared state and the object's version; nil, after logging why, when the object cannot be read or
    /// does not hold a state.
    private func readShared() -> (state: PersistentReservationState, version: UInt64)? {
        let snapshot: RADOSObject.Snapshot
        do {
            snapshot = try self.object.read()
        } catch {
            self.logFailure("read", error)
            return nil
        }
        guard let state = Self.decode(snapshot.bytes) else {
            self.logger.error("ignoring the damaged persistent reservation object \(self.object.name)")
            return nil
        }
        return (state, snapshot.version)
    }

    /// The state an object holds: none yet when it is empty (just created).
    private static func decode(_ bytes: [UInt8]) -> PersistentReservationState? {
        bytes.isEmpty
            ? PersistentReservationState()
            : PersistentReservationState(storedText: String(decoding: bytes, as: UTF8.self))
    }

    private func logFailure(_ operation: String, _ error: BlockDeviceError) {
        self.logger.error("cannot \(operation) persistent reservation object \(self.object.name): \(error)")
    }
}
