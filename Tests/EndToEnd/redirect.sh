#!/usr/bin/env bash
# Login redirection across two iscsi_tgt processes (issue 7, part 3; SPDK's login_redirection scenario).
# Process A (RPC socket a.sock, -m 0x1) has public portal group 1 on 127.0.0.1:PA; process B (b.sock,
# -m 0x2) has private portal group 1 on 127.0.0.1:PB. Both serve Target1 on the same storage (a file
# through bdev_aio_create when this build has it, else a null bdev and fio without verify).
#
# libiscsi part: discovery on A lists PA, discovery on B never shows its private portal; the RPC refuses
# redirects on a private group, to the group's own portal, to a host name and for an unknown target; with
# A redirected to B, iscsi-inq through A succeeds and a held session counts 0 on A and 1 on B.
# Kernel part (RUN_KERNEL_INITIATOR as in kernel-initiator.sh): the Linux initiator in a QEMU guest runs
# fio for 60 s through A while the host moves the session A → B → A with iscsi_target_node_set_redirect
# and iscsi_target_node_request_logout; iscsi_get_connections counts go 1/0 → 0/1 → 1/0 and fio passes.
# Last, scripts/scale-out.sh starts a front and two back ends: discovery shows only the public portal and
# a login through the front reaches a back end's LUN.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/redirect.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=Tests/EndToEnd/kernel-initiator/gateway-moves.sh
source "$E2E_DIR/kernel-initiator/gateway-moves.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" iscsi-ls iscsi-inq iscsi-readcapacity16 python3

IQN=iqn.2016-06.io.spdk:Target1
PA=$(e2e_free_port)
PB=$(e2e_free_port)
while [ "$PB" = "$PA" ]; do PB=$(e2e_free_port); done

tgt_start a -m 0x1 || {
    fail "iscsi_tgt A starts"
    e2e_finish
}
A_PID=$TGT_PID A_SOCK=$TGT_SOCK
tgt_start b -m 0x2 || {
    fail "iscsi_tgt B starts"
    e2e_finish
}
B_PID=$TGT_PID B_SOCK=$TGT_SOCK

# shellcheck disable=SC2317 # the helpers below are called through check and "rpc_$side"
rpc_a() { "$ISCSI_RPC" -s "$A_SOCK" "$@"; }
rpc_b() { "$ISCSI_RPC" -s "$B_SOCK" "$@"; }

GATEWAY_SOCKETS=("$A_SOCK" "$B_SOCK")
GATEWAY_TARGET=Target1

section "two processes: public portal 127.0.0.1:$PA on A, private 127.0.0.1:$PB on B"
SHARED_FILE=
if rpc_a rpc_get_methods | grep -q '"bdev_aio_create"'; then
    SHARED_FILE=$E2E_TMP/shared.img
    truncate -s 64M "$SHARED_FILE"
fi
for side in a b; do
    if [ -n "$SHARED_FILE" ]; then
        check "$side: bdev_aio_create on a shared file" "rpc_$side" bdev_aio_create "$SHARED_FILE" Shared0 512
    else
        check "$side: bdev_null_create Shared0 64 512 (no bdev_aio_create in this build)" \
            "rpc_$side" bdev_null_create Shared0 64 512
    fi
    check "$side: iscsi_create_initiator_group 2 ANY 127.0.0.1/32" \
        "rpc_$side" iscsi_create_initiator_group 2 ANY 127.0.0.1/32
done
check "A: iscsi_create_portal_group 1 127.0.0.1:$PA" rpc_a iscsi_create_portal_group 1 "127.0.0.1:$PA"
check "B: iscsi_create_portal_group 1 127.0.0.1:$PB -p" rpc_b iscsi_create_portal_group 1 "127.0.0.1:$PB" -p
check_contains "B reports its group private" '"private": true' "$(rpc_b iscsi_get_portal_groups)"
for side in a b; do
    check "$side: iscsi_create_target_node Target1" "rpc_$side" iscsi_create_target_node Target1 Target1_alias \
        "Shared0:0" 1:2 64 -d
done

section "discovery"
output=$(timeout 30 iscsi-ls "iscsi://127.0.0.1:$PA" 2>&1)
check_contains "discovery on A lists its public portal" "127.0.0.1:$PA" "$output"
output=$(timeout 30 iscsi-ls "iscsi://127.0.0.1:$PB" 2>&1)
check_not_contains "discovery on B never shows its private portal" "$PB" "$output"

section "iscsi_target_node_set_redirect refusals"
invalid="Failed to redirect target $IQN, (-22): Invalid argument"
check_contains "a private portal group is refused" "$invalid" \
    "$(rpc_b iscsi_target_node_set_redirect "$IQN" 1 -a 127.0.0.1 -p "$PA" 2>&1)"
check_contains "the group's own portal is refused" "$invalid" \
    "$(rpc_a iscsi_target_node_set_redirect "$IQN" 1 -a 127.0.0.1 -p "$PA" 2>&1)"
check_contains "a host name is refused" "$invalid" \
    "$(rpc_a iscsi_target_node_set_redirect "$IQN" 1 -a localhost -p "$PB" 2>&1)"
check_contains "an unmapped portal group is refused" "$invalid" \
    "$(rpc_a iscsi_target_node_set_redirect "$IQN" 7 -a 127.0.0.1 -p "$PB" 2>&1)"
check_contains "an unknown target is not found" "Target iqn.2016-06.io.spdk:nosuch is not found" \
    "$(rpc_a iscsi_target_node_set_redirect iqn.2016-06.io.spdk:nosuch 1 -a 127.0.0.1 -p "$PB" 2>&1)"
check_contains "request_logout of an unknown target is not found" "Target iqn.2016-06.io.spdk:nosuch is not found" \
    "$(rpc_a iscsi_target_node_request_logout iqn.2016-06.io.spdk:nosuch 2>&1)"

section "libiscsi follows the redirect"
check "iscsi_target_node_set_redirect A → 127.0.0.1:$PB" \
    rpc_a iscsi_target_node_set_redirect "$IQN" 1 -a 127.0.0.1 -p "$PB"
check "iscsi-inq through A" timeout 30 iscsi-inq "iscsi://127.0.0.1:$PA/$IQN/0"
python3 - "$E2E_DIR" "127.0.0.1:$PA" "$IQN" "$E2E_TMP/held" <<'PY' &
import os, sys, time
sys.path.insert(0, sys.argv[1])
from libiscsi_session import Session
session = Session(sys.argv[2], sys.argv[3])
open(sys.argv[4], "w").close()
while os.path.exists(sys.argv[4]):
    time.sleep(0.2)
session.close()
PY
holder=$!
e2e_track "$holder"
for _ in $(seq 100); do [ -e "$E2E_TMP/held" ] && break; sleep 0.2; done
check "a session held through A is on B (0/1)" gateway_wait_counts 0/1 10
rm -f "$E2E_TMP/held"
wait "$holder"
check_eq "the held session logs out" 0 "$?"
check "no connection is left (0/0)" gateway_wait_counts 0/0 10
check "clearing the redirect" rpc_a iscsi_target_node_set_redirect "$IQN" 1
check "iscsi-inq through A after clearing" timeout 30 iscsi-inq "iscsi://127.0.0.1:$PA/$IQN/0"

section "the Linux kernel initiator moves A → B → A under fio"
if kernel_initiator_available; then
    fio_args=()
    [ -n "$SHARED_FILE" ] || fio_args+=(--no-fio-verify)
    guest_redirect_start "$PA" "$IQN" --fio-seconds 60 --fio-mib 48 "${fio_args[@]}"
    check "the guest session is on A (1/0)" gateway_wait_counts 1/0 20
    moved=$SECONDS
    check "A: redirect to B as the guest sees it (10.0.2.2:$PB)" \
        rpc_a iscsi_target_node_set_redirect "$IQN" 1 -a 10.0.2.2 -p "$PB"
    check "A: iscsi_target_node_request_logout -t 1" rpc_a iscsi_target_node_request_logout "$IQN" -t 1
    check "the session moved to B (0/1)" gateway_wait_counts 0/1 40
    echo "  A → B took $((SECONDS - moved)) s"
    sleep 5
    moved=$SECONDS
    check "A: clear the redirect" rpc_a iscsi_target_node_set_redirect "$IQN" 1
    check "B: iscsi_target_node_request_logout" rpc_b iscsi_target_node_request_logout "$IQN"
    check "the session is back on A (1/0)" gateway_wait_counts 1/0 40
    echo "  B → A took $((SECONDS - moved)) s"
    guest_redirect_finish
else
    echo "  skipped: RUN_KERNEL_INITIATOR=0 or qemu/iscsiadm missing"
fi

section "scripts/scale-out.sh: a front and two back ends"
SCALE_PORT=$(e2e_free_port)
SCALE_DIR=$E2E_TMP/scale-out
if check "scale-out.sh start" "$E2E_REPO/scripts/scale-out.sh" start --public "127.0.0.1:$SCALE_PORT" --backends 2 \
    --targets 2 --lun-mib 16 --bin "$E2E_BIN" --run-dir "$SCALE_DIR"; then
    while read -r pid _; do e2e_track "$pid"; done <"$SCALE_DIR/pids"
    output=$(timeout 30 iscsi-ls -s "iscsi://127.0.0.1:$SCALE_PORT" 2>&1)
    check_contains "discovery on the front lists Target2 on the public portal" \
        "Target:iqn.2016-06.io.spdk:Target2 Portal:127.0.0.1:$SCALE_PORT,1" "$output"
    check_not_contains "discovery on the front lists no back-end portal" "$((SCALE_PORT + 1))" "$output"
    # The LUNs behind the redirect are the back ends' 16 MiB Malloc bdevs, not the front's 1 MiB placeholders.
    check_contains "READ CAPACITY through the front reaches a back end" "Total size:16777216" \
        "$(timeout 30 iscsi-readcapacity16 "iscsi://127.0.0.1:$SCALE_PORT/iqn.2016-06.io.spdk:Target2/0" 2>&1)"
    check "scale-out.sh move Target1 1" "$E2E_REPO/scripts/scale-out.sh" move Target1 1 --bin "$E2E_BIN" \
        --run-dir "$SCALE_DIR"
    check "scale-out.sh stop" "$E2E_REPO/scripts/scale-out.sh" stop --run-dir "$SCALE_DIR"
fi

section "shutdown"
for side in "a $A_PID" "b $B_PID"; do
    TGT_PID=${side#* }
    check "iscsi_tgt ${side% *} still runs" tgt_alive
    tgt_stop
    check_eq "iscsi_tgt ${side% *}: SIGTERM exits 0" 0 "$?"
done
e2e_finish
