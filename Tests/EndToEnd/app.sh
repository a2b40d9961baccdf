#!/usr/bin/env bash
# End-to-end checks of the iscsi_tgt application shell: command line, RPC socket life cycle,
# --wait-for-rpc gating, config loading (-c), signals and exit codes.
# Usage: Tests/EndToEnd/app.sh [path/to/iscsi_tgt]   (default: .build/release, else .build/debug)
# Needs spdk-rpc (pip spdk). Prints "N passed, M failed"; exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
binary=${1:-}
if [[ -z $binary ]]; then
    for candidate in "$root/.build/release/iscsi_tgt" "$root/.build/debug/iscsi_tgt"; do
        [[ -x $candidate ]] && binary=$candidate && break
    done
fi
[[ -x ${binary:-} ]] || { echo "iscsi_tgt binary not found; build it first" >&2; exit 1; }

work=$(mktemp -d /tmp/iscsi-tgt-e2e.XXXXXX)
socket=$work/spdk.sock
port=$((20000 + RANDOM % 20000))
passed=0
failed=0
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
check() { # check "description" command...
    local description=$1
    shift
    if "$@"; then pass "$description"; else fail "$description"; fi
}

rpc() { timeout 20 spdk-rpc -s "$socket" "$@"; }

# Starts the target in the background (extra args forwarded); sets $target_pid.
start_target() {
    "$binary" -r "$socket" --disable-cpumask-locks "$@" >"$work/target.log" 2>&1 &
    target_pid=$!
    pids+=("$target_pid")
}

# Waits until the socket answers rpc_get_methods (or the process dies).
wait_for_socket() {
    for _ in $(seq 1 100); do
        kill -0 "$target_pid" 2>/dev/null || return 1
        [[ -S $socket ]] && rpc rpc_get_methods >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# Sends a signal and returns the target's exit status.
stop_target() {
    kill "-${1:-TERM}" "$target_pid" 2>/dev/null
    { wait "$target_pid"; } 2>/dev/null
}

# ---------------------------------------------------------------- command line
"$binary" -h >"$work/out" 2>&1
check "-h exits 0" test $? -eq 0
check "-h prints the usage" grep -q -- "--cpumask" "$work/out"
"$binary" -v >"$work/out" 2>&1
check "-v exits 0" test $? -eq 0
check "-v prints the SPDK version" grep -qx "SPDK v26.09-pre" "$work/out"
"$binary" --bogus >"$work/out" 2>&1
check "unknown option exits 2" test $? -eq 2
"$binary" -L nosuchflag >"$work/out" 2>&1
check "-L with an unknown flag exits 2" test $? -eq 2
check "-L with an unknown flag says so" grep -q "unknown flag" "$work/out"
"$binary" -p -1 >"$work/out" 2>&1
check "negative main core exits 2" test $? -eq 2
"$binary" --no-rpc-server --wait-for-rpc >"$work/out" 2>&1
check "--wait-for-rpc with --no-rpc-server exits 1" test $? -eq 1
"$binary" -r "$socket" --disable-cpumask-locks -m 0x80000000 >"$work/out" 2>&1
check "a core mask naming a missing core exits 1" test $? -eq 1
"$binary" -r "$socket" --disable-cpumask-locks -m zz >"$work/out" 2>&1
check "an unparsable core mask exits 1" test $? -eq 1

# ---------------------------------------------------------------- --wait-for-rpc gating
start_target --wait-for-rpc
check "target with --wait-for-rpc answers" wait_for_socket
rpc framework_wait_init >"$work/wait.out" 2>&1 &
waiter=$!
rpc bdev_get_bdevs >"$work/out" 2>&1
check "a RUNTIME method is refused in STARTUP" grep -q "framework_start_init" "$work/out"
rpc log_set_flag rpc >/dev/null 2>&1
check "log_set_flag works in STARTUP" test $? -eq 0
rpc log_get_flags >"$work/out" 2>&1
check "log_get_flags shows rpc set" grep -q '"rpc": true' "$work/out"
rpc iscsi_set_options -o 30 -a 16 >/dev/null 2>&1
check "iscsi_set_options works in STARTUP" test $? -eq 0
sleep 0.5
check "framework_wait_init is still pending in STARTUP" kill -0 "$waiter"
rpc framework_start_init >/dev/null 2>&1
check "framework_start_init succeeds" test $? -eq 0
wait "$waiter"
check "pending framework_wait_init returned after framework_start_init" test $? -eq 0
rpc framework_start_init >"$work/out" 2>&1
check "a second framework_start_init is refused" grep -q "before framework is initialized" "$work/out"
rpc framework_get_subsystems >"$work/out" 2>&1
check "framework_get_subsystems lists iscsi" grep -q '"subsystem": "iscsi"' "$work/out"
rpc framework_get_reactors >"$work/out" 2>&1
check "framework_get_reactors lists app_thread" grep -q '"app_thread"' "$work/out"
rpc thread_get_stats >"$work/out" 2>&1
check "thread_get_stats lists the poll group" grep -q '"iscsi_poll_group_0"' "$work/out"
rpc save_config >"$work/saved.json" 2>&1
check "save_config works" grep -q '"subsystems"' "$work/saved.json"

# ---------------------------------------------------------------- socket exclusivity (target still running)
"$binary" -r "$socket" --disable-cpumask-locks >"$work/out" 2>&1
check "a second instance on the same socket exits 1" test $? -eq 1
check "the second instance names the socket in use" grep -q "in use" "$work/out"

# ---------------------------------------------------------------- SIGTERM
stop_target TERM
check "SIGTERM exits 0" test $? -eq 0
check "SIGTERM removes the socket" test ! -e "$socket"
check "SIGTERM removes the socket lock" test ! -e "$socket.lock"

# ---------------------------------------------------------------- SIGKILL and restart
start_target
check "target starts" wait_for_socket
stop_target KILL
start_target
check "restart after SIGKILL works" wait_for_socket
rpc spdk_kill_instance SIGTERM >/dev/null 2>&1
wait "$target_pid"
check "spdk_kill_instance SIGTERM exits 0" test $? -eq 0

# ---------------------------------------------------------------- core locks
lock_core=$(( $(nproc) - 1 ))
lock_file=$(printf "/var/tmp/spdk_cpu_lock_%03d" "$lock_core")
if [[ -e $lock_file ]] && fuser "$lock_file" >/dev/null 2>&1; then
    echo "skip - core $lock_core is locked by another process"
else
    "$binary" -r "$socket" -m "[$lock_core]" >"$work/target.log" 2>&1 &
    target_pid=$!
    pids+=("$target_pid")
    check "target with core locks starts" wait_for_socket
    check "the core lock file exists" test -e "$lock_file"
    "$binary" -r "$work/other.sock" -m "[$lock_core]" >"$work/out" 2>&1
    check "a second instance on a locked core exits 1" test $? -eq 1
    check "the refusal names the core" grep -q "Cannot create lock on core $lock_core" "$work/out"
    stop_target TERM
    check "the core lock file is removed at exit" test ! -e "$lock_file"
fi

# ---------------------------------------------------------------- -c config file
cat >"$work/config.json" <<EOF
{
  // the seed scenario of config-file.md section 4, on 127.0.0.1
  "subsystems": [
    { "subsystem": "bdev", "config": [
      { "method": "bdev_set_options", "params": { "bdev_io_pool_size": 65535, "bdev_io_cache_size": 256,
        "bdev_auto_examine": true, "iobuf_small_cache_size": 128, "iobuf_large_cache_size": 16 } },
      { "method": "bdev_malloc_create", "params": { "name": "Malloc0", "num_blocks": 131072, "block_size": 512,
        "physical_block_size": 512, "uuid": "2b5f1c36-4a8e-4d37-9d0f-0a1b2c3d4e01", "optimal_io_boundary": 0,
        "md_size": 0, "dif_type": 0, "dif_is_head_of_md": false, "dif_pi_format": 0, "numa_id": -1 } },
      { "method": "bdev_malloc_create", "params": { "name": "Malloc1", "num_blocks": 131072, "block_size": 512,
        "physical_block_size": 512, "uuid": "2b5f1c36-4a8e-4d37-9d0f-0a1b2c3d4e02", "optimal_io_boundary": 0,
        "md_size": 0, "dif_type": 0, "dif_is_head_of_md": false, "dif_pi_format": 0, "numa_id": -1 } },
      { "method": "bdev_wait_for_examine" }
    ] },
    { "subsystem": "scsi", "config": null },
    { "subsystem": "iscsi", "config": [
      { "method": "iscsi_set_options", "params": { "node_base": "iqn.2016-06.io.spdk", "max_sessions": 128,
        "max_connections_per_session": 2, "max_queue_depth": 64, "default_time2wait": 2,
        "default_time2retain": 20, "first_burst_length": 8192, "immediate_data": true,
        "allow_duplicated_isid": false, "error_recovery_level": 0, "nop_timeout": 60, "nop_in_interval": 30,
        "disable_chap": false, "require_chap": false, "mutual_chap": false, "chap_group": 0,
        "max_large_datain_per_connection": 64, "max_r2t_per_connection": 4, "pdu_pool_size": 36864,
        "immediate_data_pool_size": 16384, "data_out_pool_size": 2048 } },
      { "method": "iscsi_create_portal_group", "params": { "tag": 1,
        "portals": [ { "host": "127.0.0.1", "port": "$port" } ], "private": false } },
      { "method": "iscsi_create_initiator_group", "params": { "tag": 2, "initiators": [ "ANY" ],
        "netmasks": [ "127.0.0.1/32" ] } },
      { "method": "iscsi_create_target_node", "params": { "name": "iqn.2016-06.io.spdk:disk1",
        "alias_name": "Data Disk1", "pg_ig_maps": [ { "pg_tag": 1, "ig_tag": 2 } ],
        "luns": [ { "bdev_name": "Malloc0", "lun_id": 0 }, { "bdev_name": "Malloc1", "lun_id": 1 } ],
        "queue_depth": 64, "disable_chap": true, "require_chap": false, "mutual_chap": false,
        "chap_group": 0, "header_digest": false, "data_digest": false } }
    ] }
  ]
}
EOF
start_target -c "$work/config.json"
check "target with -c starts" wait_for_socket
rpc bdev_get_bdevs >"$work/out" 2>&1
check "-c created Malloc0" grep -q '"name": "Malloc0"' "$work/out"
check "-c created Malloc1 with its UUID" grep -q '2b5f1c36-4a8e-4d37-9d0f-0a1b2c3d4e02' "$work/out"
rpc iscsi_get_portal_groups >"$work/out" 2>&1
check "-c created the portal group" grep -q "\"port\": \"$port\"" "$work/out"
rpc iscsi_get_initiator_groups >"$work/out" 2>&1
check "-c created the initiator group" grep -q '"127.0.0.1/32"' "$work/out"
rpc iscsi_get_target_nodes >"$work/out" 2>&1
check "-c created the target node" grep -q '"name": "iqn.2016-06.io.spdk:disk1"' "$work/out"
check "the target node has its alias" grep -q '"alias_name": "Data Disk1"' "$work/out"
rpc framework_get_config iscsi >"$work/out" 2>&1
check "framework_get_config iscsi writes the target node" grep -q '"iscsi_create_target_node"' "$work/out"
rpc framework_get_config nosuch >"$work/out" 2>&1
check "framework_get_config of an unknown subsystem fails" grep -q "Subsystem 'nosuch' not found" "$work/out"
if command -v iscsi-ls >/dev/null; then
    timeout 20 iscsi-ls -s -i iqn.2016-06.io.test:e2e "iscsi://127.0.0.1:$port" >"$work/out" 2>&1
    check "iscsi-ls discovers the configured target" grep -q "Target:iqn.2016-06.io.spdk:disk1" "$work/out"
    check "iscsi-ls sees LUN 1" grep -q "Lun:1" "$work/out"
else
    echo "skip - iscsi-ls not installed"
fi
rpc save_config >"$work/running.json" 2>&1
check "save_config of the -c target works" grep -q '"iscsi_create_target_node"' "$work/running.json"
exec 3<>"/dev/tcp/127.0.0.1/$port"
stop_target INT
check "SIGINT with an open portal connection exits 0" test $? -eq 0
exec 3>&-

# ---------------------------------------------------------------- saved configuration reloads
start_target -c "$work/running.json"
check "target with the saved configuration as -c starts" wait_for_socket
rpc iscsi_get_target_nodes >"$work/out" 2>&1
check "the saved configuration recreates the target node" grep -q '"name": "iqn.2016-06.io.spdk:disk1"' "$work/out"
stop_target TERM
start_target --wait-for-rpc
check "target for load_config starts" wait_for_socket
rpc load_config -j "$work/running.json" >"$work/out" 2>&1
check "load_config of the saved configuration succeeds" test $? -eq 0
rpc bdev_get_bdevs >"$work/out" 2>&1
check "load_config recreated Malloc1" grep -q '"name": "Malloc1"' "$work/out"
stop_target TERM

# ---------------------------------------------------------------- --rpcs-allowed
start_target --rpcs-allowed rpc_get_methods,spdk_get_version,spdk_kill_instance
check "target with --rpcs-allowed starts" wait_for_socket
rpc bdev_get_bdevs >"$work/out" 2>&1
check "a method outside --rpcs-allowed is not found" grep -q "Method not found" "$work/out"
rpc spdk_kill_instance SIGINT >/dev/null 2>&1
{ wait "$target_pid"; } 2>/dev/null
check "spdk_kill_instance SIGINT exits 0" test $? -eq 0

# ---------------------------------------------------------------- failing framework_start_init
start_target --wait-for-rpc
check "target with --wait-for-rpc starts again" wait_for_socket
rpc iscsi_set_options -q 0 >/dev/null 2>&1
rpc framework_start_init >"$work/out" 2>&1
check "framework_start_init with invalid options fails" grep -q "framework_initialization failed" "$work/out"
wait "$target_pid"
check "the target exits non-zero after a failed framework_start_init" test $? -ne 0
check "no socket is left behind after a failed framework_start_init" test ! -e "$socket"

# ---------------------------------------------------------------- bad -c files
"$binary" -r "$socket" --disable-cpumask-locks -c "$work/missing.json" >"$work/out" 2>&1
check "a missing -c file exits non-zero" test $? -ne 0
check "a missing -c file is named" grep -q "Read JSON configuration file $work/missing.json failed" "$work/out"
echo '{ "subsystems": [ ' >"$work/broken.json"
"$binary" -r "$socket" --disable-cpumask-locks -c "$work/broken.json" >"$work/out" 2>&1
check "an invalid -c file exits non-zero" test $? -ne 0
check "an invalid -c file is named" grep -q "$work/broken.json" "$work/out"
echo '{ "subsystems": [ { "subsystem": "bdev", "config": [ { "method": "bdev_bogus" } ] } ] }' >"$work/unknown.json"
"$binary" -r "$socket" --disable-cpumask-locks -c "$work/unknown.json" >"$work/out" 2>&1
check "an unknown method of a known subsystem exits non-zero" test $? -ne 0
check "no socket is left behind after a failed start" test ! -e "$socket"
start_target -c "$work/unknown.json" --json-ignore-init-errors
check "--json-ignore-init-errors starts despite the unknown method" wait_for_socket
stop_target TERM
check "SIGTERM exits 0 after an ignored config error" test $? -eq 0

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
