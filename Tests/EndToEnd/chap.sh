#!/usr/bin/env bash
# CHAP logins against the real iscsi_tgt with libiscsi (issue 6): iscsi-inq logs in to a target node
# (Normal session), iscsi-ls runs a discovery session. Credentials go in the URL
# (iscsi://user%secret@host:port/...), mutual CHAP in the target_user/target_password URL arguments.
#
# Checks: the target node's auth (Auto, required, required mutual, disabled; right, wrong and missing
# secrets; a group without the user); discovery auth as SPDK has it (a portal group copies the global
# discovery auth when it is created, iscsi_portal_group_set_auth overrides it); the chap_mutual_not_set
# rule (mutual CHAP fails when the user has no mutual secret, works once it has); no secret in the log.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/chap.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" iscsi-ls iscsi-inq python3

IQN=iqn.2016-06.io.spdk:disk1
CHAP_USER=chapo
CHAP_SECRET=123456789123
CHAP_MUSER=mchapo
CHAP_MSECRET=321978654321
MUTUAL="target_user=$CHAP_MUSER&target_password=$CHAP_MSECRET"

# shellcheck disable=SC2317 # inq and discover are called through check/check_fails
# inq [CREDENTIALS@] [?ARGS]: INQUIRY through a Normal session login to LUN 0 of the target.
inq() {
    timeout 30 iscsi-inq "iscsi://${1:-}127.0.0.1:$PORT/$IQN/0${2:-}"
}

# discover PORT [CREDENTIALS@] [?ARGS]: a discovery session (SendTargets) on 127.0.0.1:PORT.
discover() {
    timeout 30 iscsi-ls "iscsi://${2:-}127.0.0.1:$1/${3:-}"
}

# check_auth_failure DESCRIPTION COMMAND...: the login fails with status 0x0201 (authentication failure).
check_auth_failure() {
    local description=$1 output
    shift
    if output=$("$@" 2>&1); then
        fail "$description (unexpectedly succeeded: $*)"
    else
        check_contains "$description" "Authentication failure" "$output"
    fi
}

PORT=$(e2e_free_port)
tgt_start chap || {
    fail "iscsi_tgt starts"
    e2e_finish
}

section "configuration"
check "bdev_malloc_create 64 512" rpc bdev_malloc_create 64 512
check "iscsi_create_portal_group 1 127.0.0.1:$PORT" rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT"
check "iscsi_create_initiator_group 2 ANY 127.0.0.1/32" rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32
check "iscsi_create_target_node disk1" rpc iscsi_create_target_node disk1 disk1_alias "Malloc0:0" 1:2 256 -d
check "iscsi_create_auth_group 1" rpc iscsi_create_auth_group 1
check "iscsi_auth_group_add_secret with a mutual user" \
    rpc iscsi_auth_group_add_secret 1 -u "$CHAP_USER" -s "$CHAP_SECRET" -m "$CHAP_MUSER" -r "$CHAP_MSECRET"
check "portal 127.0.0.1:$PORT listens" e2e_wait_port "$PORT"

section "target node: Auto (no flag), group 1"
check "iscsi_target_node_set_auth -g 1" rpc iscsi_target_node_set_auth -g 1 "$IQN"
check "login without CHAP" inq
check "login with one-way CHAP" inq "$CHAP_USER%$CHAP_SECRET@"
check "login with mutual CHAP" inq "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"
check_auth_failure "one-way CHAP with a wrong secret fails" inq "$CHAP_USER%wrong-secret@"

section "target node: CHAP required (-r), group 1"
check "iscsi_target_node_set_auth -g 1 -r" rpc iscsi_target_node_set_auth -g 1 -r "$IQN"
check "login with the right secret" inq "$CHAP_USER%$CHAP_SECRET@"
check_auth_failure "login with a wrong secret fails with 0x0201" inq "$CHAP_USER%wrong-secret@"
check_auth_failure "login without a secret fails with 0x0201" inq
check_auth_failure "login as an unknown user fails" inq "stranger%$CHAP_SECRET@"
check "mutual CHAP is allowed" inq "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"
check_fails "mutual CHAP expecting another target secret fails" \
    inq "$CHAP_USER%$CHAP_SECRET@" "?target_user=$CHAP_MUSER&target_password=not-the-target"

section "target node: CHAP required in a group without the user"
check "iscsi_target_node_set_auth -g 2 -r" rpc iscsi_target_node_set_auth -g 2 -r "$IQN"
check_auth_failure "secrets come only from the target's group" inq "$CHAP_USER%$CHAP_SECRET@"

section "target node: mutual CHAP required (-r -m), group 1"
check "iscsi_target_node_set_auth -g 1 -r -m" rpc iscsi_target_node_set_auth -g 1 -r -m "$IQN"
check "login with mutual CHAP" inq "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"
check_auth_failure "login with one-way CHAP fails" inq "$CHAP_USER%$CHAP_SECRET@"

section "target node: CHAP disabled (-d)"
check "iscsi_target_node_set_auth -d" rpc iscsi_target_node_set_auth -d "$IQN"
check "login without CHAP" inq
check_fails "login insisting on CHAP fails" inq "$CHAP_USER%$CHAP_SECRET@"

section "discovery: iscsi_set_discovery_auth applies to portal groups without their own auth"
check "discovery without CHAP on portal group 1 (Auto)" discover "$PORT"
PORT2=$(e2e_free_port)
check "iscsi_create_portal_group 2 127.0.0.1:$PORT2" rpc iscsi_create_portal_group 2 "127.0.0.1:$PORT2"
check "portal 127.0.0.1:$PORT2 listens" e2e_wait_port "$PORT2"
check "iscsi_portal_group_set_auth 2 -d (its own policy)" rpc iscsi_portal_group_set_auth 2 -d
check "iscsi_set_discovery_auth -r -g 1" rpc iscsi_set_discovery_auth -r -g 1
check_auth_failure "discovery without credentials on portal group 1 fails" discover "$PORT"
check "discovery with the right secret on portal group 1" discover "$PORT" "$CHAP_USER%$CHAP_SECRET@"
check_auth_failure "discovery with a wrong secret on portal group 1 fails" discover "$PORT" "$CHAP_USER%nope@"
check "portal group 2, with its own auth, keeps no CHAP" discover "$PORT2"
PORT3=$(e2e_free_port)
check "iscsi_create_portal_group 3 127.0.0.1:$PORT3" rpc iscsi_create_portal_group 3 "127.0.0.1:$PORT3"
check "portal 127.0.0.1:$PORT3 listens" e2e_wait_port "$PORT3"
check_auth_failure "a portal group created afterwards copies it" discover "$PORT3"

section "discovery: iscsi_portal_group_set_auth"
check "iscsi_portal_group_set_auth 1 -r -m -g 1" rpc iscsi_portal_group_set_auth 1 -r -m -g 1
check_auth_failure "discovery without credentials fails" discover "$PORT"
check_auth_failure "discovery with one-way CHAP fails" discover "$PORT" "$CHAP_USER%$CHAP_SECRET@"
listing=$(discover "$PORT" "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL" 2>&1)
check_contains "discovery with mutual CHAP lists the target" "Target:$IQN" "$listing"

section "chap_mutual_not_set: mutual CHAP needs a mutual secret"
check "iscsi_create_auth_group 3 (no mutual user)" rpc iscsi_create_auth_group 3
check "iscsi_auth_group_add_secret 3" rpc iscsi_auth_group_add_secret 3 -u "$CHAP_USER" -s "$CHAP_SECRET"
check "iscsi_portal_group_set_auth 1 -r -g 3" rpc iscsi_portal_group_set_auth 1 -r -g 3
check "iscsi_target_node_set_auth -g 3 -r" rpc iscsi_target_node_set_auth -g 3 -r "$IQN"
check_auth_failure "mutual discovery fails" discover "$PORT" "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"
check_auth_failure "mutual login fails" inq "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"
check "iscsi_create_auth_group 4 with the mutual secret" \
    rpc iscsi_create_auth_group 4 -c "user:$CHAP_USER secret:$CHAP_SECRET muser:$CHAP_MUSER msecret:$CHAP_MSECRET"
check "iscsi_portal_group_set_auth 1 -r -m -g 4" rpc iscsi_portal_group_set_auth 1 -r -m -g 4
check "iscsi_target_node_set_auth -g 4 -r -m" rpc iscsi_target_node_set_auth -g 4 -r -m "$IQN"
check "mutual discovery works" discover "$PORT" "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"
check "mutual login works" inq "$CHAP_USER%$CHAP_SECRET@" "?$MUTUAL"

section "secrets"
check "iscsi_tgt is still running" tgt_alive
log=$(cat "$TGT_LOG")
check_not_contains "the log never shows the secret" "$CHAP_SECRET" "$log"
check_not_contains "the log never shows the mutual secret" "$CHAP_MSECRET" "$log"

tgt_stop
check_eq "iscsi_tgt exits 0 on SIGTERM" 0 "$?"
e2e_finish
