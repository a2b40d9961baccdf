#!/usr/bin/env bash
# Two iscsi_tgt gateways in front of one Ceph RBD image (issue 10, Gateways): gateway A (-m 0x1) has public
# portal group 1 on 127.0.0.1:PA, gateway B (-m 0x2) private portal group 1 on 127.0.0.1:PB; both serve the
# same target names on the same images of a throwaway one-node Ceph (Tests/EndToEnd/ceph-single-node).
#
# 1. Persistent reservations live in a RADOS object beside the image, so they hold across gateways: a
#    reservation taken through A is enforced through B (RESERVATION CONFLICT), and released through B, A sees it.
# 2. The Linux kernel initiator's seed scenario (mkfs, verify, relogin, fio verify) on an RBD LUN through A.
# 3. One guest boot runs fio with verify on the RBD LUN while the host moves the session A → B → A
#    (iscsi_target_node_set_redirect + iscsi_target_node_request_logout), then kills A with SIGKILL, fences it
#    (`rbd lock rm`: breaks its exclusive lock and blocklists its client, so nothing it still had in flight can
#    land after B's writes; unfenced, B's first write waits about 31 s for the lock, until the OSD drops A's
#    watch, which is longer than the kernel's 30 s SCSI command timeout) and has B take over A's portal
#    address; the initiator's reconnect lands on B.
#    iscsi_get_connections tells where the session is at every step; fio's verify must stay clean.
# The gateways run with rbd_cache=false: a gateway killed with acknowledged writes in librbd's cache would lose
# them.
#
# RUN_KERNEL_INITIATOR as in kernel-initiator.sh (parts 2 and 3 need qemu and open-iscsi).
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/rbd-gateways.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=Tests/EndToEnd/kernel-initiator/gateway-moves.sh
source "$E2E_DIR/kernel-initiator/gateway-moves.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" python3

GW_IQN=iqn.2016-06.io.spdk:gw
PR_IQN=iqn.2016-06.io.spdk:pr
INITIATOR_1=iqn.2016-06.io.spdk:host1
INITIATOR_2=iqn.2016-06.io.spdk:host2
PA=$(e2e_free_port)
PB=$(e2e_free_port)
while [ "$PB" = "$PA" ]; do PB=$(e2e_free_port); done
# Outside E2E_TMP: ceph-down deletes its directory, and runs after e2e_cleanup has stopped the gateways.
CEPH_DIR=$(mktemp -u /tmp/e2e-rbd-gw-ceph.XXXXXX)
export MON_V2_PORT MON_V1_PORT
MON_V2_PORT=$(e2e_free_port)
MON_V1_PORT=$(e2e_free_port)
export CEPH_CONF="$CEPH_DIR/ceph.conf"

# shellcheck disable=SC2317 # called through the EXIT trap
gateways_cleanup() {
    e2e_cleanup
    if [ -d "$CEPH_DIR" ]; then
        SIG=KILL "$E2E_DIR/ceph-single-node/ceph-down" "$CEPH_DIR" >/dev/null 2>&1
    fi
}
trap gateways_cleanup EXIT

# shellcheck disable=SC2317 # called through check and "rpc_$side"
rpc_a() { "$ISCSI_RPC" -s "$A_SOCK" "$@"; }
# shellcheck disable=SC2317
rpc_b() { "$ISCSI_RPC" -s "$B_SOCK" "$@"; }

# client PORT INITIATOR ACTION ARGS...: one command to the pr target through Tests/EndToEnd/pr_client.py, the
# last line of its answer. Each initiator keeps one ISID, so it is the same I_T nexus through both gateways.
client() {
    local port=$1 initiator=$2 isid
    shift 2
    isid=$([ "$initiator" = "$INITIATOR_1" ] && echo 0x23d000001 || echo 0x23d000002)
    python3 "$E2E_DIR/pr_client.py" 127.0.0.1 "$port" "$PR_IQN" "$initiator" "$isid" "$@" | tail -n 1
}

# image_locker IMAGE: the client holding the image's exclusive lock ("client.N ADDRESS LOCK_ID"), or nothing.
image_locker() {
    timeout 30 rbd lock ls --format json "rbdpool/$1" 2>/dev/null | python3 -c '
import json, sys
for lock in json.load(sys.stdin):
    print(lock["locker"], lock["address"], lock["id"])'
}

# wait_for_watchers OBJECT COUNT: true once OBJECT in rbdpool has COUNT watchers, false after 10 s.
wait_for_watchers() {
    local attempt
    for attempt in $(seq 50); do
        [ "$(timeout 10 rados -p rbdpool listwatchers "$1" 2>/dev/null | grep -c '^watcher=')" = "$2" ] && return 0
        sleep 0.2
    done
    return 1
}

section "one-node Ceph fixture and two gateways"
started=$SECONDS
if ! timeout 300 "$E2E_DIR/ceph-single-node/ceph-up" "$CEPH_DIR" >"$E2E_TMP/ceph-up.log" 2>&1; then
    fail "ceph-up starts the fixture (it installs Ceph 16.2 with apt-get on first use)"
    tail -n 20 "$E2E_TMP/ceph-up.log" | sed 's/^/        | /'
    e2e_finish
fi
pass "ceph-up READY in $((SECONDS - started)) s"
check "rbd create rbdpool/gw (64 MiB) and rbdpool/pr (16 MiB)" \
    eval "timeout 60 rbd create --size 64M rbdpool/gw && timeout 60 rbd create --size 16M rbdpool/pr"
tgt_start a -m 0x1 || {
    fail "gateway A starts"
    e2e_finish
}
A_PID=$TGT_PID A_SOCK=$TGT_SOCK
tgt_start b -m 0x2 || {
    fail "gateway B starts"
    e2e_finish
}
B_SOCK=$TGT_SOCK
GATEWAY_SOCKETS=("$A_SOCK" "$B_SOCK")
GATEWAY_TARGET=gw
for side in a b; do
    check "$side: cluster (rbd_cache=false), bdevs Rbd0 (rbdpool/gw) and Rbd1 (rbdpool/pr), initiator group 2" \
        eval "rpc_$side bdev_rbd_register_cluster ceph --user admin --config-file '$CEPH_CONF' \
            --key-file '$CEPH_DIR/keyring' --config-param rbd_cache=false >/dev/null &&
        rpc_$side bdev_rbd_create -b Rbd0 -c ceph rbdpool gw 512 >/dev/null &&
        rpc_$side bdev_rbd_create -b Rbd1 -c ceph rbdpool pr 512 >/dev/null &&
        rpc_$side iscsi_create_initiator_group 2 ANY 127.0.0.1/32 >/dev/null"
done
check "A: iscsi_create_portal_group 1 127.0.0.1:$PA" rpc_a iscsi_create_portal_group 1 "127.0.0.1:$PA"
check "B: iscsi_create_portal_group 1 127.0.0.1:$PB -p" rpc_b iscsi_create_portal_group 1 "127.0.0.1:$PB" -p
for side in a b; do
    check "$side: targets gw (Rbd0) and pr (Rbd1)" eval "
        rpc_$side iscsi_create_target_node gw gw_alias Rbd0:0 1:2 64 -d >/dev/null &&
        rpc_$side iscsi_create_target_node pr pr_alias Rbd1:0 1:2 64 -d >/dev/null"
done

section "COMPARE AND WRITE through both gateways at once (VMware ATS: rbd_aio_compare_and_write on the OSD)"
check_eq "A and B report a MAXIMUM COMPARE AND WRITE LENGTH of 1 block (VPD B0)" "1 1" \
    "$(for port in $PA $PB; do
        iscsi-inq -e 1 -c 176 "iscsi://127.0.0.1:$port/$PR_IQN/0" 2>/dev/null |
            sed -n 's/^maximum compare and write length://p'
    done | xargs)"
check "50 rounds: exactly one of two simultaneous COMPARE AND WRITEs wins, both gateways read the winner's data" \
    python3 "$E2E_DIR/caw_race.py" 127.0.0.1 "$PA" "$PB" "$PR_IQN" 50

section "persistent reservations across gateways (state in a RADOS object beside the image)"
# Each check right after a change through the other gateway runs no PERSISTENT RESERVE command first: the
# gateway enforces what the watch/notify announcement told it.
check_eq "host2 registers 0xb2 through B" "status 0x00" "$(client "$PB" "$INITIATOR_2" register 0xb2)"
check_eq "host1 registers 0xa1 through A" "status 0x00" "$(client "$PA" "$INITIATOR_1" register 0xa1)"
check_eq "host1 reserves Write Exclusive through A" "status 0x00" "$(client "$PA" "$INITIATOR_1" reserve 0xa1 1)"
check_eq "host2 may not write through B: RESERVATION CONFLICT" "status 0x18" "$(client "$PB" "$INITIATOR_2" write)"
check_eq "host2 may not write through A either" "status 0x18" "$(client "$PA" "$INITIATOR_2" write)"
check_eq "host1, the holder, writes through B" "status 0x00" "$(client "$PB" "$INITIATOR_1" write)"
check_eq "B reports both keys" "keys 0xb2 0xa1" "$(client "$PB" "$INITIATOR_2" readkeys | sed 's/^generation [0-9]* //')"
check_eq "B reports A's reservation" "key 0xa1 type 1" \
    "$(client "$PB" "$INITIATOR_2" readres | sed 's/^generation [0-9]* //')"
check_eq "host2 may not reserve through B while host1 holds it" "status 0x18" \
    "$(client "$PB" "$INITIATOR_2" reserve 0xb2 1)"
check_eq "host1 unregisters through B, which releases its reservation" "status 0x00" \
    "$(client "$PB" "$INITIATOR_1" register 0)"
check_eq "host2 writes through A" "status 0x00" "$(client "$PA" "$INITIATOR_2" write)"
check_eq "A sees the release: no reservation" "none" "$(client "$PA" "$INITIATOR_2" readres)"
check_eq "A sees the keys: 0xb2 only" "keys 0xb2" "$(client "$PA" "$INITIATOR_2" readkeys | sed 's/^generation [0-9]* //')"
check_eq "host2 reserves Exclusive Access through A" "status 0x00" "$(client "$PA" "$INITIATOR_2" reserve 0xb2 3)"
check_eq "host1 (unregistered) may not write through B" "status 0x18" "$(client "$PB" "$INITIATOR_1" write)"
check_eq "host2 unregisters through A" "status 0x00" "$(client "$PA" "$INITIATOR_2" register 0)"
check_eq "host1 writes through B again" "status 0x00" "$(client "$PB" "$INITIATOR_1" write)"
check_eq "host2 registers 0xb2 through B, host1 0xa1 through A" "status 0x00 status 0x00" \
    "$(client "$PB" "$INITIATOR_2" register 0xb2) $(client "$PA" "$INITIATOR_1" register 0xa1)"
PR_OBJECT=iscsi_tgt.pr.$(timeout 30 rbd info --format json rbdpool/pr | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
check "the state is in RADOS object $PR_OBJECT; change host2's key to 0xc3 there, behind the gateways' backs" eval "
    timeout 30 rados -p rbdpool get $PR_OBJECT '$E2E_TMP/pr-state' &&
    grep -q '^registration b2 ' '$E2E_TMP/pr-state' &&
    sed -i 's/^registration b2 /registration c3 /' '$E2E_TMP/pr-state' &&
    timeout 30 rados -p rbdpool put $PR_OBJECT '$E2E_TMP/pr-state'"
check_eq "host1 registers a new key 0xa2 through A" "status 0x00" "$(client "$PA" "$INITIATOR_1" register 0xa2)"
check_eq "A decided on the object's newest state: keys 0xc3 0xa2" "keys 0xc3 0xa2" \
    "$(client "$PA" "$INITIATOR_2" readkeys | sed 's/^generation [0-9]* //')"
check_eq "host1 clears every registration through A" "status 0x00" "$(client "$PA" "$INITIATOR_1" clear 0xa2)"
check_eq "host2's next command through B: CHECK CONDITION (unit attention RESERVATIONS PREEMPTED)" "status 0x02" \
    "$(client "$PB" "$INITIATOR_2" write)"
check_eq "then host2 writes through B" "status 0x00" "$(client "$PB" "$INITIATOR_2" write)"
check "delete $PR_OBJECT behind the gateways' backs (librados ends their watches with ENOTCONN)" \
    timeout 30 rados -p rbdpool rm "$PR_OBJECT"
check "both gateways create it again and watch it within 10 s" wait_for_watchers "$PR_OBJECT" 2
check_eq "host2 registers 0xb2 and reserves Write Exclusive through B" "status 0x00 status 0x00" \
    "$(client "$PB" "$INITIATOR_2" register 0xb2) $(client "$PB" "$INITIATOR_2" reserve 0xb2 1)"
check_eq "A enforces it (host1 RESERVATION CONFLICT): the renewed watch got B's announcement" "status 0x18" \
    "$(client "$PA" "$INITIATOR_1" write)"
check_eq "host2 unregisters through B" "status 0x00" "$(client "$PB" "$INITIATOR_2" register 0)"

# host2's write through B waits for Data-Out while host1 sends PREEMPT AND ABORT through A: B aborts it on A's
# announcement, before A answers (pr_client.py's preempt_abort with the other session through B).
for tas in 0 1; do
    [ "$tas" = 1 ] && ending="b write ends status 0x40" || ending="b write ends silently"
    check_eq "TAS $tas: PREEMPT AND ABORT through A while host2's write through B waits for Data-Out" \
        "a writes status 0x00
b reserves status 0x00
b write waits for data-out yes
a preempt-and-abort status 0x00
$ending
b unit attention 0x2a05
a reads its data intact
b writes again status 0x18" \
        "$(python3 "$E2E_DIR/pr_client.py" 127.0.0.1 "$PA" "$PR_IQN" "$INITIATOR_1" 0x23d000001 \
            preempt-abort "$INITIATOR_2" 0x23d000002 "$tas" "$PB")"
done

check "B: iscsi_delete_target_node pr and bdev_rbd_delete Rbd1 (ends its reservation object's watch)" eval \
    "rpc_b iscsi_delete_target_node $PR_IQN && rpc_b bdev_rbd_delete Rbd1"
started=$SECONDS
check_eq "host1 registers 0xa1 through A" "status 0x00" "$(client "$PA" "$INITIATOR_1" register 0xa1)"
# A watch left behind would hold the announcement until its 5 s timeout.
check "the announcement did not wait for B's ended watch ($((SECONDS - started)) s)" test $((SECONDS - started)) -lt 4

# finish_gateways: B (the last gateway started) must stop on SIGTERM with status 0; then the summary.
finish_gateways() {
    tgt_stop
    check_eq "B: SIGTERM exits 0" 0 "$?"
    e2e_finish
}

if ! kernel_initiator_available; then
    echo "  kernel initiator parts skipped: RUN_KERNEL_INITIATOR=0 or qemu/iscsiadm missing"
    finish_gateways
fi

section "the Linux kernel initiator's seed scenario on the RBD LUN (through A)"
started=$SECONDS
bash "$GUEST_TOOLS/run-guest-test" --port "$PA" --target "$GW_IQN" --data-mib 16 --fio-mib 48 --fio-seconds 5 \
    --timeout "${KERNEL_INITIATOR_TIMEOUT:-900}" --log "$E2E_TMP/seed-console.log" >"$E2E_TMP/seed-guest.out" 2>&1
echo "  run-guest-test exited $? after $((SECONDS - started)) s"
grep -aE '^GUEST-(DISK|FIO|RESULT)' "$E2E_TMP/seed-guest.out" | sed 's/^/    /'
check_contains "the LUN is the RBD disk" "model='Ceph Rbd Disk" "$(grep -a '^GUEST-DISK' "$E2E_TMP/seed-guest.out")"
check_contains "guest result (mkfs, verify, relogin, fio verify)" "GUEST-RESULT: PASS" \
    "$(grep -a '^GUEST-RESULT' "$E2E_TMP/seed-guest.out")"

section "fio with verify while the session moves A → B → A, then A dies and B takes over its address"
guest_redirect_start "$PA" "$GW_IQN" --fio-seconds 50 --fio-mib 48
check "the guest session is on A (1/0)" gateway_wait_counts 1/0 20
moved=$SECONDS
check "A: redirect to B as the guest sees it (10.0.2.2:$PB)" \
    rpc_a iscsi_target_node_set_redirect "$GW_IQN" 1 -a 10.0.2.2 -p "$PB"
check "A: iscsi_target_node_request_logout -t 1" rpc_a iscsi_target_node_request_logout "$GW_IQN" -t 1
check "the session moved to B (0/1)" gateway_wait_counts 0/1 40
echo "  A → B took $((SECONDS - moved)) s"
sleep 3
moved=$SECONDS
check "A: clear the redirect" rpc_a iscsi_target_node_set_redirect "$GW_IQN" 1
check "B: iscsi_target_node_request_logout" rpc_b iscsi_target_node_request_logout "$GW_IQN"
check "the session is back on A (1/0)" gateway_wait_counts 1/0 40
echo "  B → A took $((SECONDS - moved)) s"
sleep 3
locker=$(image_locker gw)
echo "  exclusive lock of rbdpool/gw before the failover: ${locker:-none}"
check "A (the writer) holds the image's exclusive lock" test -n "$locker"
moved=$SECONDS
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
check "A is gone (kill -9)" eval "! kill -0 $A_PID 2>/dev/null"
read -r client address lock_id <<<"$locker"
check "fence A: rbd lock rm breaks its lock and blocklists $address" \
    timeout 30 rbd lock rm rbdpool/gw "$lock_id" "$client"
check_contains "A's client is on the OSD blocklist" "${address}" "$(timeout 30 ceph osd blocklist ls 2>&1)"
check "B takes over A's address: portal group 1 moves to 127.0.0.1:$PA" eval "
    rpc_b iscsi_delete_portal_group 1 && rpc_b iscsi_create_portal_group 1 127.0.0.1:$PA &&
    rpc_b iscsi_target_node_add_pg_ig_maps $GW_IQN 1:2"
check "the initiator's reconnect lands on B (A does not answer: -/1)" gateway_wait_counts -/1 60
echo "  failover took $((SECONDS - moved)) s"
sleep 3
new_locker=$(image_locker gw)
echo "  exclusive lock after the failover: ${new_locker:-none}"
check "B took the exclusive lock (a new locker)" eval "[ -n '$new_locker' ] && [ '${new_locker%% *}' != '$client' ]"
guest_redirect_finish
finish_gateways
