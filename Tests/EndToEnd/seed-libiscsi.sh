#!/usr/bin/env bash
# The seed scenario driven by libiscsi and QEMU (issue 4 acceptance), run three times: configured at
# runtime with iscsi-rpc, then with SPDK's own spdk-rpc, then loaded from examples/seed.json with -c
# (its portal moved to a test port).
#
# Checks: SendTargets lists iqn.2016-06.io.spdk:disk1 with 2 LUNs; READ CAPACITY(16) last LBA 131071;
# INQUIRY standard + VPD 0x00/0x80/0x83 identity as SPDK reports it; qemu-io writes patterns at several
# offsets of both LUNs (one block, 4 KiB, 1.125 MiB which needs R2T and several Data-In PDUs, the last
# block) and reads them back verified; the initiator-group ACL (netmask and initiator name); SIGTERM
# during a running write exits 0.
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" iscsi-ls iscsi-inq iscsi-readcapacity16 qemu-io qemu-img python3

IQN=iqn.2016-06.io.spdk:disk1
LUN_BLOCKS=131072
BLOCK=512

# configure_seed_with CLIENT PORT: the README's walkthrough on a test port, CLIENT being rpc (our
# iscsi-rpc) or spdk_rpc (SPDK's rpc.py).
configure_seed_with() {
    local client=$1 port=$2
    check_eq "$client bdev_malloc_create 64 512 names Malloc0" Malloc0 "$($client bdev_malloc_create 64 512 2>&1)"
    check_eq "$client bdev_malloc_create 64 512 names Malloc1" Malloc1 "$($client bdev_malloc_create 64 512 2>&1)"
    check "$client iscsi_create_portal_group 1 127.0.0.1:$port" \
        "$client" iscsi_create_portal_group 1 "127.0.0.1:$port"
    check "$client iscsi_create_initiator_group 2 ANY 127.0.0.1/32" \
        "$client" iscsi_create_initiator_group 2 ANY 127.0.0.1/32
    check "$client iscsi_create_target_node disk1" \
        "$client" iscsi_create_target_node disk1 "Data Disk1" "Malloc0:0 Malloc1:1" 1:2 64 -d
}

# check_discovery_and_identity PORT
check_discovery_and_identity() {
    local port=$1 listing lun
    check "portal 127.0.0.1:$port listens" e2e_wait_port "$port"
    listing=$(timeout 30 iscsi-ls -s "iscsi://127.0.0.1:$port" 2>&1)
    check_contains "iscsi-ls -s lists $IQN" "Target:$IQN" "$listing"
    check_contains "SendTargets answers TargetAddress 127.0.0.1:$port,1" "Portal:127.0.0.1:$port,1" "$listing"
    check_eq "iscsi-ls -s lists 2 LUNs" 2 "$(grep -c '^Lun:' <<<"$listing")"
    check_eq "iscsi-ls -s: both LUNs are disks" 2 "$(grep -c 'Type:DIRECT_ACCESS' <<<"$listing")"
    for lun in 0 1; do
        local url="iscsi://127.0.0.1:$port/$IQN/$lun" capacity
        capacity=$(timeout 30 iscsi-readcapacity16 "$url" 2>&1)
        check_contains "LUN $lun READ CAPACITY(16) last LBA" "RETURNED LOGICAL BLOCK ADDRESS:$((LUN_BLOCKS - 1))" \
            "$capacity"
        check_contains "LUN $lun block length" "LOGICAL BLOCK LENGTH IN BYTES:$BLOCK" "$capacity"
        check_contains "LUN $lun iscsi-inq vendor" "Vendor:INTEL" "$(timeout 30 iscsi-inq "$url" 2>&1)"
        local identity status
        identity=$(timeout 60 python3 "$E2E_DIR/scsi_identity.py" --portal "127.0.0.1:$port" --target "$IQN" \
            --lun "$lun" --bdev "Malloc$lun" --product "Malloc disk" --pg-tag 1 2>&1)
        status=$?
        while read -r verdict what; do
            case "$verdict" in
                PASS) pass "LUN $lun $what" ;;
                FAIL) fail "LUN $lun $what" ;;
            esac
        done <<<"$identity"
        if [ "$status" -gt 1 ] && ! grep -q '^FAIL' <<<"$identity"; then
            fail "LUN $lun identity check could not run (exit $status)"
            tail -n 5 <<<"$identity" | sed 's/^/        | /'
        fi
    done
}

# qemu_io URL COMMAND...: runs qemu-io with one -c per command, fails on any failed command.
# shellcheck disable=SC2317 # called through check/check_fails
qemu_io() {
    local url=$1 args=() io_command
    shift
    for io_command in "$@"; do
        args+=(-c "$io_command")
    done
    local output
    output=$(timeout 60 qemu-io -f raw "${args[@]}" "$url" 2>&1) || { echo "$output"; return 1; }
    if grep -qiE 'failed|error' <<<"$output"; then
        echo "$output"
        return 1
    fi
}

# check_data_path PORT: patterns at several offsets of both LUNs, written and read back verified.
check_data_path() {
    local port=$1
    local url0="iscsi://127.0.0.1:$port/$IQN/0" url1="iscsi://127.0.0.1:$port/$IQN/1"
    local last=$(((LUN_BLOCKS - 1) * BLOCK)) size=$((LUN_BLOCKS * BLOCK))
    # offset length pattern(LUN 0) pattern(LUN 1)
    local cases=(
        "0 512 0x11 0x21"
        "4096 4096 0x12 0x22"
        "1048576 1179648 0x13 0x23"
        "8388608 4194304 0x14 0x24"
        "$last 512 0x15 0x25"
    )
    local entry offset length p0 p1
    for entry in "${cases[@]}"; do
        read -r offset length p0 p1 <<<"$entry"
        check "LUN 0 write+verify $length bytes at $offset" \
            qemu_io "$url0" "write -P $p0 $offset $length" "read -P $p0 $offset $length"
        check "LUN 1 write+verify $length bytes at $offset" \
            qemu_io "$url1" "write -P $p1 $offset $length" "read -P $p1 $offset $length"
    done
    # Each LUN kept its own data, and neighbours were not overwritten.
    for entry in "${cases[@]}"; do
        read -r offset length p0 p1 <<<"$entry"
        check "LUN 0 still holds $p0 at $offset after LUN 1 writes" qemu_io "$url0" "read -P $p0 $offset $length"
        check "LUN 1 still holds $p1 at $offset" qemu_io "$url1" "read -P $p1 $offset $length"
    done
    check "LUN 0 untouched bytes between patterns read as zero" qemu_io "$url0" "read -P 0 512 3584"
    check "LUN 0 4 MiB in one command; 3 blocks rewritten inside an earlier 4 KiB pattern" \
        qemu_io "$url0" "write -P 0x16 16777216 4194304" "read -P 0x16 16777216 4194304" \
        "write -P 0x17 4608 1536" "read -P 0x17 4608 1536" "read -P 0x12 6144 2048"
    check_fails "qemu-io ends LUN 0 at 64 MiB (a read past it fails)" qemu_io "$url0" "read $size 512"
    check "qemu-img info sees 64 MiB" bash -c "timeout 30 qemu-img info -f raw '$url0' | grep -q '64 MiB'"
}

# check_acl PORT: an initiator outside the netmask, or not named in the group, cannot log in.
check_acl() {
    local port=$1
    check "iscsi_create_initiator_group 3 ANY 127.0.0.2/32" rpc iscsi_create_initiator_group 3 ANY 127.0.0.2/32
    check "iscsi_create_target_node outside (only 127.0.0.2)" \
        rpc iscsi_create_target_node outside outside Malloc0:0 1:3 64 -d
    check "iscsi_create_initiator_group 4 iqn.x:only 127.0.0.1/32" \
        rpc iscsi_create_initiator_group 4 iqn.x:only 127.0.0.1/32
    check "iscsi_create_target_node named (only iqn.x:only)" \
        rpc iscsi_create_target_node named named Malloc1:0 1:4 64 -d

    local base="iscsi://127.0.0.1:$port/iqn.2016-06.io.spdk" refusal
    # SPDK refuses both with login status 0x0202 (libiscsi: "Authorization failure(514)"), and an
    # unknown target with 0x0203 ("Target not found(515)").
    check_fails "login from 127.0.0.1 to a target for 127.0.0.2/32 is refused" \
        timeout 30 iscsi-inq "$base:outside/0"
    refusal=$(timeout 30 iscsi-inq "$base:outside/0" 2>&1)
    check_contains "netmask refusal is status 0x0202" "Authorization failure(514)" "$refusal"
    check_fails "login as iqn.x:other to a target for iqn.x:only is refused" \
        timeout 30 iscsi-inq -i iqn.x:other "$base:named/0"
    refusal=$(timeout 30 iscsi-inq -i iqn.x:other "$base:named/0" 2>&1)
    check_contains "initiator-name refusal is status 0x0202" "Authorization failure(514)" "$refusal"
    refusal=$(timeout 30 iscsi-inq "$base:nosuchtarget/0" 2>&1)
    check_contains "login to an unknown target is status 0x0203" "Target not found(515)" "$refusal"
    check "login as iqn.x:only to its target succeeds" timeout 30 iscsi-inq -i iqn.x:only "$base:named/0"
    local listing
    listing=$(timeout 30 iscsi-ls -s -i iqn.x:other "iscsi://127.0.0.1:$port" 2>&1)
    check_not_contains "SendTargets hides a target for another netmask" "spdk:outside" "$listing"
    check_not_contains "SendTargets hides a target for another initiator" "spdk:named" "$listing"
    check_contains "SendTargets still lists disk1" "Target:$IQN" "$listing"
    check "a refused login leaves the target running" tgt_alive
}

# check_sigterm_during_write PORT: SIGTERM while qemu-img writes; the target must exit 0.
check_sigterm_during_write() {
    local port=$1 writer status
    timeout 120 qemu-img bench -f raw -w -d 32 -s 4k -c 10000000 \
        "iscsi://127.0.0.1:$port/$IQN/0" >"$E2E_TMP/bench-during-sigterm.log" 2>&1 &
    writer=$!
    e2e_track "$writer"
    sleep 2
    check "qemu-img bench is writing when SIGTERM arrives" kill -0 "$writer"
    tgt_stop
    status=$?
    check_eq "SIGTERM during a running write exits 0" 0 "$status"
    check "RPC socket removed after SIGTERM" test ! -e "$TGT_SOCK"
    # The initiator may retry the lost connection: it is ours, stop it.
    kill -TERM "$writer" 2>/dev/null
    wait "$writer" 2>/dev/null
}

section "seed configured with iscsi-rpc"
PORT=$(e2e_free_port)
if tgt_start rpc-seed; then
    pass "iscsi_tgt started and answers rpc_get_methods"
    configure_seed_with rpc "$PORT"
    check_discovery_and_identity "$PORT"
    check_data_path "$PORT"
    check_acl "$PORT"
    check_sigterm_during_write "$PORT"
else
    fail "iscsi_tgt did not start"
fi

section "seed configured with spdk-rpc (SPDK's rpc.py)"
PORT=$(e2e_free_port)
if ! command -v spdk-rpc >/dev/null; then
    fail "spdk-rpc is missing (scripts/install-deps.sh installs it)"
elif tgt_start spdk-rpc-seed; then
    pass "iscsi_tgt started and answers rpc_get_methods"
    configure_seed_with spdk_rpc "$PORT"
    check_discovery_and_identity "$PORT"
    check "LUN 1 write+verify 1 MiB" qemu_io "iscsi://127.0.0.1:$PORT/$IQN/1" "write -P 0x31 0 1M" "read -P 0x31 0 1M"
    tgt_stop
    check_eq "SIGTERM exits 0" 0 "$?"
else
    fail "iscsi_tgt did not start"
fi

section "seed loaded from examples/seed.json (-c)"
PORT=$(e2e_free_port)
seed_config "$PORT" "$E2E_TMP/seed.json"
if tgt_start config-seed -c "$E2E_TMP/seed.json"; then
    pass "iscsi_tgt -c seed.json started and answers rpc_get_methods"
    check_discovery_and_identity "$PORT"
    check_data_path "$PORT"
    tgt_stop
    check_eq "SIGTERM exits 0" 0 "$?"
else
    fail "iscsi_tgt -c seed.json did not start"
fi

e2e_finish
