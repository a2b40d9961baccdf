#!/usr/bin/env bash
# Ceph RBD block devices (issue 10, first slice) against the real iscsi_tgt and a throwaway one-node Ceph
# (Tests/EndToEnd/ceph-single-node, which apt-get installs Debian's Ceph 16.2 on first use): the bdev_rbd_* RPCs
# and their errors, an RBD image exported as LUNs (INQUIRY, READ CAPACITY, the caching page's WCE bit: librbd's
# cache off unless the image turns it on), qemu-io patterns that land in the image (read back with `rbd export`),
# bdev_rbd_resize seen by READ CAPACITY, a restart from save_config with the cluster registration, and libiscsi's
# iscsi-test-cu -d on the 512-byte RBD LUN.
#
# iscsi-test-cu may fail at most RBD_MAX_FAILED tests (default 0); it runs on three 512-byte RBD LUNs at once.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/rbd.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" qemu-io iscsi-inq iscsi-readcapacity16 iscsi-test-cu python3

RBD_MAX_FAILED=${RBD_MAX_FAILED:-0}
IQN=iqn.2016-06.io.spdk:rbd1
PORT=$(e2e_free_port)
URL="iscsi://127.0.0.1:$PORT/$IQN/0"
CONFIG="$E2E_TMP/saved.json"
# Outside E2E_TMP: ceph-down deletes its directory, and runs after e2e_cleanup has stopped the target.
CEPH_DIR=$(mktemp -u /tmp/e2e-rbd-ceph.XXXXXX)
export MON_V2_PORT MON_V1_PORT
MON_V2_PORT=$(e2e_free_port)
MON_V1_PORT=$(e2e_free_port)
export CEPH_CONF="$CEPH_DIR/ceph.conf"

# shellcheck disable=SC2317 # called through the EXIT trap
rbd_cleanup() {
    e2e_cleanup
    if [ -d "$CEPH_DIR" ]; then
        SIG=KILL "$E2E_DIR/ceph-single-node/ceph-down" "$CEPH_DIR" >/dev/null 2>&1
    fi
}
trap rbd_cleanup EXIT

# shellcheck disable=SC2317 # called through check
# qio LUN COMMAND...: qemu-io commands on LUN (raw over libiscsi); fails when one of them reports a failure
# (qemu-io exits 0 even then).
qio() {
    local lun=$1 args=() command output
    shift
    for command in "$@"; do
        args+=(-c "$command")
    done
    output=$(timeout 60 qemu-io -f raw "${args[@]}" "${URL%/0}/$lun" 2>&1) &&
        ! grep -qiE "error|failed|Pattern verification" <<<"$output"
}

# bdev_field NAME FIELD: one field of bdev_get_bdevs -b NAME (Python expression on the entry `d`).
bdev_field() {
    rpc bdev_get_bdevs -b "$1" | python3 -c "import json, sys; d = json.load(sys.stdin)[0]; print($2)"
}

# capacity LUN: READ CAPACITY 16's last LBA and block length, as "LBA BLOCKLENGTH".
capacity() {
    iscsi-readcapacity16 "${URL%/0}/$1" 2>&1 | tr -d ' ' |
        sed -n 's/^ReturnedLogicalBlockAddress:\(.*\)/\1/Ip; s/^LogicalBlockLengthInBytes:\(.*\)/\1/Ip' | tr '\n' ' ' | sed 's/ $//'
}

# image_byte IMAGE OFFSET: the byte at OFFSET of the image as Ceph holds it (rbd export), in hex.
image_byte() {
    timeout 60 rbd export "rbdpool/$1" - 2>/dev/null |
        python3 -c "import sys; d = sys.stdin.buffer.read(); print(d[$2:$2 + 1].hex())"
}

# wce LUN: the WCE bit of LUN's caching mode page (MODE SENSE 6, page 8): 0 or 1.
wce() {
    python3 - "$E2E_DIR" "127.0.0.1:$PORT" "$IQN" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from libiscsi_session import Session
lun = int(sys.argv[4])
session = Session(sys.argv[2], sys.argv[3], lun=lun, initiator="iqn.2016-06.io.test:rbd")
page = session.mode_sense6(lun, 0x08).page
session.close()
print((page[2] >> 2) & 1 if page and len(page) > 2 else "no caching page")
PY
}

section "one-node Ceph fixture"
started=$SECONDS
if ! timeout 300 "$E2E_DIR/ceph-single-node/ceph-up" "$CEPH_DIR" >"$E2E_TMP/ceph-up.log" 2>&1; then
    fail "ceph-up starts the fixture (it installs Ceph 16.2 with apt-get on first use)"
    tail -n 20 "$E2E_TMP/ceph-up.log" | sed 's/^/        | /'
    e2e_finish
fi
pass "ceph-up READY in $((SECONDS - started)) s"
check "rbd create rbdpool/lun512 (64 MiB) and rbdpool/lun4k (16 MiB, librbd's cache on for this image)" \
    eval "timeout 60 rbd create --size 64M rbdpool/lun512 && timeout 60 rbd create --size 16M rbdpool/lun4k &&
        timeout 60 rbd config image set rbdpool/lun4k rbd_cache true"

tgt_start rbd || {
    fail "iscsi_tgt starts"
    e2e_finish
}

section "bdev_rbd_register_cluster / get_clusters_info / create"
check_eq "bdev_rbd_register_cluster prints the name" "ceph0" \
    "$(rpc bdev_rbd_register_cluster ceph0 --user admin --config-file "$CEPH_CONF" --key-file "$CEPH_DIR/keyring")"
check_eq "bdev_rbd_get_clusters_info -b ceph0" "ceph0 admin $CEPH_CONF $CEPH_DIR/keyring" \
    "$(rpc bdev_rbd_get_clusters_info -b ceph0 | python3 -c "import json, sys; d = json.load(sys.stdin)
print(d['cluster_name'], d['user_id'], d['config_file'], d['key_file'])")"
check_contains "a second registration under the same name answers File exists" "File exists" \
    "$(rpc bdev_rbd_register_cluster ceph0 --config-file "$CEPH_CONF" 2>&1)"
check_contains "an unreachable configuration file is refused" "No such file or directory" \
    "$(rpc bdev_rbd_register_cluster ceph1 --config-file /nonexistent/ceph.conf 2>&1)"
check_eq "bdev_rbd_create -c ceph0 prints the name" "Rbd0" \
    "$(rpc bdev_rbd_create -b Rbd0 -c ceph0 rbdpool lun512 512)"
check_contains "a missing image answers No such file or directory" "No such file or directory" \
    "$(rpc bdev_rbd_create -b Rbd9 -c ceph0 rbdpool nothing 512 2>&1)"
check_contains "an unregistered cluster is refused" "Invalid argument" \
    "$(rpc bdev_rbd_create -b Rbd9 -c nocluster rbdpool lun512 512 2>&1)"
check_contains "a block size that is not a multiple of 512 is refused" "Invalid argument" \
    "$(rpc bdev_rbd_create -b Rbd9 -c ceph0 rbdpool lun4k 1000 2>&1)"
# A device with a connection of its own, configured by options alone.
check_eq "bdev_rbd_create --user --config (a connection of its own) names it Ceph1" "Ceph1" \
    "$(rpc bdev_rbd_create --user admin --config "mon_host=127.0.0.1:$MON_V1_PORT" \
        --config "keyring=$CEPH_DIR/keyring" rbdpool lun4k 4096)"
check_eq "product name, size, driver_specific (cluster)" "Ceph Rbd Disk 131072 rbdpool lun512 ceph0 True" \
    "$(bdev_field Rbd0 'd["product_name"], d["num_blocks"], d["driver_specific"]["rbd"]["pool_name"],
        d["driver_specific"]["rbd"]["rbd_name"], d["driver_specific"]["rbd"]["cluster_name"],
        d["supported_io_types"]["unmap"]')"
check_eq "driver_specific of Ceph1 (own connection)" "4096 4096 admin 127.0.0.1:$MON_V1_PORT" \
    "$(bdev_field Ceph1 'd["block_size"], d["num_blocks"], d["driver_specific"]["rbd"]["user_id"],
        d["driver_specific"]["rbd"]["config"]["mon_host"]')"
check_contains "bdev_rbd_unregister_cluster while Rbd0 uses it answers Device or resource busy" \
    "Device or resource busy" "$(rpc bdev_rbd_unregister_cluster ceph0 2>&1)"

section "RBD LUNs over iSCSI"
check "target rbd1 exports Rbd0 (LUN 0) and Ceph1 (LUN 1)" eval "
    rpc iscsi_create_portal_group 1 127.0.0.1:$PORT >/dev/null &&
    rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32 >/dev/null &&
    rpc iscsi_create_target_node rbd1 rbd1_alias 'Rbd0:0 Ceph1:1' 1:2 64 -d >/dev/null &&
    e2e_wait_port $PORT"
check_contains "INQUIRY's product is Ceph Rbd Disk" "Ceph Rbd Disk" "$(iscsi-inq "$URL" 2>&1)"
check_eq "READ CAPACITY 16 on LUN 0: 64 MiB of 512-byte blocks" "131071 512" "$(capacity 0)"
check_eq "WCE 0 on LUN 0: librbd's cache is off on our connections, a write is on the OSDs when it completes" \
    "0" "$(wce 0)"
check_eq "WCE 1 on LUN 1: the image turns librbd's cache on (rbd config image set)" "1" "$(wce 1)"
check_eq "READ CAPACITY 16 on LUN 1: 16 MiB of 4096-byte blocks" "4095 4096" "$(capacity 1)"
check "qemu-io writes patterns and flushes (LUN 0)" qio 0 "write -P 0xab 0 1M" "write -P 0x5c 40M 64k" \
    "write -z 2M 512k" "flush"
check "qemu-io reads the patterns back (LUN 0)" qio 0 "read -P 0xab 0 1M" "read -P 0x5c 40M 64k" \
    "read -P 0 2M 512k"
check "qemu-io on the 4 KiB LUN" qio 1 "write -P 0x33 4k 64k" "flush" "read -P 0x33 4k 64k"
check_eq "the written bytes are in the Ceph image (rbd export)" "ab 5c" \
    "$(image_byte lun512 0) $(image_byte lun512 $((40 << 20)))"
check "a write past the end fails" eval "! qio 0 'write -P 1 64M 4k'"

section "bdev_rbd_resize"
check_eq "bdev_rbd_resize Rbd0 96 prints true" "true" "$(rpc bdev_rbd_resize Rbd0 96)"
check_eq "READ CAPACITY 16 sees 96 MiB" "196607 512" "$(capacity 0)"
check_contains "the image grew in Ceph too" "96 MiB" "$(timeout 60 rbd info rbdpool/lun512 2>&1)"
check_contains "shrinking is refused" "Invalid argument" "$(rpc bdev_rbd_resize Rbd0 32 2>&1)"
check_contains "bdev_rbd_resize of a missing device answers No such device" "No such device" \
    "$(rpc bdev_rbd_resize Rbd9 128 2>&1)"
check "qemu-io writes in the new space" qio 0 "write -P 0x77 95M 64k" "flush" "read -P 0x77 95M 64k"
check_eq "rbd resize to 128 MiB outside the target: a logged-in initiator gets CAPACITY DATA HAS CHANGED, then 128 MiB" \
    "unit attention 0x2a09
capacity $((128 << 20))" \
    "$(cd "$E2E_DIR" && timeout 90 python3 rbd_external_resize.py "127.0.0.1:$PORT" "$IQN" rbdpool/lun512 128)"

section "requests in flight together (asynchronous data path)"
# Each request is one rbd_aio_* call whose completion comes back to the connection's loop: many are in flight at
# once, on one connection, and complete in any order.
aio_writes=()
aio_reads=()
for i in $(seq 0 31); do
    aio_writes+=("aio_write -P $((i + 1)) $((48 + i))M 64k")
    aio_reads+=("aio_read -P $((i + 1)) $((48 + i))M 64k")
done
check "qemu-io: 32 writes of 64 KiB in flight at once, then a flush" qio 0 "${aio_writes[@]}" "aio_flush" "flush"
check "qemu-io: the 32 patterns read back with 32 reads in flight" qio 0 "${aio_reads[@]}" "aio_flush"
iops=$(timeout 60 iscsi-perf -t 3 -r -m 32 -b 8 "$URL" 2>&1 | tr '\r' '\n' |
    sed -n 's/^iops average \([0-9]*\).*/\1/p' | tail -n 1)
check "iscsi-perf: 3 s of 4 KiB random reads at QD32 (${iops:-no} IOPS)" test "${iops:-0}" -gt 0
check "qemu-img bench: 2000 writes of 4 KiB at QD32 (4-12 MiB, away from the patterns)" eval \
    "timeout 120 qemu-img bench -f raw -w -d 32 -s 4k -c 2000 -o 4M '$URL' 2>&1 | grep -q '^Run completed'"

section "save_config round trip"
check "save_config" eval "rpc save_config >'$CONFIG'"
check_eq "the saved config registers the cluster before creating the bdevs, with cluster_name" \
    "ceph0 Rbd0:ceph0 Ceph1:None" \
    "$(python3 -c "import json, sys
entries = [e for s in json.load(open(sys.argv[1]))['subsystems'] if s['subsystem'] == 'bdev' for e in s['config']]
names = [e['method'] for e in entries]
assert names.index('bdev_rbd_register_cluster') < names.index('bdev_rbd_create')
cluster = [e['params']['name'] for e in entries if e['method'] == 'bdev_rbd_register_cluster']
bdevs = [e['params']['name'] + ':' + str(e['params'].get('cluster_name')) for e in entries if e['method'] == 'bdev_rbd_create']
print(' '.join(cluster + bdevs))" "$CONFIG")"
before=$(rpc bdev_get_bdevs)
clusters=$(rpc bdev_rbd_get_clusters_info)
# SIGTERM while reads are in flight: each connection stops taking commands and waits for its requests at librbd to
# come back before it closes, so no completion arrives after the event loops are gone. (iscsi-perf does not notice
# that the target went away, nor exit on SIGTERM: it is killed.)
iscsi-perf -t 30 -m 16 -b 256 "$URL" >/dev/null 2>&1 &
perf_pid=$!
e2e_track "$perf_pid"
sleep 2
tgt_stop
check_eq "SIGTERM with 16 reads of 128 KiB in flight stops iscsi_tgt with status 0" "0" "$?"
kill -KILL "$perf_pid" 2>/dev/null
wait "$perf_pid" 2>/dev/null
check_eq "no librbd completion came after the event loops stopped (the log says nothing of it)" "0" \
    "$(grep -c 'Cannot schedule tasks' "$TGT_LOG")"
# Closed at exit, so its exclusive lock is free at once (not after the OSD expires a dead client's watch, ~30 s).
check_eq "no client has rbdpool/lun512 open any more (rbd status)" '{"watchers":[]}' \
    "$(timeout 60 rbd status --format json rbdpool/lun512 2>&1)"
tgt_start restarted -c "$CONFIG" || fail "iscsi_tgt restarts from the saved config"
e2e_wait_port "$PORT"
check_eq "bdev_get_bdevs answers the same after the restart" "$before" "$(rpc bdev_get_bdevs)"
check_eq "bdev_rbd_get_clusters_info answers the same after the restart" "$clusters" "$(rpc bdev_rbd_get_clusters_info)"
check "the data is still there" qio 0 "read -P 0xab 0 1M" "read -P 0x77 95M 64k"

section "iscsi-test-cu -d on 512-byte RBD LUNs"
# iscsi-test-cu sends one command at a time, each an OSD round trip, so one sequential run takes minutes: the
# families are dealt out to three workers, each on a target of its own (a target reset in one family must not
# raise unit attentions in another) with a 64 MiB RBD LUN of its own.
check "targets rbd2 and rbd3 export Rbd2 and Rbd3 (64 MiB images of their own)" eval "
    timeout 60 rbd create --size 64M rbdpool/lun512b && timeout 60 rbd create --size 64M rbdpool/lun512c &&
    rpc bdev_rbd_create -b Rbd2 -c ceph0 rbdpool lun512b 512 >/dev/null &&
    rpc bdev_rbd_create -b Rbd3 -c ceph0 rbdpool lun512c 512 >/dev/null &&
    rpc iscsi_create_target_node rbd2 rbd2_alias Rbd2:0 1:2 64 -d >/dev/null &&
    rpc iscsi_create_target_node rbd3 rbd3_alias Rbd3:0 1:2 64 -d >/dev/null"
mapfile -t FAMILIES < <(iscsi-test-cu -l 2>&1 | grep -E '^(SCSI|iSCSI)\.[A-Za-z0-9_-]+$')
# cu_worker INDEX TARGET: runs every third family (from INDEX) on TARGET's LUN 0, output in cu-INDEX-FAMILY.out,
# its duration in durations.txt. A family gets RBD_FAMILY_TIMEOUT s (default 240): one OSD round trip per command,
# the slowest (WRITE SAME, ORWRITE, VERIFY) take 20-30 s on a quiet 2-core machine and 90-120 s at a load of 11.
# SCSI.Unmap is no longer the slowest: 5 s quiet (45 s at a load of 11) since an UNMAP's descriptors are merged and
# sent at once; 115-190 s before, one round trip per descriptor.
cu_worker() {
    local index=$1 target=$2 family started
    for ((i = index; i < ${#FAMILIES[@]}; i += 3)); do
        family=${FAMILIES[$i]}
        started=$SECONDS
        timeout --kill-after=10 "${RBD_FAMILY_TIMEOUT:-240}" iscsi-test-cu -d -t "$family" \
            "iscsi://127.0.0.1:$PORT/iqn.2016-06.io.spdk:$target/0" >"$E2E_TMP/cu-$index-$family.out" 2>&1
        echo "$((SECONDS - started)) $family" >>"$E2E_TMP/durations.txt"
    done
}
started=$SECONDS
cu_worker 0 rbd1 &
worker0=$!
cu_worker 1 rbd2 &
worker1=$!
cu_worker 2 rbd3 &
worker2=$!
wait "$worker0" "$worker1" "$worker2"
read -r runs total passed failed < <(python3 - "$E2E_TMP" <<'PY'
import glob, re, sys
runs = total = passed = failed = 0
for path in glob.glob(sys.argv[1] + "/cu-*.out"):
    match = re.search(r"^\s*tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", open(path, errors="replace").read(), re.M)
    if match:
        runs += 1
        total += int(match[1]); passed += int(match[3]); failed += int(match[4])
print(runs, total, passed, failed)
PY
)
skipped=$(cat "$E2E_TMP"/cu-*.out | grep -c '\[SKIPPED\]')
echo "  iscsi-test-cu: $total tests in ${#FAMILIES[@]} families, $((SECONDS - started)) s: $failed failed," \
    "$passed passed (CUnit counts the $skipped skipped among them)"
echo "  slowest families: $(sort -rn "$E2E_TMP/durations.txt" | head -n 4 | awk '{printf "%s %d s, ", $2, $1}' | sed 's/, $//')"
for out in "$E2E_TMP"/cu-*.out; do
    awk '/^Suite: /{suite=$2} /Test: [^ ]+ \.\.\.FAILED/{print "    FAILED " suite "." $2}' "$out"
done
check_eq "every family ran to its summary" "${#FAMILIES[@]}" "$runs"
check "at most $RBD_MAX_FAILED iscsi-test-cu tests fail (RBD_MAX_FAILED; $failed did)" \
    test "$failed" -le "$RBD_MAX_FAILED"

section "bdev_rbd_delete / unregister"
check "bdev_rbd_delete Ceph1" rpc bdev_rbd_delete Ceph1
check_eq "LUN 1 is gone from the target" "0" \
    "$(rpc iscsi_get_target_nodes | python3 -c "import json, sys; print(' '.join(str(l['lun_id']) for l in json.load(sys.stdin)[0]['luns']))")"
check_contains "bdev_rbd_delete of a missing device answers No such device" "No such device" \
    "$(rpc bdev_rbd_delete Ceph1 2>&1)"
check "bdev_rbd_delete Rbd0, Rbd2 and Rbd3, then bdev_rbd_unregister_cluster ceph0" eval \
    "rpc bdev_rbd_delete Rbd0 && rpc bdev_rbd_delete Rbd2 && rpc bdev_rbd_delete Rbd3 &&
    rpc bdev_rbd_unregister_cluster ceph0"
check_eq "no cluster is left" "[]" "$(rpc bdev_rbd_get_clusters_info)"
tgt_stop
check_eq "SIGTERM stops iscsi_tgt with status 0" "0" "$?"

section "SIGTERM while the cluster does not answer"
# The OSD stopped with reads in flight: the connection waits 10 s for them, then closes; librbd's rbd_close waits for
# them too, so the exit handler gives the images 10 s and then ends the process.
tgt_start stalled -c "$CONFIG" || fail "iscsi_tgt restarts from the saved config"
e2e_wait_port "$PORT"
iscsi-perf -t 90 -m 16 -b 256 "$URL" >/dev/null 2>&1 &
perf_pid=$!
e2e_track "$perf_pid"
sleep 2
osd_pid=$(cat "$CEPH_DIR/run/osd.0.pid")
kill -STOP "$osd_pid"
sleep 1
started=$SECONDS
tgt_stop
status=$?
took=$((SECONDS - started))
kill -CONT "$osd_pid"
kill -KILL "$perf_pid" 2>/dev/null
wait "$perf_pid" 2>/dev/null
check_eq "SIGTERM with the OSD stopped: iscsi_tgt exits with status 0 (in $took s)" "0" "$status"
check "it waited for the requests at librbd, then gave up (log)" grep -q "still at the block device after 10 s" "$TGT_LOG"
check "the exit handler gave the images 10 s, then exited (log)" grep -q "did not close every image" "$TGT_LOG"
e2e_finish
