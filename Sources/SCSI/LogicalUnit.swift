import BlockDevice
import Synchronization

/// A logical unit: SCSI block-command emulation over one ``BlockDevice``.
///
/// A logical unit is shared by every connection that maps it; commands run on the caller's event loop. The hot
/// path reads atomics only (the removed flag, the unit attention generation, whether reservations exist, the
/// ``AtomicWriteGate``'s count of ordinary writes); locks local to the logical unit serialise reservation changes
/// and unit attention bookkeeping, and the gate makes the atomic read-modify-write commands (COMPARE AND WRITE,
/// ORWRITE, WRITE ATOMIC) exclusive against every other write. Send commands through the ``SCSIDevice`` that maps
/// it, which also answers for LUNs that do not exist.
public final class LogicalUnit: Sendable {
    /// The LUN id (0–16383).
    public let id: UInt16
    /// The block device the logical unit stores its data on.
    public let blockDevice: any BlockDevice
    /// The block device's ``BlockDevice/ioAccounting``, kept here so that counting an I/O borrows it: the
    /// protocol getter returns it retained, a retain and a release per I/O of an object every event loop shares.
    let ioAccounting: BlockIOAccounting?
    /// `blockDevice` as an asynchronous block device, when it is one: looked up once here, since a dynamic cast per
    /// command costs a protocol conformance lookup (about 400 instructions).
    let asynchronousBlockDevice: (any AsynchronousBlockDevice)?
    /// `blockDevice` when it compares and writes atomically by itself at its block size (RBD's one-sector
    /// `rbd_aio_compare_and_write`, atomic across gateways); nil when COMPARE AND WRITE is emulated here. Looked up
    /// once, as `asynchronousBlockDevice` is.
    let atomicCompareAndWriteDevice: (any AtomicCompareAndWriteDevice)?
    /// The T10 vendor identification (8 bytes in INQUIRY, space padded).
    public let vendor: String
    /// The product identification (16 bytes in INQUIRY); SPDK reports the block device's product name.
    public let product: String
    /// The product revision level (4 bytes in INQUIRY).
    public let revision: String

    private let removed = Atomic(false)
    /// The reservation state; `reservationsActive` mirrors its ``PersistentReservationState/isActive`` so that
    /// commands skip the lock while nothing is reserved.
    let reservations: Mutex<PersistentReservationState>
    let reservationsActive: Atomic<Bool>
    /// Where APTPL state is saved, if anywhere.
    let reservationStorage: (any PersistentReservationStorage)?
    /// The pending unit attentions; `unitAttentionGeneration` counts every change, so that a nexus whose last
    /// look found nothing skips the lock until something happens.
    let unitAttentions = Mutex(UnitAttentionTable())
    let unitAttentionGeneration = Atomic<UInt64>(0)
    private let softwareWriteProtect = Atomic(false)
    private let taskAbortedStatus = Atomic(false)
    /// The progress of the sanitize in progress (0–65535), or `noSanitize`.
    let sanitizeProgress = Atomic<UInt32>(.max)
    /// Makes COMPARE AND WRITE, ORWRITE and WRITE ATOMIC atomic against every other write, across event loops.
    let atomicWriteGate = AtomicWriteGate()
    /// Aborts this target's tasks of the I_T nexuses a PREEMPT AND ABORT sent through another target preempted.
    let remotePreemptionHandler = Mutex<(@Sendable (PreemptedTasks) -> Void)?>(nil)

    /// Creates a logical unit. The identity defaults are SPDK's: vendor `INTEL`, product the block device's
    /// product name, revision `0001`. With `reservationStorage`, the persistent reservations an earlier run saved
    /// (APTPL) are restored.
    public init(
        id: UInt16,
        blockDevice: any BlockDevice,
        vendor: String = "INTEL",
        product: String? = nil,
        revision: String = "0001",
        reservationStorage: (any PersistentReservationStorage)? = nil
    ) {
        let restored = reservationStorage?.load() ?? PersistentReservationState()
        self.reservations = Mutex(restored)
        self.reservationsActive = Atomic(restored.isActive)
        self.reservationStorage = reservationStorage
        self.id = id
        self.blockDevice = blockDevice
        self.ioAccounting = blockDevice.ioAccounting
        self.asynchronousBlockDevice = blockDevice as? any AsynchronousBlockDevice
        self.atomicCompareAndWriteDevice = (blockDevice as? any AtomicCompareAndWriteDevice).flatMap {
            $0.maximumCompareAndWriteBlocks > 0 ? $0 : nil
        }
        self.vendor = vendor
        self.product = product ?? blockDevice.productName
        self.revision = revision
        self.observeSharedReservations()
    }

    /// Whether the block device was hot-removed; every later command fails with LOGICAL UNIT NOT SUPPORTED.
    public var isRemoved: Bool {
        self.removed.load(ordering: .acquiring)
    }

    /// Marks the logical unit removed (its block device went away).
    public func markRemoved() {
        self.removed.store(true, ordering: .releasing)
    }

    /// The SWP bit of the control mode page, set by MODE SELECT: while set, the logical unit refuses writes.
    public var isSoftwareWriteProtected: Bool {
        get { self.softwareWriteProtect.load(ordering: .acquiring) }
        set { self.softwareWriteProtect.store(newValue, ordering: .releasing) }
    }

    /// The TAS bit of the control mode page, set by MODE SELECT: when another I_T nexus's task management or
    /// PREEMPT AND ABORT aborts a task, the task ends with TASK ABORTED status rather than without a response.
    public var reportsTaskAbortedStatus: Bool {
        get { self.taskAbortedStatus.load(ordering: .acquiring) }
        set { self.taskAbortedStatus.store(newValue, ordering: .releasing) }
    }

    /// Whether write-type commands are refused with DATA PROTECT: a read-only block device, or SWP.
    public var isWriteProtected: Bool {
        self.writeProtection != nil
    }

    /// The sense write-type commands get: DATA PROTECT / WRITE PROTECTED on a read-only block device, SOFTWARE
    /// WRITE PROTECTED under SWP; nil when writes are allowed.
    var writeProtection: SenseData? {
        if self.blockDevice.isReadOnly {
            return SenseData(key: .dataProtect, code: .writeProtected)
        }
        if self.isSoftwareWriteProtected {
            return SenseData(key: .dataProtect, code: .softwareWriteProtected)
        }
        return nil
    }

    /// Records that the block device changed size: each I_T nexus gets one CAPACITY DATA HAS CHANGED unit
    /// attention on its next command.
    public func noteCapacityChanged() {
        self.raiseUnitAttention(.capacityDataHasChanged)
    }

    /// Applies a block-device registry event if it concerns this logical unit's device.
    public func handle(_ event: BlockDeviceEvent) {
        switch event {
        case .removed(let device) where device === self.blockDevice:
            self.markRemoved()
        case .resized(let device) where device === self.blockDevice:
            self.noteCapacityChanged()
        case .removed, .resized:
            break
        }
    }

    /// Largest READ/WRITE transfer, in blocks (8 MiB: the 2048 blocks of 4 KiB that libiscsi's EXTENDED COPY test
    /// writes in one command), reported in the Block Limits VPD page.
    var maximumTransferBlocks: UInt32 {
        UInt32(Self.maximumTransferBytes / max(1, Int(self.blockDevice.blockSize)))
    }

    /// Largest WRITE SAME, in blocks: the maximum transfer length (reported in VPD 0xB0).
    var maximumWriteSameBlocks: UInt32 {
        self.maximumTransferBlocks
    }

    /// Largest WRITE ATOMIC, in blocks: the maximum transfer length (reported in VPD 0xB0).
    var maximumAtomicTransferBlocks: UInt32 {
        self.maximumTransferBlocks
    }

    /// Whether the block device supports UNMAP (logical block provisioning management).
    var supportsUnmap: Bool {
        self.blockDevice.supportedIOTypes.contains(.unmap)
    }

    static let maximumTransferBytes = 8 * 1024 * 1024
    /// Largest number of blocks one UNMAP descriptor may name (reported in VPD 0xB0; 1 Mi blocks, the most
    /// libiscsi's conformance suite calls sane).
    static let maximumUnmapBlockCount: UInt32 = 1_048_576
    /// Largest COMPARE AND WRITE, in blocks (reported in VPD 0xB0): what a device that compares and writes by
    /// itself takes in one atomic step (see ``atomicCompareAndWriteDevice``), else the most the one-byte NUMBER OF
    /// LOGICAL BLOCKS field can name, emulated under the ``AtomicWriteGate``.
    var maximumCompareAndWriteBlocks: UInt8 {
        self.atomicCompareAndWriteDevice?.maximumCompareAndWriteBlocks ?? Self.maximumEmulatedCompareAndWriteBlocks
    }

    static let maximumEmulatedCompareAndWriteBlocks: UInt8 = 255
    /// Largest number of UNMAP block descriptors in one command (reported in VPD 0xB0, as SPDK).
    static let maximumUnmapDescriptorCount = 256
}
