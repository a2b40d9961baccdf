#!/usr/bin/env bash
# Hotplug against the real iscsi_tgt with libiscsi (issue 7, parts 1 and 2), one session kept open by
# hotplug_scenario.py (libiscsi through ctypes, to see status and sense data):
#
# - hot-remove: bdev_malloc_delete of LUN 1's bdev while iscsi-perf reads it → the load fails, the
#   session gets REPORTED LUNS DATA HAS CHANGED once, the removed LUN answers LOGICAL UNIT NOT
#   SUPPORTED, REPORT LUNS and iscsi_get_target_nodes drop it;
# - hot-add: iscsi_target_node_add_lun while the session runs (SPDK refuses; we allow it) → the unit
#   attention, REPORT LUNS and READ CAPACITY show the new LUN;
# - resize: bdev_null_resize → CAPACITY DATA HAS CHANGED and the new capacity;
# - removing LUN 0 leaves the target usable (REPORT LUNS through LUN 0, the other LUN reads).
# Then the target-requested logout: libiscsi ignores the Async Message, so the target drops the
# connection when the announced timeout runs out. Last, the Linux kernel initiator's `rescan` scenario
# (RUN_KERNEL_INITIATOR as in kernel-initiator.sh): a LUN added and LUN 0 grown while the guest is logged
# in; `iscsiadm -m session -R` finds both; then the added LUN's bdev is deleted under the guest's fio, which
# must fail while LUN 0 keeps reading. Afterwards the target still runs and exits 0 on SIGTERM.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/hotplug.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" iscsi-perf iscsi-inq python3

IQN=iqn.2016-06.io.spdk:disk1
PORT=$(e2e_free_port)
tgt_start hotplug || {
    fail "iscsi_tgt starts"
    e2e_finish
}

section "configuration"
check "bdev_malloc_create Malloc0" rpc bdev_malloc_create 64 512 -b Malloc0
check "bdev_malloc_create Malloc1" rpc bdev_malloc_create 64 512 -b Malloc1
check "bdev_null_create Null0" rpc bdev_null_create Null0 64 512
check "iscsi_create_portal_group 1 127.0.0.1:$PORT" rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT"
check "iscsi_create_initiator_group 2 ANY 127.0.0.1/32" rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32
check "iscsi_create_target_node disk1 on Malloc0:0 Malloc1:1" \
    rpc iscsi_create_target_node disk1 disk1_alias "Malloc0:0 Malloc1:1" 1:2 64 -d

section "hot-remove, hot-add and resize under an open session"
started=$SECONDS
python3 "$E2E_DIR/hotplug_scenario.py" --portal "127.0.0.1:$PORT" --target "$IQN" \
    --rpc "$ISCSI_RPC -s $TGT_SOCK" \
    --load "timeout 30 iscsi-perf -t 30 -m 16 iscsi://127.0.0.1:$PORT/$IQN/1" >"$E2E_TMP/scenario.out" 2>&1
status=$?
while read -r verdict what; do
    case "$verdict" in
        PASS) pass "$what" ;;
        FAIL) fail "$what" ;;
    esac
done <"$E2E_TMP/scenario.out"
check_eq "hotplug_scenario.py exits 0 (after $((SECONDS - started)) s)" 0 "$status"
[ "$status" -eq 0 ] || sed 's/^/    | /' "$E2E_TMP/scenario.out"
check "iscsi_tgt survived the hotplug" tgt_alive

section "a target-requested logout the initiator ignores"
# libiscsi keeps the session open without reading; the target drops it 30 s after the Async Message.
python3 - "$E2E_DIR" "127.0.0.1:$PORT" "$IQN" "$ISCSI_RPC" "$TGT_SOCK" >"$E2E_TMP/logout.out" 2>&1 <<'PY'
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from libiscsi_session import GOOD, Session
portal, target, rpc_bin, sock = sys.argv[2:6]
def connections():
    out = subprocess.run([rpc_bin, "-s", sock, "iscsi_get_connections"], capture_output=True, text=True, check=True)
    return len([c for c in json.loads(out.stdout) if c["target_node_name"] == "disk1"])
session = Session(portal, target, lun=2)
print(f"connections before: {connections()}")
subprocess.run([rpc_bin, "-s", sock, "iscsi_target_node_request_logout", target], check=True)
time.sleep(5)
print(f"connections 5 s after the request: {connections()}")
deadline = time.time() + 40
while time.time() < deadline and connections() > 0:
    time.sleep(1)
print(f"connections after the timeout: {connections()}")
session.close(logout=False)
PY
sed 's/^/    /' "$E2E_TMP/logout.out"
check_contains "one connection before the request" "connections before: 1" "$(cat "$E2E_TMP/logout.out")"
check_contains "still connected 5 s after the request" "5 s after the request: 1" "$(cat "$E2E_TMP/logout.out")"
check_contains "dropped once the logout timeout ran out" "after the timeout: 0" "$(cat "$E2E_TMP/logout.out")"
check "a new login still works" timeout 30 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN/2"

section "the Linux kernel initiator: rescan after a hot-add and a resize, then a hot-remove under fio"
run_kernel=${RUN_KERNEL_INITIATOR:-auto}
if [ "$run_kernel" = auto ]; then
    run_kernel=1
    for tool in qemu-system-x86_64 iscsiadm; do
        command -v "$tool" >/dev/null 2>&1 || run_kernel=0
    done
fi
if [ "$run_kernel" = 1 ]; then
    IQN2=iqn.2016-06.io.spdk:disk2
    check "bdev_null_create Null1 64 MiB" rpc bdev_null_create Null1 64 512
    check "bdev_malloc_create Malloc2" rpc bdev_malloc_create 64 512 -b Malloc2
    check "iscsi_create_target_node disk2 on Null1:0" rpc iscsi_create_target_node disk2 disk2_alias "Null1:0" 1:2 64 -d
    GUEST_LOG=$E2E_TMP/guest-console.log
    started=$SECONDS
    bash "$E2E_DIR/kernel-initiator/run-guest-test" --port "$PORT" --target "$IQN2" --scenario rescan \
        --timeout "${KERNEL_INITIATOR_TIMEOUT:-900}" --log "$GUEST_LOG" >"$E2E_TMP/run-guest-test.out" 2>&1 &
    guest=$!
    e2e_track "$guest"
    deadline=$((SECONDS + ${KERNEL_INITIATOR_TIMEOUT:-900}))
    until grep -aq 'GUEST-MARK: rescan-ready' "$GUEST_LOG" 2>/dev/null || ! kill -0 "$guest" 2>/dev/null ||
        [ $SECONDS -ge $deadline ]; do
        sleep 1
    done
    echo "  the guest is logged in after $((SECONDS - started)) s"
    check "iscsi_target_node_add_lun disk2 Malloc2 -i 1 while logged in" \
        rpc iscsi_target_node_add_lun "$IQN2" Malloc2 -i 1
    check "bdev_null_resize Null1 96" rpc bdev_null_resize Null1 96
    until grep -aq 'GUEST-MARK: hot-remove-ready' "$GUEST_LOG" 2>/dev/null || ! kill -0 "$guest" 2>/dev/null ||
        [ $SECONDS -ge $deadline ]; do
        sleep 1
    done
    check "bdev_malloc_delete Malloc2 under the guest's fio" rpc bdev_malloc_delete Malloc2
    wait "$guest"
    status=$?
    echo "  run-guest-test exited $status after $((SECONDS - started)) s"
    grep -aE '^GUEST-(DISK|INFO: (before|fio)|FIO|RESULT)|^GUEST: (4 MiB|LUN 0)' "$E2E_TMP/run-guest-test.out" |
        sed 's/^/    /'
    output=$(cat "$E2E_TMP/run-guest-test.out")
    check_contains "the guest sees the added LUN" "lun=1 size=67108864" "$output"
    check_contains "the guest sees LUN 0 grown to 96 MiB" "lun=0 size=100663296" "$output"
    check_contains "the guest wrote and read back the added LUN" "GUEST-MARK: rescan-done" "$output"
    check_contains "fio on the removed LUN failed and LUN 0 still reads" "GUEST-MARK: hot-remove-done" "$output"
    check_contains "guest result" "GUEST-RESULT: PASS" "$(grep -a '^GUEST-RESULT' "$E2E_TMP/run-guest-test.out")"
else
    echo "  skipped: RUN_KERNEL_INITIATOR=0 or qemu/iscsiadm missing"
fi

check "iscsi_tgt still runs" tgt_alive
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
