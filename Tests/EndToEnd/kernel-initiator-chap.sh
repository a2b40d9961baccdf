#!/usr/bin/env bash
# CHAP and digests with the Linux kernel initiator (issue 6 acceptance), in ONE guest boot of the in-repo
# harness (Tests/EndToEnd/kernel-initiator): discovery with CHAP required, then the main login to disk1 with
# one-way CHAP over SHA-256 (node.session.auth.chap_algs) and CRC32C header and data digests, ext4 + fio
# verified; then extra logins in the same boot, each a login, a 1 MiB read and a logout: one-way CHAP with
# MD5, SHA-1 and SHA3-256, mutual CHAP (MD5, and SHA-256 with digests), CRC32C digests alone — all PASS —
# and a wrong secret, no CHAP where it is required and a wrong target secret for mutual CHAP — all FAIL.
# Discovery without CHAP is refused (libiscsi, before the boot). The target log must not hold a secret.
#
# RUN_KERNEL_INITIATOR=1 runs it (failing if the guest tools are missing), =0 skips it; unset, it runs
# when qemu-system-x86_64 and iscsiadm are installed. KERNEL_INITIATOR_TIMEOUT bounds the guest run
# (seconds, default 900: TCG without KVM).
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GUEST_TOOLS=${KERNEL_INITIATOR_TOOLS:-$E2E_DIR/kernel-initiator}
NODE_BASE=iqn.2016-06.io.spdk
USER_NAME=chapuser
SECRET=123456789123
MUTUAL_USER=mchapuser
MUTUAL_SECRET=321978654321

case "${RUN_KERNEL_INITIATOR:-auto}" in
    0) e2e_skip "RUN_KERNEL_INITIATOR=0" ;;
    1) e2e_require "$GUEST_TOOLS/run-guest-test" qemu-system-x86_64 iscsiadm ;;
    *)
        for tool in qemu-system-x86_64 iscsiadm; do
            command -v "$tool" >/dev/null 2>&1 ||
                e2e_skip "$tool not installed (RUN_KERNEL_INITIATOR=1 or scripts/install-deps.sh --kernel-initiator)"
        done
        ;;
esac
e2e_require "$ISCSI_TGT" "$ISCSI_RPC"

PORT=$(e2e_free_port)
section "configuration (port $PORT)"
if ! tgt_start kernel-chap; then
    fail "iscsi_tgt started"
    e2e_finish
fi
check "bdev_malloc_create 64 512 (disk1)" rpc bdev_malloc_create -b Malloc0 64 512
check "bdev_malloc_create 16 512 (mutual)" rpc bdev_malloc_create -b Malloc1 16 512
check "iscsi_create_auth_group 1 with a mutual user" rpc iscsi_create_auth_group 1 \
    -c "user:$USER_NAME secret:$SECRET muser:$MUTUAL_USER msecret:$MUTUAL_SECRET"
check "iscsi_set_discovery_auth -r -g 1" rpc iscsi_set_discovery_auth -r -g 1
check "iscsi_create_portal_group 1" rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT"
check "iscsi_create_initiator_group 2" rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32
check "target disk1: CHAP required" rpc iscsi_create_target_node disk1 disk1 Malloc0:0 1:2 64 -r -g 1
check "target mutual: mutual CHAP required" rpc iscsi_create_target_node mutual mutual Malloc1:0 1:2 64 -r -m -g 1
check "portal listens" e2e_wait_port "$PORT"
if command -v iscsi-ls >/dev/null 2>&1; then
    check_fails "discovery without CHAP is refused (libiscsi)" timeout 30 iscsi-ls "iscsi://127.0.0.1:$PORT/"
    check "discovery with CHAP works (libiscsi)" timeout 30 iscsi-ls "iscsi://$USER_NAME%$SECRET@127.0.0.1:$PORT/"
fi

# extra NAME TARGET USER SECRET MUTUAL_USER MUTUAL_SECRET CHAP_ALGS DIGEST EXPECT: one --extra-login spec.
extra() {
    local IFS='|'
    printf -- '--extra-login\n%s\n' "$*"
}
mapfile -t EXTRA < <(
    extra oneway-md5 "$NODE_BASE:disk1" "$USER_NAME" "$SECRET" "" "" MD5 none pass
    extra oneway-sha1 "$NODE_BASE:disk1" "$USER_NAME" "$SECRET" "" "" SHA1 none pass
    extra oneway-sha3-256 "$NODE_BASE:disk1" "$USER_NAME" "$SECRET" "" "" SHA3-256 none pass
    extra crc32c "$NODE_BASE:disk1" "$USER_NAME" "$SECRET" "" "" "" crc32c pass
    extra mutual "$NODE_BASE:mutual" "$USER_NAME" "$SECRET" "$MUTUAL_USER" "$MUTUAL_SECRET" "" none pass
    extra mutual-sha256-crc32c "$NODE_BASE:mutual" "$USER_NAME" "$SECRET" "$MUTUAL_USER" "$MUTUAL_SECRET" \
        SHA256 crc32c pass
    extra wrong-secret "$NODE_BASE:disk1" "$USER_NAME" not-the-secret "" "" "" none fail
    extra no-chap "$NODE_BASE:disk1" "" "" "" "" "" none fail
    extra mutual-wrong-target-secret "$NODE_BASE:mutual" "$USER_NAME" "$SECRET" "$MUTUAL_USER" \
        not-the-target-secret "" none fail
)

section "one guest boot: discovery CHAP, SHA-256 CHAP + CRC32C main login, ${#EXTRA[@]} extra-login arguments"
OUT="$E2E_TMP/run-guest-test.out"
started=$SECONDS
bash "$GUEST_TOOLS/run-guest-test" --port "$PORT" --target "$NODE_BASE:disk1" \
    --discovery-chap --chap-user "$USER_NAME" --chap-secret "$SECRET" --chap-algs SHA256 --digest crc32c \
    --data-mib 4 --fio-mib 16 --fio-seconds 3 --no-relogin "${EXTRA[@]}" \
    --timeout "${KERNEL_INITIATOR_TIMEOUT:-900}" --log "$E2E_TMP/guest-console.log" >"$OUT" 2>&1
status=$?
echo "  run-guest-test exited $status after $((SECONDS - started)) s"
grep -E '^GUEST-(DISCOVERY|DISK|INFO|LOGIN|RESULT)' "$OUT" | sed 's/^/    /'

output=$(tr -d '\r' <"$OUT")
check_contains "discovery with CHAP lists disk1" "$NODE_BASE:disk1" "$(grep '^GUEST-DISCOVERY' <<<"$output")"
check_contains "main login negotiated CRC32C digests" "HeaderDigest=CRC32C DataDigest=CRC32C" \
    "$(grep '^GUEST-INFO: connection' <<<"$output")"
check_contains "main test (SHA-256 CHAP, CRC32C, ext4, fio verify) passes" "GUEST-RESULT: PASS" \
    "$(grep '^GUEST-RESULT' <<<"$output")"
for name in oneway-md5 oneway-sha1 oneway-sha3-256 crc32c mutual mutual-sha256-crc32c; do
    check_eq "extra login $name passes" "GUEST-LOGIN: $name PASS" "$(grep "^GUEST-LOGIN: $name " <<<"$output")"
done
for name in wrong-secret no-chap; do
    check_contains "extra login $name fails: authorization failure" "authorization failure" \
        "$(grep "^GUEST-LOGIN: $name FAIL" <<<"$output")"
done
check_contains "extra login mutual-wrong-target-secret fails" "GUEST-LOGIN: mutual-wrong-target-secret FAIL" \
    "$(grep "^GUEST-LOGIN: mutual-wrong-target-secret " <<<"$output")"
check_eq "run-guest-test exits 0" 0 "$status"
check "iscsi_tgt survived" tgt_alive
check_not_contains "no secret in the target log" "$SECRET" "$(cat "$TGT_LOG")"
check_not_contains "no mutual secret in the target log" "$MUTUAL_SECRET" "$(cat "$TGT_LOG")"
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
