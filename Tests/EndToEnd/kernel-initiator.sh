#!/usr/bin/env bash
# The Linux kernel initiator (open-iscsi + iscsi_tcp in a QEMU guest, Tests/EndToEnd/kernel-initiator)
# against the seed loaded from examples/seed.json on a test port: SendTargets discovery, login, both
# LUNs appear as disks, mkfs.ext4, files verified after a drop of caches and after logout/login, fio
# randrw verify, logout. Then the target must still run and exit 0 on SIGTERM.
#
# RUN_KERNEL_INITIATOR=1 runs it (failing if the guest tools are missing), =0 skips it; unset, it runs
# when qemu-system-x86_64 and iscsiadm are installed (scripts/install-deps.sh --kernel-initiator).
# KERNEL_INITIATOR_TIMEOUT bounds one guest run (seconds, default 900: TCG without KVM).
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GUEST_TOOLS=${KERNEL_INITIATOR_TOOLS:-$E2E_DIR/kernel-initiator}
IQN=iqn.2016-06.io.spdk:disk1

case "${RUN_KERNEL_INITIATOR:-auto}" in
    0) e2e_skip "RUN_KERNEL_INITIATOR=0" ;;
    1) e2e_require "$GUEST_TOOLS/run-guest-test" qemu-system-x86_64 iscsiadm ;;
    *)
        [ -f "$GUEST_TOOLS/run-guest-test" ] || e2e_skip "$GUEST_TOOLS not found"
        for tool in qemu-system-x86_64 iscsiadm; do
            command -v "$tool" >/dev/null 2>&1 ||
                e2e_skip "$tool not installed (RUN_KERNEL_INITIATOR=1 or scripts/install-deps.sh --kernel-initiator)"
        done
        ;;
esac
e2e_require "$ISCSI_TGT"

PORT=$(e2e_free_port)
seed_config "$PORT" "$E2E_TMP/seed.json"
section "kernel initiator against the seed on port $PORT"
if ! tgt_start kernel-seed -c "$E2E_TMP/seed.json"; then
    fail "iscsi_tgt -c seed.json did not start"
    e2e_finish
fi
pass "iscsi_tgt started"
check "portal listens" e2e_wait_port "$PORT"

# The seed's LUNs are 64 MiB: keep the ext4 data and the fio region inside them.
GUEST_LOG="$E2E_TMP/guest-console.log"
started=$SECONDS
bash "$GUEST_TOOLS/run-guest-test" --port "$PORT" --target "$IQN" --data-mib 16 --fio-mib 48 --fio-seconds 5 \
    --timeout "${KERNEL_INITIATOR_TIMEOUT:-900}" --log "$GUEST_LOG" >"$E2E_TMP/run-guest-test.out" 2>&1
status=$?
echo "  run-guest-test exited $status after $((SECONDS - started)) s"
grep -E '^GUEST-(DISCOVERY|DISK|INFO|FIO|RESULT)' "$E2E_TMP/run-guest-test.out" | sed 's/^/    /'

output=$(cat "$E2E_TMP/run-guest-test.out")
check_contains "discovery lists $IQN" "$IQN" "$(grep '^GUEST-DISCOVERY' <<<"$output")"
check_eq "both LUNs appear as disks" 2 "$(grep -c '^GUEST-DISK' <<<"$output")"
check_contains "guest result" "GUEST-RESULT: PASS" "$(grep '^GUEST-RESULT' <<<"$output")"
check_eq "run-guest-test exits 0" 0 "$status"
check "iscsi_tgt survived the kernel initiator" tgt_alive
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
