# shellcheck shell=bash
# Host side of the `redirect` guest scenario, shared by the suites that move a kernel-initiator session
# between iscsi_tgt processes (redirect.sh, rbd-gateways.sh). Source it after lib.sh; it defines no checks of
# its own beyond those in guest_redirect_finish.
#
#   GATEWAY_SOCKETS=(a.sock b.sock)   the RPC sockets of the gateways, in the order counts are printed
#   GATEWAY_TARGET=Target1            the target node whose connections are counted
#   kernel_initiator_available        0 when the guest can run here (RUN_KERNEL_INITIATOR as in kernel-initiator.sh)
#   gateway_counts                    prints the target's connection count on each gateway, "1/0"; "-" for a
#                                     gateway that does not answer (killed)
#   gateway_wait_counts COUNTS SECS   waits until gateway_counts prints COUNTS
#   guest_redirect_start PORT IQN ARGS...   boots the guest (run-guest-test --scenario redirect ARGS) against
#                                     127.0.0.1:PORT in the background and waits until fio runs
#   guest_redirect_finish             waits for the guest and checks that fio finished clean and the run passed

# shellcheck disable=SC2034 # GUEST_TOOLS is read by the suites
GUEST_TOOLS=${KERNEL_INITIATOR_TOOLS:-$E2E_DIR/kernel-initiator}

kernel_initiator_available() {
    local tool
    case "${RUN_KERNEL_INITIATOR:-auto}" in
        0) return 1 ;;
        1) return 0 ;;
    esac
    for tool in qemu-system-x86_64 iscsiadm; do
        command -v "$tool" >/dev/null 2>&1 || return 1
    done
}

gateway_counts() {
    local socket counts=() count
    for socket in "${GATEWAY_SOCKETS[@]}"; do
        count=$("$ISCSI_RPC" -s "$socket" iscsi_get_connections 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for c in json.load(sys.stdin) if c["target_node_name"] == sys.argv[1]))' "$GATEWAY_TARGET" 2>/dev/null)
        counts+=("${count:--}")
    done
    (
        IFS=/
        echo "${counts[*]}"
    )
}

gateway_wait_counts() {
    local deadline=$((SECONDS + $2)) counts
    while [ "$SECONDS" -lt "$deadline" ]; do
        counts=$(gateway_counts)
        [ "$counts" = "$1" ] && return 0
        sleep 0.5
    done
    echo "connection counts: $counts, expected $1"
    return 1
}

guest_redirect_start() {
    local port=$1 iqn=$2
    shift 2
    GUEST_LOG=$E2E_TMP/guest-console.log
    GUEST_OUT=$E2E_TMP/run-guest-test.out
    GUEST_STARTED=$SECONDS
    bash "$GUEST_TOOLS/run-guest-test" --port "$port" --target "$iqn" --scenario redirect \
        --timeout "${KERNEL_INITIATOR_TIMEOUT:-900}" --log "$GUEST_LOG" "$@" >"$GUEST_OUT" 2>&1 &
    GUEST_PID=$!
    e2e_track "$GUEST_PID"
    local deadline=$((SECONDS + ${KERNEL_INITIATOR_TIMEOUT:-900}))
    until grep -aq 'GUEST-MARK: fio-started' "$GUEST_LOG" 2>/dev/null || ! kill -0 "$GUEST_PID" 2>/dev/null ||
        [ $SECONDS -ge $deadline ]; do
        sleep 1
    done
    echo "  fio started in the guest after $((SECONDS - GUEST_STARTED)) s"
}

guest_redirect_finish() {
    wait "$GUEST_PID"
    echo "  run-guest-test exited $? after $((SECONDS - GUEST_STARTED)) s"
    grep -aE '^GUEST-(INFO: (Current|Persistent)|FIO|RESULT)' "$GUEST_OUT" | sed 's/^/    /'
    check_contains "fio finished in the guest" "GUEST-MARK: fio-done" "$(cat "$GUEST_OUT")"
    check_contains "guest result" "GUEST-RESULT: PASS" "$(grep -a '^GUEST-RESULT' "$GUEST_OUT")"
}
