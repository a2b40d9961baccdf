#!/usr/bin/env bash
# A hostile peer against the real iscsi_tgt (issue 6), with our own PDU-level client
# (Tests/EndToEnd/hostile_peer.py over pdu_client.py):
#   1. malformed PDUs, one connection each, checking the answer class: bad opcodes before and after login,
#      DataSegmentLength beyond MaxRecvDataSegmentLength, a 1020-byte AHS, login PDUs in full feature phase,
#      oversize and non-UTF-8 text, 10,000 keys, duplicate keys, bad login flags/version/stage,
#      out-of-window CmdSN, Data-Out with a bogus ITT/TTT/DataSN/BufferOffset or too much data, SNACK at
#      ERL 0, a 4 GiB expected transfer length, SCSI on a discovery session;
#   2. a flood of FLOOD_CONNECTIONS (default 300) concurrent connections sending random garbage, truncated
#      headers, half logins, random login text, random headers after login and writes whose data never comes;
#      while qemu-io writes and verifies 8 MiB through its own session;
#   3. then the same iscsi_tgt still serves verified reads and writes (qemu-io patterns, our client), has no
#      connection left, and its resident memory is back under the baseline + RSS_SLACK_MIB (default 16 MiB).
#
# Usage: [E2E_BIN=.build/debug] [FLOOD_CONNECTIONS=300] Tests/EndToEnd/hostile.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" python3 qemu-io

IQN=iqn.2016-06.io.spdk:disk1
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-300}
RSS_SLACK_MIB=${RSS_SLACK_MIB:-16}

# peer ACTION [ARGS...]: runs hostile_peer.py and counts its PASS/FAIL lines (INFO lines are shown).
peer() {
    local line
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) pass "${line#PASS }" ;;
            FAIL\ *) fail "${line#FAIL }" ;;
            *) echo "        | $line" ;;
        esac
    done < <(timeout 300 python3 "$E2E_DIR/hostile_peer.py" --portal "127.0.0.1:$PORT" --target "$IQN" "$@" 2>&1)
}

# qemu_io COMMAND...: qemu-io on LUN 0 with one -c per command; fails on any failed command.
# shellcheck disable=SC2317 # called through check
qemu_io() {
    local args=() io_command output
    for io_command in "$@"; do
        args+=(-c "$io_command")
    done
    output=$(timeout 60 qemu-io -f raw "${args[@]}" "iscsi://127.0.0.1:$PORT/$IQN/0" 2>&1) || {
        echo "$output"
        return 1
    }
    if grep -qiE 'failed|error' <<<"$output"; then
        echo "$output"
        return 1
    fi
}

rss_kib() {
    awk '/^VmRSS:/ {print $2}' "/proc/$TGT_PID/status"
}

# shellcheck disable=SC2317 # called through check
connection_count() {
    rpc iscsi_get_connections | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# wait_connections_gone SECONDS: until iscsi_get_connections is empty.
# shellcheck disable=SC2317 # called through check
wait_connections_gone() {
    local deadline=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ "$(connection_count)" = 0 ] && return 0
        sleep 0.5
    done
    return 1
}

PORT=$(e2e_free_port)
section "configuration"
if ! tgt_start hostile; then
    fail "iscsi_tgt started"
    e2e_finish
fi
check "bdev_malloc_create 64 512" rpc bdev_malloc_create -b Malloc0 64 512
check "iscsi_create_portal_group 1" rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT"
check "iscsi_create_initiator_group 2" rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32
check "iscsi_create_target_node disk1" rpc iscsi_create_target_node disk1 disk1 Malloc0:0 1:2 64 -d
check "portal listens" e2e_wait_port "$PORT"

section "a well-behaved initiator first (baseline)"
# The whole LUN is written once, so that its memory counts in the baseline.
check "qemu-io fills the 64 MiB LUN" qemu_io "write -P 0x00 0 64M"
check "qemu-io writes and verifies 4 MiB at 1 MiB" qemu_io "write -P 0x5a 1M 4M" "read -P 0x5a 1M 4M"
check "our client writes and reads back a pattern" \
    python3 "$E2E_DIR/pdu_client.py" --portal "127.0.0.1:$PORT" --target "$IQN" readwrite

section "malformed PDUs, one connection each"
peer cases --target-pid "$TGT_PID"
check "iscsi_tgt survived the malformed PDUs" tgt_alive
check "every connection is gone within 10 s" wait_connections_gone 10
baseline=$(rss_kib)
echo "  resident memory after the malformed PDUs: $((baseline / 1024)) MiB"

section "a flood of $FLOOD_CONNECTIONS hostile connections"
peak=$baseline
peer flood --connections "$FLOOD_CONNECTIONS" --parallel 64 &
flood_pid=$!
# A well-behaved initiator works during the flood, and its data is its own.
qemu_io "write -P 0xa7 32M 8M" "read -P 0xa7 32M 8M" >"$E2E_TMP/during-flood.out" 2>&1 &
during_pid=$!
while kill -0 "$flood_pid" 2>/dev/null; do
    now=$(rss_kib)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.2
done
wait "$flood_pid"
wait "$during_pid"
check_eq "qemu-io writes and verifies 8 MiB during the flood" 0 "$?"
check "iscsi_tgt survived the flood" tgt_alive
check "every flood connection is gone within 35 s (login timeout 30 s)" wait_connections_gone 35

section "the same target afterwards"
check "qemu-io still reads the baseline pattern" qemu_io "read -P 0x5a 1M 4M"
check "qemu-io writes and verifies 8 MiB at 16 MiB" qemu_io "write -P 0xc3 16M 8M" "read -P 0xc3 16M 8M"
check "our client writes and reads back a pattern" \
    python3 "$E2E_DIR/pdu_client.py" --portal "127.0.0.1:$PORT" --target "$IQN" readwrite
after=$(rss_kib)
echo "  resident memory: $((baseline / 1024)) MiB before the flood, peak $((peak / 1024)) MiB, $((after / 1024)) MiB after"
check "resident memory after the flood <= baseline + $RSS_SLACK_MIB MiB" \
    test "$after" -le $((baseline + RSS_SLACK_MIB * 1024))

tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
