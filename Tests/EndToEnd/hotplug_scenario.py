#!/usr/bin/env python3
"""Hot-remove, hot-add and resize under one open libiscsi session (Tests/EndToEnd/hotplug.sh runs it).

The target must already serve TARGET with LUN 0 on Malloc0 and LUN 1 on Malloc1, and have a null bdev
Null0 (64 MiB) that no LUN uses. Prints `PASS <what>` or `FAIL <what>: <detail>` per check and exits 1
if any failed, 2 if the login failed.

  hotplug_scenario.py --portal 127.0.0.1:3261 --target iqn.2016-06.io.spdk:disk1 --rpc 'iscsi-rpc -s SOCK' \
      --load 'iscsi-perf -t 30 iscsi://127.0.0.1:3261/iqn.2016-06.io.spdk:disk1/1'
"""
import argparse
import json
import shlex
import subprocess
import sys
import time

from libiscsi_session import CHECK_CONDITION, GOOD, ILLEGAL_REQUEST, UNIT_ATTENTION, Session

LUN_NOT_SUPPORTED = (ILLEGAL_REQUEST, 0x2500)
REPORTED_LUNS_CHANGED = (UNIT_ATTENTION, 0x3F0E)
CAPACITY_CHANGED = (UNIT_ATTENTION, 0x2A09)


class Checks:
    def __init__(self):
        self.failed = 0

    def expect(self, what, condition, detail=""):
        if condition:
            print(f"PASS {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}: {detail}", flush=True)

    def expect_sense(self, what, result, sense):
        self.expect(what, result.sense == sense and result.status == CHECK_CONDITION, result)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--portal", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--rpc", required=True, help="the RPC client command line, split like a shell")
    parser.add_argument("--load", help="a command that keeps I/O running on LUN 1 while its bdev is removed")
    args = parser.parse_args()
    rpc_command = shlex.split(args.rpc)

    def rpc(*words):
        completed = subprocess.run(rpc_command + list(words), capture_output=True, text=True, timeout=30)
        if completed.returncode != 0:
            raise RuntimeError(f"rpc {' '.join(words)} failed: {completed.stderr.strip()}")
        return json.loads(completed.stdout) if completed.stdout.strip() else None

    def target_luns():
        node = next(n for n in rpc("iscsi_get_target_nodes") if n["name"] == args.target)
        return [(lun["lun_id"], lun["bdev_name"]) for lun in node["luns"]]

    checks = Checks()
    try:
        session = Session(args.portal, args.target)
    except RuntimeError as error:
        print(f"FAIL login: {error}")
        return 2

    checks.expect("REPORT LUNS lists 0 and 1 at first", session.report_luns().luns == [0, 1])
    checks.expect("LUN 1 reads", session.read10(1, 0, 8).status == GOOD)

    # Hot-remove LUN 1 while another initiator keeps reading it.
    load = None
    if args.load:
        load = subprocess.Popen(shlex.split(args.load), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    if load is not None:
        checks.expect("the load runs on LUN 1 before the removal", load.poll() is None, f"exited {load.returncode}")
    rpc("bdev_malloc_delete", "Malloc1")
    if load is not None:
        try:
            code = load.wait(timeout=20)
            checks.expect("the load on the removed LUN ends with an error", code != 0, f"exit {code}")
        except subprocess.TimeoutExpired:
            load.kill()
            load.wait()
            checks.expect("the load on the removed LUN ends", False, "still running 20 s after the removal")
    checks.expect_sense(
        "after the removal LUN 0 reports REPORTED LUNS DATA HAS CHANGED",
        session.test_unit_ready(0),
        REPORTED_LUNS_CHANGED,
    )
    result = session.test_unit_ready(0)
    checks.expect("the unit attention is reported once", result.status == GOOD, result)
    checks.expect_sense(
        "a read of the removed LUN gets LOGICAL UNIT NOT SUPPORTED", session.read10(1, 0, 8), LUN_NOT_SUPPORTED
    )
    checks.expect("REPORT LUNS drops the removed LUN", session.report_luns().luns == [0])
    checks.expect("iscsi_get_target_nodes drops it", target_luns() == [(0, "Malloc0")], target_luns())

    # Hot-add LUN 2 on Null0 while the session runs.
    rpc("iscsi_target_node_add_lun", args.target, "Null0", "-i", "2")
    checks.expect_sense(
        "after the hot-add LUN 0 reports REPORTED LUNS DATA HAS CHANGED",
        session.test_unit_ready(0),
        REPORTED_LUNS_CHANGED,
    )
    checks.expect("REPORT LUNS lists the added LUN", session.report_luns().luns == [0, 2])
    capacity = session.read_capacity16(2)
    checks.expect("the added LUN has 64 MiB", capacity.bytes == 64 << 20, capacity)
    checks.expect("the added LUN reads", session.read10(2, 0, 8).status == GOOD)

    # Resize it.
    rpc("bdev_null_resize", "Null0", "128")
    checks.expect_sense(
        "after the resize LUN 2 reports CAPACITY DATA HAS CHANGED", session.read10(2, 0, 8), CAPACITY_CHANGED
    )
    capacity = session.read_capacity16(2)
    checks.expect("READ CAPACITY(16) reports 128 MiB", capacity.bytes == 128 << 20, capacity)

    # Hot-remove LUN 0: the rest of the target stays usable.
    rpc("bdev_malloc_delete", "Malloc0")
    checks.expect_sense(
        "after removing LUN 0, LUN 2 reports REPORTED LUNS DATA HAS CHANGED",
        session.test_unit_ready(2),
        REPORTED_LUNS_CHANGED,
    )
    checks.expect("REPORT LUNS (addressed to LUN 0) lists only LUN 2", session.report_luns().luns == [2])
    inquiry = session.inquiry(0)
    checks.expect(
        "INQUIRY of LUN 0 reports no logical unit (peripheral qualifier 3)",
        inquiry.status == GOOD and inquiry.data[:1] == b"\x7f",
        inquiry,
    )
    checks.expect_sense(
        "TEST UNIT READY of LUN 0 gets LOGICAL UNIT NOT SUPPORTED", session.test_unit_ready(0), LUN_NOT_SUPPORTED
    )
    checks.expect("LUN 2 still reads", session.read10(2, 0, 8).status == GOOD)
    checks.expect("iscsi_get_target_nodes lists only Null0", target_luns() == [(2, "Null0")], target_luns())
    session.close()

    # A new login finds the new map.
    session = Session(args.portal, args.target, lun=2)
    checks.expect("a new session sees only LUN 2", session.report_luns().luns == [2])
    session.close()
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
