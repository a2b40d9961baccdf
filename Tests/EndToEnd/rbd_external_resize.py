"""An RBD image resized outside the target reaches a logged-in initiator: CAPACITY DATA HAS CHANGED, then the new
size in READ CAPACITY (16).

    rbd_external_resize.py PORTAL TARGET IMAGE MEBIBYTES

Holds one session, resizes IMAGE with `rbd resize`, then sends TEST UNIT READY until the unit attention arrives
(at most 10 s). Prints "unit attention 0x2a09" (or what it saw instead) and "capacity BYTES".
"""
import subprocess
import sys
import time

from libiscsi_session import CHECK_CONDITION, GOOD, UNIT_ATTENTION, Session


def main(argv):
    portal, target, image, mebibytes = argv
    session = Session(portal, target, lun=0, initiator="iqn.2016-06.io.test:resize")
    while session.test_unit_ready(0).status != GOOD:
        pass
    subprocess.run(["rbd", "resize", "--size", f"{mebibytes}M", image], check=True, timeout=60, capture_output=True)
    seen = "none"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        result = session.test_unit_ready(0)
        if result.status == CHECK_CONDITION:
            seen = f"0x{result.asc_ascq:04x}" if result.key == UNIT_ATTENTION else repr(result)
            break
        time.sleep(0.1)
    print(f"unit attention {seen}")
    print(f"capacity {session.read_capacity16(0).bytes}")
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
