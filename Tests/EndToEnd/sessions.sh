#!/usr/bin/env bash
# Session rules of the real iscsi_tgt (issue 6), driven by our own PDU-level initiator
# (Tests/EndToEnd/session_rules.py over pdu_client.py): max_sessions (session N+1 refused with 0x0302 until
# one closes; reinstatement still gets through), session reinstatement (same InitiatorName + ISID closes the
# old session, other ISIDs and initiators untouched), connection reinstatement (the TSIH and CID of the open
# session: same TSIH, old connection closed), joining a session of MaxConnections=1 (0x0206; a stale TSIH or
# another initiator: 0x020a), the NOP-In keepalive (nop_in_interval 1, nop_timeout 2: a peer that stops
# answering is dropped, one that answers stays), and several connections in one session (MC/S,
# max_connections_per_session 3): MaxConnections negotiated, a write on one connection read back on another, a
# CmdSN gap on one connection filled by the other (commands run in CmdSN order, each answered on its own
# connection), the fourth connection refused with 0x0206, logout reason 1 (own CID, another CID, unknown CID),
# a dropped connection failing the session (ERL 0), logout reason 0 closing every connection; on one event loop
# (-m 0x1) and on two (-m 0x3, where joining connections are moved to the session's loop). Then, on two loops,
# 100 session reinstatements of a session holding RESERVE(6) with a write waiting for Data-Out: the old session's
# reservation goes with it, and the old connection's close on the other loop does not take the new session's.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/sessions.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" python3

IQN=iqn.2016-06.io.spdk:disk1
MAX_SESSIONS=4
MAX_CONNECTIONS=3

# rules SCENARIO [ARGS...]: runs one session_rules.py scenario and counts its PASS/FAIL lines.
rules() {
    local line
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) pass "${line#PASS }" ;;
            FAIL\ *) fail "${line#FAIL }" ;;
            *) echo "        | $line" ;;
        esac
    done < <(timeout 120 python3 "$E2E_DIR/session_rules.py" --portal "127.0.0.1:$PORT" --target "$IQN" \
        --rpc "$ISCSI_RPC -s $TGT_SOCK" "$@" 2>&1)
}

PORT=$(e2e_free_port)
section "configuration (max_sessions $MAX_SESSIONS, nop_in_interval 1, nop_timeout 2)"
if ! tgt_start sessions --wait-for-rpc; then
    fail "iscsi_tgt --wait-for-rpc started"
    e2e_finish
fi
check "iscsi_set_options -a $MAX_SESSIONS -n 1 -o 2 -c $MAX_CONNECTIONS" \
    rpc iscsi_set_options -a "$MAX_SESSIONS" -n 1 -o 2 -c "$MAX_CONNECTIONS"
check "framework_start_init" rpc framework_start_init
check "bdev_malloc_create 16 512" rpc bdev_malloc_create -b Malloc0 16 512
check "iscsi_create_portal_group 1" rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT"
check "iscsi_create_initiator_group 2" rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32
check "iscsi_create_target_node disk1" rpc iscsi_create_target_node disk1 disk1 Malloc0:0 1:2 64 -d
check "portal listens" e2e_wait_port "$PORT"

section "max_sessions"
rules max-sessions --max "$MAX_SESSIONS"
sleep 0.5
section "session and connection reinstatement, joining a session"
rules reinstatement
sleep 0.5
section "NOP-In keepalive"
rules keepalive --interval 1 --timeout 2

sleep 0.5
section "several connections in one session (MC/S), one event loop"
rules multi-connection --max-connections "$MAX_CONNECTIONS"

check "iscsi_tgt survived" tgt_alive
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"

PORT=$(e2e_free_port)
section "several connections in one session (MC/S), two event loops (-m 0x3)"
if ! tgt_start sessions-two-loops -m 0x3 --wait-for-rpc; then
    fail "iscsi_tgt -m 0x3 --wait-for-rpc started"
    e2e_finish
fi
check "iscsi_set_options -a $MAX_SESSIONS -c $MAX_CONNECTIONS" \
    rpc iscsi_set_options -a "$MAX_SESSIONS" -c "$MAX_CONNECTIONS"
check "framework_start_init" rpc framework_start_init
check "bdev_malloc_create 16 512" rpc bdev_malloc_create -b Malloc0 16 512
check "iscsi_create_portal_group 1" rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT"
check "iscsi_create_initiator_group 2" rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32
check "iscsi_create_target_node disk1" rpc iscsi_create_target_node disk1 disk1 Malloc0:0 1:2 64 -d
check "portal listens" e2e_wait_port "$PORT"
rules multi-connection --max-connections "$MAX_CONNECTIONS"
section "session reinstatement across event loops (-m 0x3) with RESERVE(6) and a write waiting for Data-Out"
rules reinstatement-race --rounds 100
check "iscsi_tgt survived" tgt_alive
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
