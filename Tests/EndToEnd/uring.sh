#!/usr/bin/env bash
# io_uring file bdevs (issue 8) against the real iscsi_tgt: bdev_uring_create/rescan/delete and their errors,
# libiscsi's whole iscsi-test-cu -d on uring LUNs, data written with qemu-io surviving a SIGTERM restart from
# save_config, and, under strace, that every SYNCHRONIZE CACHE and every FUA write is answered only after an
# io_uring submission of its own completed, with no fdatasync/fsync/pwritev2 on the side.
#
# What strace can prove and what it cannot: it shows each io_uring_enter(ring, 1, 1, GETEVENTS) and its return
# (one entry submitted, one completion reaped) between the command PDU read and the response written on the
# same thread, but not the entry's contents. That the flush entry is IORING_OP_FSYNC with IORING_FSYNC_DATASYNC
# and that a FUA write's entries carry RWF_DSYNC is checked by Tests/BlockDeviceTests/UringSubmissionTests.
#
# The disk files live under /var/tmp: O_DIRECT needs a disk file system, and /tmp may be a tmpfs.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/uring.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" qemu-io iscsi-test-cu iscsi-readcapacity16 python3 strace

DISK_DIR=$(mktemp -d /var/tmp/e2e-uring.XXXXXX)
trap 'rm -rf "$DISK_DIR"; e2e_cleanup' EXIT
IQN=iqn.2016-06.io.spdk:disk1
FILE="$DISK_DIR/disk.img"
CONFIG="$E2E_TMP/saved.json"
PORT=$(e2e_free_port)
URL="iscsi://127.0.0.1:$PORT/$IQN/0"

# qio COMMAND...: qemu-io commands on LUN 0 (raw over libiscsi).
qio() {
    local args=() command
    for command in "$@"; do
        args+=(-c "$command")
    done
    timeout 60 qemu-io -f raw ${QIO_CACHE:+-t "$QIO_CACHE"} "${args[@]}" "$URL"
}

# check_qio DESCRIPTION COMMAND...: the qemu-io commands all succeed (qemu-io exits 0 even when a command
# fails, so its output is searched for the failure messages).
check_qio() {
    local description=$1 output
    shift
    if output=$(qio "$@" 2>&1) && ! grep -qiE "error|failed|Pattern verification" <<<"$output"; then
        pass "$description"
    else
        fail "$description"
        head -n 10 <<<"$output" | sed 's/^/        | /'
    fi
}

# bdev_field NAME FIELD: one field of bdev_get_bdevs -b NAME (Python expression on the entry `d`).
bdev_field() {
    rpc bdev_get_bdevs -b "$1" | python3 -c "import json, sys; d = json.load(sys.stdin)[0]; print($2)"
}

# shellcheck disable=SC2317 # called through check
# save_config_to FILE: the running configuration, as iscsi_tgt -c loads it.
save_config_to() {
    rpc save_config >"$1"
}

truncate -s 32M "$FILE"
tgt_start uring || {
    fail "iscsi_tgt starts"
    e2e_finish
}

section "bdev_uring_create / rescan / delete"
created=$(rpc bdev_uring_create "$FILE" U0 2>&1)
if grep -q "io_uring is not available" "$TGT_LOG"; then
    echo "    (io_uring is not available here: $(grep -o 'io_uring is not available.*' "$TGT_LOG" | head -n 1))"
    pass "io_uring unavailable: the create fails with SPDK's error and the log says why"
    e2e_finish
fi
check_eq "bdev_uring_create prints the name" "U0" "$created"
check_eq "32 MiB in blocks of the detected size, product name, driver_specific" \
    "True URING bdev $FILE True True" \
    "$(bdev_field U0 'd["num_blocks"] * d["block_size"] == 32 << 20, d["product_name"],
        d["driver_specific"]["uring"]["filename"], d["supported_io_types"]["flush"], d["supported_io_types"]["unmap"]')"
check_contains "a missing file answers SPDK's error" "Unable to create URING bdev." \
    "$(rpc bdev_uring_create /nonexistent/file U1 2>&1)"
check_contains "... and the log says why" "cannot open the file (errno 2)" "$(cat "$TGT_LOG")"
check_contains "a duplicate name answers SPDK's error" "Unable to create URING bdev." \
    "$(rpc bdev_uring_create "$FILE" U0 2>&1)"
check_contains "a block size that is not a power of two is refused" "Unable to create URING bdev." \
    "$(rpc bdev_uring_create "$FILE" U1 1536 2>&1)"
check_contains "bdev_uring_rescan of a missing device answers No such device" "No such device" \
    "$(rpc bdev_uring_rescan U9 2>&1)"
check_contains "bdev_uring_delete of a malloc bdev answers No such device" "No such device" \
    "$(rpc bdev_malloc_create -b M0 8 512 >/dev/null && rpc bdev_uring_delete M0 2>&1)"
check_eq "bdev_uring_create with a block size and a UUID" "U1" \
    "$(rpc bdev_uring_create "$FILE" U1 4096 -u 0f0e0d0c-0b0a-4908-8706-050403020100)"
check_eq "U1: 4096-byte blocks, the UUID" "4096 0f0e0d0c-0b0a-4908-8706-050403020100" \
    "$(bdev_field U1 'd["block_size"], d["uuid"]')"
check "bdev_uring_delete U1" rpc bdev_uring_delete U1
check_contains "U1 is gone" "No such device" "$(rpc bdev_get_bdevs -b U1 2>&1)"

truncate -s 8M "$DISK_DIR/loop.img"
if LOOP=$(losetup --find --show --sector-size 4096 "$DISK_DIR/loop.img" 2>/dev/null); then
    check "bdev_uring_create on loop device $LOOP" rpc bdev_uring_create "$LOOP" ULOOP
    check_eq "the loop device's logical block size is detected" "4096 2048" \
        "$(bdev_field ULOOP 'd["block_size"], d["num_blocks"]')"
    check_contains "a block size below the device's is refused" "Unable to create URING bdev." \
        "$(rpc bdev_uring_create "$LOOP" ULOOP2 512 2>&1)"
    check "bdev_uring_delete ULOOP" rpc bdev_uring_delete ULOOP
    losetup -d "$LOOP"
else
    echo "    (no loop device available: block-device detection not checked)"
fi

check "target disk1 exports U0 and Malloc M1" eval "rpc bdev_malloc_create -b M1 32 512 >/dev/null &&
    rpc iscsi_create_portal_group 1 127.0.0.1:$PORT >/dev/null &&
    rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32 >/dev/null &&
    rpc iscsi_create_target_node disk1 disk1_alias 'U0:0 M1:1' 1:2 64 -d >/dev/null && e2e_wait_port $PORT"

section "rescan after the file grows"
truncate -s 40M "$FILE"
check_eq "bdev_uring_rescan prints true" "true" "$(rpc bdev_uring_rescan U0)"
check_eq "40 MiB after the rescan" "True" "$(bdev_field U0 'd["num_blocks"] * d["block_size"] == 40 << 20')"
check_contains "READ CAPACITY 16 reports the new size" \
    "RETURNEDLOGICALBLOCKADDRESS:$((($(bdev_field U0 'd["num_blocks"]')) - 1))" \
    "$(iscsi-readcapacity16 "$URL" 2>&1 | tr -d ' ')"

section "libiscsi iscsi-test-cu -d on uring LUNs"
# The default run (615 tests) is the ALL family (230) plus SCSI and iSCSI (the same 230 again) plus LINUX (a subset
# of 155): the same three parts run in parallel, each on a uring LUN of its own behind a target node of its own
# (so that one part's resets and reservations do not reach another).
CU_PARTS=("ALL.*" "SCSI.*,iSCSI.*" "LINUX.*")
cu_pids=()
for part in 0 1 2; do
    truncate -s 16M "$DISK_DIR/cu$part.img"
    if ! rpc bdev_uring_create "$DISK_DIR/cu$part.img" "UCU$part" >/dev/null ||
        ! rpc iscsi_create_target_node "cu$part" "cu$part" "UCU$part:0" 1:2 64 -d >/dev/null; then
        fail "uring LUN for iscsi-test-cu part $part"
    fi
    timeout 600 iscsi-test-cu -d -t "${CU_PARTS[$part]}" "iscsi://127.0.0.1:$PORT/iqn.2016-06.io.spdk:cu$part/0" \
        >"$E2E_TMP/cu$part.out" 2>&1 &
    cu_pids+=("$!")
done
started=$SECONDS
wait "${cu_pids[@]}"
cu_total=0 cu_passed=0 cu_failed=0
for part in 0 1 2; do
    summary=$(sed -n 's/^ *tests *\([0-9]*\) *[0-9]* *\([0-9]*\) *\([0-9]*\).*/\1 \2 \3/p' "$E2E_TMP/cu$part.out")
    read -r total passed failed <<<"${summary:-0 0 1}"
    cu_total=$((cu_total + total)) cu_passed=$((cu_passed + passed)) cu_failed=$((cu_failed + failed))
    if [ "$failed" != 0 ]; then
        echo "        | part ${CU_PARTS[$part]}: $failed failed; the run's last lines:"
        tail -n 20 "$E2E_TMP/cu$part.out" | sed 's/^/        | /'
    fi
done
check_eq "iscsi-test-cu -d: no failures ($cu_passed of $cu_total passed in 3 parallel parts, $((SECONDS - started)) s)" \
    "615 0" "$cu_total $cu_failed"

section "data survives SIGTERM and a restart from save_config"
check_qio "qemu-io writes patterns" "write -P 0xab 0 1M" "write -P 0x5c 20M 64k" "flush"
check "save_config" save_config_to "$CONFIG"
check_contains "save_config writes bdev_uring_create" '"method": "bdev_uring_create"' "$(cat "$CONFIG")"
before=$(rpc bdev_get_bdevs -b U0)
tgt_stop
check_eq "SIGTERM stops iscsi_tgt with status 0" "0" "$?"
check_eq "the file holds the first pattern" "ab" \
    "$(python3 -c "import sys; f = open(sys.argv[1], 'rb'); print(set(f.read(1 << 20)).pop().to_bytes(1, 'big').hex())" "$FILE")"
tgt_start restarted -c "$CONFIG" || fail "iscsi_tgt restarts from the saved config"
e2e_wait_port "$PORT"
check_eq "bdev_get_bdevs -b U0 answers the same after the restart" "$before" "$(rpc bdev_get_bdevs -b U0)"
check_qio "qemu-io reads both patterns back" "read -P 0xab 0 1M" "read -P 0x5c 20M 64k"

section "strace: SYNCHRONIZE CACHE and FUA writes are answered after their io_uring completion"
STRACE_LOG="$E2E_TMP/strace.log"
strace -f -qq -xx -s 48 -e trace=io_uring_enter,read,write,writev,fdatasync,fsync,pwritev2 -o "$STRACE_LOG" \
    -p "$TGT_PID" &
tracer=$!
sleep 1
# Writeback: qemu-io puts FUA only on `write -f` (writethrough would put it on every write).
QIO_CACHE=writeback check_qio "three FUA writes and three flushes" "write -f -P 1 0 4k" "write -P 4 1M 4k" "flush" \
    "write -f -P 2 4k 4k" "write -P 5 1M 4k" "flush" "write -f -P 3 8k 4k" "write -P 6 1M 4k" "flush"
sleep 0.5
kill -INT "$tracer"
wait "$tracer" 2>/dev/null
# Per thread, in order: a SCSI Command PDU read (opcode 0x01, CDB at byte 32), the io_uring_enter calls that
# submitted one entry and reaped one completion each, then the SCSI Response PDU (opcode 0x21) written.
traced=$(
    python3 - "$STRACE_LOG" <<'PY'
import re, sys
def data(line):
    match = re.search(r'"((?:\\x[0-9a-f]{2})+)', line)
    return bytes.fromhex(match.group(1).replace("\\x", "")) if match else b""
# strace splits a call another thread interrupts into "<unfinished ...>" and "<... NAME resumed>": join them.
def calls(path):
    partial = {}
    for line in open(path):
        tid, _, rest = line.rstrip("\n").partition(" ")
        rest = rest.strip()
        if rest.endswith("<unfinished ...>"):
            partial[tid] = rest[: -len("<unfinished ...>")]
            continue
        resumed = re.match(r"<\.\.\. \w+ resumed>(.*)", rest)
        if resumed:
            rest = partial.pop(tid, "") + resumed.group(1)
        yield tid, rest
pending, counts, syscalls = {}, {"flush": [0, 0], "fua": [0, 0]}, 0
for tid, line in calls(sys.argv[1]):
    if re.match(r"(fdatasync|fsync|pwritev2)\(", line):
        syscalls += 1
    elif line.startswith("read("):
        pdu = data(line)
        if len(pdu) > 33 and pdu[0] & 0x3F == 0x01:
            cdb = pdu[32:48]
            kind = "flush" if cdb[0] in (0x35, 0x91) else "fua" if cdb[0] in (0x2A, 0xAA) and cdb[1] & 0x08 else None
            pending[tid] = [kind, 0] if kind else None
    elif re.match(r"io_uring_enter\(\d+, 1, 1, IORING_ENTER_GETEVENTS.*= 1$", line):
        if pending.get(tid):
            pending[tid][1] += 1
    elif re.match(r"writev?\(", line) and pending.get(tid):
        pdu = data(line)
        if pdu and pdu[0] & 0x3F == 0x21:
            kind, enters = pending.pop(tid)
            counts[kind][0] += 1
            counts[kind][1] += 1 if enters >= 1 else 0
print(counts["flush"][0], counts["flush"][1], counts["fua"][0], counts["fua"][1], syscalls)
PY
)
read -r flushes flushes_after fua fua_after syscalls <<<"$traced"
check_eq "3 SYNCHRONIZE CACHE answered, each after its io_uring completion ($flushes_after of $flushes)" \
    "3 3" "$flushes $flushes_after"
check_eq "3 FUA writes answered, each after its io_uring completion ($fua_after of $fua)" "3 3" "$fua $fua_after"
check_eq "no fdatasync, fsync or pwritev2 outside the ring" "0" "$syscalls"

tgt_stop
check_eq "SIGTERM stops iscsi_tgt with status 0" "0" "$?"
e2e_finish
