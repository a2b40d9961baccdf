#!/usr/bin/env python3
"""Checks the SCSI identity of one LUN against what SPDK reports (../shared/spec/scsi-identity.md).

Logs in with libiscsi (through ctypes, so that the raw INQUIRY bytes can be inspected: iscsi-inq prints
binary designators as text) and checks the standard INQUIRY data and the VPD pages 0x00, 0x80 and 0x83.
Prints one line per check, `PASS <what>` or `FAIL <what>: <detail>`, and exits 1 if any check failed,
2 if the login or a command failed.

  scsi_identity.py --portal 127.0.0.1:3261 --target iqn.2016-06.io.spdk:disk1 --lun 0 \
      --bdev Malloc0 --product "Malloc disk" --pg-tag 1
  scsi_identity.py --naa Malloc0      # prints the NAA designator SPDK derives from a bdev name
"""
import argparse
import ctypes
import sys

ISCSI_SESSION_NORMAL = 2
ISCSI_HEADER_DIGEST_NONE_CRC32C = 2
SCSI_STATUS_GOOD = 0


class ScsiData(ctypes.Structure):
    _fields_ = [("size", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte))]


class ScsiTask(ctypes.Structure):
    """The leading fields of libiscsi's `struct scsi_task` (stable since libiscsi 1.9), up to `datain`."""

    _fields_ = [
        ("status", ctypes.c_int),
        ("cdb_size", ctypes.c_int),
        ("xfer_dir", ctypes.c_int),
        ("expxferlen", ctypes.c_int),
        ("cdb", ctypes.c_ubyte * 16),
        ("residual_status", ctypes.c_int),
        ("residual", ctypes.c_size_t),
        # struct scsi_sense: error type, key, ASCQ, then bit fields sharing one word with the pointers.
        ("sense", ctypes.c_uint32 * 4),
        ("datain", ScsiData),
    ]


def spdk_naa(bdev_name):
    """The 8-byte NAA IEEE extended designator SPDK builds from a bdev name."""
    value = 0
    for byte in bdev_name.encode():
        value = (value * 131 + byte) & 0xFFFFFFFFFFFFFFFF
    id_a = ((value & 0x0000000FFF000000) << 24) & 0xFFFFFFFFFFFFFFFF
    return ((value & 0xFFFFFF) | 0x2000000347000000 | id_a).to_bytes(8, "big")


class Session:
    def __init__(self, portal, target, lun, initiator):
        self.lib = ctypes.CDLL("libiscsi.so.7")
        self.lib.iscsi_create_context.restype = ctypes.c_void_p
        self.lib.iscsi_get_error.restype = ctypes.c_char_p
        self.lib.iscsi_get_error.argtypes = [ctypes.c_void_p]
        self.lib.iscsi_inquiry_sync.restype = ctypes.POINTER(ScsiTask)
        self.lib.iscsi_inquiry_sync.argtypes = [ctypes.c_void_p] + [ctypes.c_int] * 4
        for name in ("iscsi_set_targetname", "iscsi_full_connect_sync"):
            getattr(self.lib, name).argtypes = [ctypes.c_void_p, ctypes.c_char_p] + (
                [ctypes.c_int] if name == "iscsi_full_connect_sync" else []
            )
        for name in ("iscsi_set_session_type", "iscsi_set_header_digest"):
            getattr(self.lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int]
        for name in ("iscsi_logout_sync", "iscsi_destroy_context"):
            getattr(self.lib, name).argtypes = [ctypes.c_void_p]
        self.lib.scsi_free_scsi_task.argtypes = [ctypes.POINTER(ScsiTask)]

        self.lun = lun
        self.ctx = self.lib.iscsi_create_context(initiator.encode())
        if not self.ctx:
            raise RuntimeError("iscsi_create_context failed")
        self.lib.iscsi_set_targetname(self.ctx, target.encode())
        self.lib.iscsi_set_session_type(self.ctx, ISCSI_SESSION_NORMAL)
        self.lib.iscsi_set_header_digest(self.ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C)
        if self.lib.iscsi_full_connect_sync(self.ctx, portal.encode(), lun) != 0:
            raise RuntimeError(f"login to {target} at {portal} failed: {self.error()}")

    def error(self):
        return (self.lib.iscsi_get_error(self.ctx) or b"").decode(errors="replace")

    def inquiry(self, evpd, page, allocation_length=255):
        task = self.lib.iscsi_inquiry_sync(self.ctx, self.lun, evpd, page, allocation_length)
        if not task:
            raise RuntimeError(f"INQUIRY evpd={evpd} page=0x{page:02x} failed: {self.error()}")
        try:
            if task.contents.status != SCSI_STATUS_GOOD:
                raise RuntimeError(
                    f"INQUIRY evpd={evpd} page=0x{page:02x}: status {task.contents.status}, {self.error()}"
                )
            size = task.contents.datain.size
            return bytes(task.contents.datain.data[:size]) if size > 0 else b""
        finally:
            self.lib.scsi_free_scsi_task(task)

    def close(self):
        self.lib.iscsi_logout_sync(self.ctx)
        self.lib.iscsi_destroy_context(self.ctx)


def designators(page):
    """Yields (protocol_id, piv, code_set, association, type, value) per designator of a VPD 0x83 page."""
    end = 4 + int.from_bytes(page[2:4], "big")
    offset = 4
    while offset + 4 <= min(end, len(page)):
        length = page[offset + 3]
        header, flags = page[offset], page[offset + 1]
        value = page[offset + 4 : offset + 4 + length]
        yield header >> 4, flags >> 7, header & 0x0F, (flags >> 4) & 0x03, flags & 0x0F, value
        offset += 4 + length


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, what, ok, detail=""):
        if ok:
            print(f"PASS {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}: {detail}")

    def equal(self, what, actual, expected):
        self.check(what, actual == expected, f"got {actual!r}, expected {expected!r}")


def check_identity(session, args, report):
    standard = session.inquiry(0, 0, 96)
    report.equal("standard INQUIRY peripheral device type", standard[0] & 0x1F, 0)
    report.equal("standard INQUIRY vendor", standard[8:16], b"INTEL".ljust(8))
    report.equal("standard INQUIRY product", standard[16:32], args.product.encode().ljust(16))
    report.equal("standard INQUIRY revision", standard[32:36], b"0001")

    supported = session.inquiry(1, 0x00)
    listed = set(supported[4 : 4 + int.from_bytes(supported[2:4], "big")])
    for page in (0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2):
        report.check(f"VPD 0x00 lists page 0x{page:02x}", page in listed, f"listed {sorted(listed)}")

    serial_page = session.inquiry(1, 0x80)
    report.equal("VPD 0x80 page code", serial_page[1], 0x80)
    serial = serial_page[4 : 4 + int.from_bytes(serial_page[2:4], "big")].rstrip(b"\0 ")
    report.equal("VPD 0x80 unit serial number", serial, args.bdev.encode()[:31])

    found = list(designators(session.inquiry(1, 0x83)))
    report.check("VPD 0x83 has at least 4 designators", len(found) >= 4, f"found {len(found)}")
    if len(found) < 4:
        return
    naa, t10, target_name, port_name = found[:4]
    for index, designator in enumerate(found[:4], start=1):
        report.equal(f"VPD 0x83 #{index} protocol identifier iSCSI with PIV", designator[:2], (5, 1))
    report.equal("VPD 0x83 #1 NAA (binary, LU)", naa[2:5], (1, 0, 3))
    report.equal("VPD 0x83 #1 NAA value", naa[5].hex(), spdk_naa(args.bdev).hex())
    report.equal("VPD 0x83 #2 T10 vendor id (ASCII, LU)", t10[2:5], (2, 0, 1))
    expected_t10 = b"INTEL".ljust(8) + args.product.encode().ljust(16) + args.bdev.encode().ljust(32)
    report.equal("VPD 0x83 #2 T10 vendor id value", t10[5], expected_t10)
    report.equal("VPD 0x83 #3 SCSI name string (UTF-8, target device)", target_name[2:5], (3, 2, 8))
    report.equal("VPD 0x83 #3 value", target_name[5].rstrip(b"\0"), args.target.encode())
    report.check("VPD 0x83 #3 length multiple of 4", len(target_name[5]) % 4 == 0, f"{len(target_name[5])}")
    report.equal("VPD 0x83 #4 SCSI name string (UTF-8, target port)", port_name[2:5], (3, 1, 8))
    report.equal("VPD 0x83 #4 value", port_name[5].rstrip(b"\0"), f"{args.target},t,0x{args.pg_tag:04x}".encode())
    types = {designator[4] for designator in found[4:]}
    for designator_type, name in ((4, "relative target port"), (5, "target port group"), (6, "logical unit group")):
        report.check(f"VPD 0x83 has a {name} designator", designator_type in types, f"types {sorted(types)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naa", metavar="BDEV", help="print the NAA designator of BDEV (hex) and exit")
    parser.add_argument("--portal", help="host:port")
    parser.add_argument("--target", help="target IQN")
    parser.add_argument("--lun", type=int, default=0)
    parser.add_argument("--bdev", help="name of the bdev behind the LUN")
    parser.add_argument("--product", default="Malloc disk", help="product id of the bdev type")
    parser.add_argument("--pg-tag", type=int, default=1, help="portal group tag of the portal")
    parser.add_argument("--initiator", default="iqn.2016-06.io.spdk:e2e-identity")
    args = parser.parse_args()
    if args.naa:
        print(spdk_naa(args.naa).hex())
        return 0
    if not (args.portal and args.target and args.bdev):
        parser.error("--portal, --target and --bdev are required")
    report = Report()
    try:
        session = Session(args.portal, args.target, args.lun, args.initiator)
    except RuntimeError as error:
        print(f"FAIL login: {error}")
        return 2
    try:
        check_identity(session, args, report)
    except RuntimeError as error:
        print(f"FAIL {error}")
        return 2
    finally:
        session.close()
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
