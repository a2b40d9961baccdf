#!/usr/bin/env bash
# Drives a real iscsi_tgt with iscsi-rpc and SPDK's rpc.py (`spdk-rpc`) side by side: the same
# commands must print the same output and exit with the same status, and a configuration saved
# by iscsi-rpc must load into a fresh --wait-for-rpc target and save back identically.
# Usage: Tests/EndToEnd/cli-live.sh [iscsi-rpc] [iscsi_tgt]   (defaults: .build/debug/...)
# Prints one line per failure and finally exactly "N passed, M failed"; exits 1 on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OURS=${1:-$ROOT/.build/debug/iscsi-rpc}
TARGET=${2:-$ROOT/.build/debug/iscsi_tgt}
for binary in "$OURS" "$TARGET"; do
    [ -x "$binary" ] || { echo "not built: $binary"; exit 1; }
done
command -v spdk-rpc > /dev/null || { echo "spdk-rpc not installed (pip install spdk==26.9)"; exit 1; }

WORK=$(mktemp -d /tmp/cli-live.XXXXXX)
SOCK=$WORK/spdk.sock
PORT=$((20000 + RANDOM % 20000))
TARGET_PID=
passed=0
failed=0

stop_target() {
    if [ -n "$TARGET_PID" ]; then
        kill "$TARGET_PID" 2> /dev/null
        wait "$TARGET_PID" 2> /dev/null
        TARGET_PID=
    fi
}
trap 'stop_target; rm -rf "$WORK"' EXIT

start_target() {
    rm -f "$SOCK" "$SOCK.lock"
    "$TARGET" -r "$SOCK" "$@" > "$WORK/target.log" 2>&1 &
    TARGET_PID=$!
    for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
    echo "iscsi_tgt did not create $SOCK"; cat "$WORK/target.log"; exit 1
}

check() { # name, then a command whose status is the verdict
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
    fi
}

# Runs the same arguments (and stdin) through both clients; output, with volatile counters blanked, must match.
same() {
    local name=$1 input=$2
    shift 2
    printf '%s' "$input" | "$OURS" -s "$SOCK" "$@" > "$WORK/ours.out" 2>&1
    local ours_status=$?
    printf '%s' "$input" | spdk-rpc -s "$SOCK" "$@" > "$WORK/theirs.out" 2>&1
    local theirs_status=$?
    sed -i -E 's/"(ticks|tick_rate|busy|idle|elapsed|tid|pid|req_id)": [0-9]+/"\1": N/g' "$WORK/ours.out" "$WORK/theirs.out"
    check "$name" test "$ours_status" = "$theirs_status"
    check "$name (output)" cmp -s "$WORK/ours.out" "$WORK/theirs.out"
}

# Mutators run through iscsi-rpc only (a second run would fail as a duplicate): exit 0 and exact stdout.
expect() {
    local name=$1 expected=$2
    shift 2
    local output
    output=$("$OURS" -s "$SOCK" "$@" 2>&1)
    check "$name" test "$?:$output" = "0:$expected"
}

start_target
same "version" "" spdk_get_version
expect "malloc" "Malloc0" bdev_malloc_create -b Malloc0 64 512
same "malloc duplicate" "" bdev_malloc_create -b Malloc0 64 512
expect "portal group" "" iscsi_create_portal_group 1 "127.0.0.1:$PORT"
expect "initiator group" "" iscsi_create_initiator_group 2 ANY 127.0.0.1/32
expect "target node" "" iscsi_create_target_node disk1 "Data Disk1" Malloc0:0 1:2 64 -d
same "target node duplicate" "" iscsi_create_target_node disk1 "Data Disk1" Malloc0:0 1:2 64 -d
same "target nodes" "" iscsi_get_target_nodes
same "portal groups" "" iscsi_get_portal_groups
same "initiator groups" "" iscsi_get_initiator_groups
same "options" "" iscsi_get_options
same "bdevs" "" bdev_get_bdevs -b Malloc0
same "missing bdev" "" bdev_get_bdevs -b nothing
same "subsystems" "" framework_get_subsystems
same "log flags" "" log_get_flags
same "script" $'log_get_level\n# comment\n\niscsi_get_stats\nscsi_get_devices\n'
same "script with error" $'log_get_level\niscsi_delete_target_node nothing\nlog_get_level\n'
same "save_config" "" save_config

"$OURS" -s "$SOCK" save_config > "$WORK/saved.json"
check "kill" "$OURS" -s "$SOCK" spdk_kill_instance SIGTERM
for _ in $(seq 50); do kill -0 "$TARGET_PID" 2> /dev/null || break; sleep 0.1; done
check "target exited after spdk_kill_instance" bash -c "! kill -0 $TARGET_PID 2> /dev/null"
stop_target

start_target --wait-for-rpc
check "load_config" "$OURS" -s "$SOCK" load_config -j "$WORK/saved.json"
"$OURS" -s "$SOCK" save_config > "$WORK/reloaded.json"
check "configuration survives save/load/save" cmp -s "$WORK/saved.json" "$WORK/reloaded.json"
stop_target

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
