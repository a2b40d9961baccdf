"""A libiscsi session through ctypes, for end-to-end suites that must see raw SCSI status and sense data.

libiscsi's command-line tools hide CHECK CONDITION details (and cannot hold a session open while the
target changes underneath it); this wrapper keeps one logged-in context and answers each command with
`Result(status, key, asc_ascq, data)`.

    session = Session("127.0.0.1:3261", "iqn.2016-06.io.spdk:disk1", lun=0)
    result = session.test_unit_ready(1)
    if result.sense == (UNIT_ATTENTION, 0x3F0E): ...
"""
import ctypes
import select

ISCSI_SESSION_NORMAL = 2
ISCSI_HEADER_DIGEST_NONE_CRC32C = 2
GOOD = 0
CHECK_CONDITION = 2
ILLEGAL_REQUEST = 5
UNIT_ATTENTION = 6
# libiscsi's own status for a command that got no SCSI status (connection lost, task aborted).
STATUS_ERROR = 0x0F000001


class _ScsiData(ctypes.Structure):
    _fields_ = [("size", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte))]


class _ScsiTask(ctypes.Structure):
    """The leading fields of libiscsi's `struct scsi_task` (stable since libiscsi 1.9), up to `datain`."""

    _fields_ = [
        ("status", ctypes.c_int),
        ("cdb_size", ctypes.c_int),
        ("xfer_dir", ctypes.c_int),
        ("expxferlen", ctypes.c_int),
        ("cdb", ctypes.c_ubyte * 16),
        ("residual_status", ctypes.c_int),
        ("residual", ctypes.c_size_t),
        # struct scsi_sense: error type (a byte, padded), the sense key, then ASC << 8 | ASCQ.
        ("sense", ctypes.c_uint32 * 4),
        ("datain", _ScsiData),
    ]


class Result:
    """One command's outcome: SCSI status, sense key and ASC/ASCQ (for CHECK CONDITION), data-in bytes."""

    def __init__(self, status, key=0, asc_ascq=0, data=b""):
        self.status = status
        self.key = key
        self.asc_ascq = asc_ascq
        self.data = data

    @property
    def sense(self):
        return (self.key, self.asc_ascq)

    def __repr__(self):
        if self.status == CHECK_CONDITION:
            return f"CHECK CONDITION key 0x{self.key:x} asc/ascq 0x{self.asc_ascq:04x}"
        return f"status 0x{self.status:x}, {len(self.data)} bytes"


class Session:
    """A logged-in libiscsi context (raises RuntimeError when the login fails)."""

    def __init__(self, portal, target, lun=0, initiator="iqn.2016-06.io.test:hotplug"):
        lib = ctypes.CDLL("libiscsi.so.7")
        self.lib = lib
        lib.iscsi_create_context.restype = ctypes.c_void_p
        lib.iscsi_get_error.restype = ctypes.c_char_p
        lib.iscsi_get_error.argtypes = [ctypes.c_void_p]
        lib.iscsi_set_targetname.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.iscsi_full_connect_sync.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.iscsi_set_session_type.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.iscsi_set_header_digest.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.iscsi_get_fd.argtypes = [ctypes.c_void_p]
        lib.iscsi_which_events.argtypes = [ctypes.c_void_p]
        lib.iscsi_service.argtypes = [ctypes.c_void_p, ctypes.c_int]
        for name in ("iscsi_logout_sync", "iscsi_destroy_context", "iscsi_disconnect"):
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        task = ctypes.POINTER(_ScsiTask)
        commands = {
            "iscsi_testunitready_sync": [ctypes.c_int],
            "iscsi_reportluns_sync": [ctypes.c_int, ctypes.c_int],
            "iscsi_readcapacity16_sync": [ctypes.c_int],
            "iscsi_inquiry_sync": [ctypes.c_int] * 4,
            "iscsi_read10_sync": [ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_int]
            + [ctypes.c_int] * 5,
            "iscsi_modesense6_sync": [ctypes.c_int] * 5 + [ctypes.c_ubyte],
        }
        for name, arguments in commands.items():
            function = getattr(lib, name)
            function.restype = task
            function.argtypes = [ctypes.c_void_p] + arguments
        lib.scsi_free_scsi_task.argtypes = [task]

        self.ctx = lib.iscsi_create_context(initiator.encode())
        if not self.ctx:
            raise RuntimeError("iscsi_create_context failed")
        lib.iscsi_set_targetname(self.ctx, target.encode())
        lib.iscsi_set_session_type(self.ctx, ISCSI_SESSION_NORMAL)
        lib.iscsi_set_header_digest(self.ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C)
        if lib.iscsi_full_connect_sync(self.ctx, portal.encode(), lun) != 0:
            raise RuntimeError(f"login to {target} at {portal} failed: {self.error()}")

    def error(self):
        return (self.lib.iscsi_get_error(self.ctx) or b"").decode(errors="replace")

    def _run(self, name, *arguments):
        task = getattr(self.lib, name)(self.ctx, *arguments)
        if not task:
            return Result(STATUS_ERROR)
        try:
            contents = task.contents
            size = contents.datain.size
            data = bytes(contents.datain.data[:size]) if size > 0 and contents.datain.data else b""
            if contents.status == CHECK_CONDITION:
                return Result(CHECK_CONDITION, contents.sense[1], contents.sense[2], data)
            return Result(contents.status, data=data)
        finally:
            self.lib.scsi_free_scsi_task(task)

    def test_unit_ready(self, lun):
        return self._run("iscsi_testunitready_sync", lun)

    def report_luns(self):
        """REPORT LUNS (sent to LUN 0); `.luns` lists the LUN ids on success."""
        result = self._run("iscsi_reportluns_sync", 0, 16 + 8 * 256)
        result.luns = []
        if result.status == GOOD and len(result.data) >= 8:
            length = int.from_bytes(result.data[0:4], "big")
            entries = result.data[8 : 8 + length]
            result.luns = [int.from_bytes(entries[i : i + 2], "big") & 0x3FFF for i in range(0, len(entries), 8)]
        return result

    def read_capacity16(self, lun):
        """READ CAPACITY(16); `.bytes` is the capacity on success."""
        result = self._run("iscsi_readcapacity16_sync", lun)
        result.bytes = None
        if result.status == GOOD and len(result.data) >= 12:
            last_lba = int.from_bytes(result.data[0:8], "big")
            block_size = int.from_bytes(result.data[8:12], "big")
            result.bytes = (last_lba + 1) * block_size
        return result

    def inquiry(self, lun):
        return self._run("iscsi_inquiry_sync", lun, 0, 0, 255)

    def read10(self, lun, lba, blocks, block_size=512):
        return self._run("iscsi_read10_sync", lun, lba, blocks * block_size, block_size, 0, 0, 0, 0, 0)

    def mode_sense6(self, lun, page_code):
        """MODE SENSE(6) of one page's current values, without block descriptors; `.page` is the page on success."""
        result = self._run("iscsi_modesense6_sync", lun, 1, 0, page_code, 0, 255)
        result.page = None
        if result.status == GOOD and len(result.data) >= 4:
            result.page = result.data[4 + result.data[3] :]
        return result

    def service(self, seconds):
        """Lets libiscsi handle what the target sends unasked (NOP-In, Async Message) for `seconds`."""
        fd = self.lib.iscsi_get_fd(self.ctx)
        events = self.lib.iscsi_which_events(self.ctx)
        readable, _, _ = select.select([fd], [], [], seconds)
        if readable:
            return self.lib.iscsi_service(self.ctx, select.POLLIN | (events & select.POLLOUT)) == 0
        return True

    def close(self, logout=True):
        if logout:
            self.lib.iscsi_logout_sync(self.ctx)
        self.lib.iscsi_destroy_context(self.ctx)
