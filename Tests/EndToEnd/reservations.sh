#!/usr/bin/env bash
# Reservations with two initiator names: libiscsi's PERSISTENT RESERVE IN/OUT and RESERVE(6) families
# (iscsi-test-cu with --initiator-name and --initiator-name-2), then APTPL across a restart: one
# initiator registers with APTPL and reserves, the other sees the conflict; iscsi_tgt restarts with the
# same --state-dir and READ KEYS / READ RESERVATION still report both, while a registration made
# without APTPL is forgotten. Then SPEC_I_PT (a REGISTER that also registers another initiator's port
# before it logs in) and PREEMPT AND ABORT of a nexus whose write waits for Data-Out, with the
# control mode page's TAS bit clear (the write ends silently) and set (it ends with TASK ABORTED). Then a
# RESERVE(6) holder that stops reading its socket is dropped by the keepalive and its reservation released.
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require iscsi-test-cu python3 "$ISCSI_TGT"

TARGET=iqn.2016-06.io.spdk:disk1
INITIATOR_1=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test
INITIATOR_2=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2
STATE_DIR="$E2E_TMP/state"
PORT=$(e2e_free_port)
seed_config "$PORT" "$E2E_TMP/seed.json"
URL="iscsi://127.0.0.1:$PORT/$TARGET/0"

start_target() {
    if ! tgt_start reservations -c "$E2E_TMP/seed.json" --state-dir "$STATE_DIR"; then
        fail "iscsi_tgt --state-dir started"
        e2e_finish
    fi
    check "portal listens" e2e_wait_port "$PORT"
}

# client INITIATOR ISID ACTION ARGS...: one command through Tests/EndToEnd/pr_client.py.
client() {
    local initiator=$1 isid=$2
    shift 2
    python3 "$E2E_DIR/pr_client.py" 127.0.0.1 "$PORT" "$TARGET" "$initiator" "$isid" "$@"
}

section "libiscsi reservation families with two initiators"
start_target
pass "iscsi_tgt started with --state-dir"
for family in 'SCSI.PrinReadKeys' 'SCSI.PrinServiceactionRange' 'SCSI.PrinReportCapabilities' \
    'SCSI.ProutRegister' 'SCSI.ProutReserve' 'SCSI.ProutClear' 'SCSI.ProutPreempt' 'SCSI.Reserve6'; do
    output="$E2E_TMP/$family.out"
    timeout --kill-after=10 180 iscsi-test-cu -d -t "$family" --initiator-name="$INITIATOR_1" \
        --initiator-name-2="$INITIATOR_2" "$URL" >"$output" 2>&1
    summary=$(grep -E '^\s+tests\s+[0-9]+' "$output")
    read -r _ total _ passed failed _ <<<"$summary"
    # REPORT SUPPORTED OPERATION CODES and TARGET COLD RESET belong to other families; their skips are
    # listed, not counted against reservations.
    skipped=$(grep -c '\[SKIPPED\]' "$output")
    if [ -n "$summary" ] && [ "$failed" = 0 ] && [ "$passed" = "$total" ]; then
        pass "$family: $passed/$total passed ($skipped skip notes)"
    else
        fail "$family: ${passed:-?}/${total:-?} passed, ${failed:-?} failed"
        grep -E 'FAILED|failed' "$output" | head -n 15 | sed 's/^/        | /'
    fi
    grep -E '\[SKIPPED\]' "$output" | sort -u | sed 's/^ */        skip: /'
done

section "APTPL: registrations and the reservation survive a restart"
check_eq "initiator 1 registers 0xa1 with APTPL" "status 0x00" "$(client "$INITIATOR_1" 0x23d000001 register 0xa1 aptpl)"
check_eq "initiator 1 reserves Write Exclusive" "status 0x00" "$(client "$INITIATOR_1" 0x23d000001 reserve 0xa1 1)"
check_eq "initiator 2 registers 0xb2 (no APTPL in this REGISTER)" "status 0x00" \
    "$(client "$INITIATOR_2" 0x23d000002 register 0xb2)"
check_eq "the last REGISTER cleared APTPL: initiator 1 sets it again" "status 0x00" \
    "$(client "$INITIATOR_1" 0x23d000001 register 0xa1 aptpl)"
check_eq "initiator 2 may not write: RESERVATION CONFLICT" "status 0x18" \
    "$(client "$INITIATOR_2" 0x23d000002 write)"
before_keys=$(client "$INITIATOR_2" 0x23d000002 readkeys | tail -n 1)
before_reservation=$(client "$INITIATOR_2" 0x23d000002 readres | tail -n 1)
# The generation counts the libiscsi families' changes too: compare what follows it.
check_eq "READ KEYS before the restart" "keys 0xa1 0xb2" "${before_keys#generation * }"
check_eq "READ RESERVATION before the restart" "key 0xa1 type 1" "${before_reservation#generation * }"
check "the state file exists" test -s "$STATE_DIR/Malloc0.pr"
check_not_contains "no temporary file is left" ".tmp" "$(ls -a "$STATE_DIR")"
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"

start_target
pass "iscsi_tgt restarted with the same --state-dir"
check_contains "the restore is logged" "restored persistent reservations" "$(cat "$TGT_LOG")"
check_eq "READ KEYS after the restart" "$before_keys" "$(client "$INITIATOR_2" 0x23d000002 readkeys | tail -n 1)"
check_eq "READ RESERVATION after the restart" "$before_reservation" \
    "$(client "$INITIATOR_2" 0x23d000002 readres | tail -n 1)"
check_eq "initiator 2 still may not write" "status 0x18" "$(client "$INITIATOR_2" 0x23d000002 write)"
check_eq "initiator 1, the holder, writes" "status 0x00" "$(client "$INITIATOR_1" 0x23d000001 write)"

section "APTPL cleared: nothing survives the next restart"
check_eq "initiator 1 registers again without APTPL" "status 0x00" \
    "$(client "$INITIATOR_1" 0x23d000001 register 0xa1)"
check_fails "the state file is gone" test -e "$STATE_DIR/Malloc0.pr"
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
start_target
check_eq "READ KEYS after the second restart" "generation 0 keys" \
    "$(client "$INITIATOR_2" 0x23d000002 readkeys | tail -n 1)"

# preempt_abort TAS: initiator 2 holds Write Exclusive and has a write waiting for Data-Out; initiator 1
# sends PREEMPT AND ABORT with the control mode page's TAS bit at TAS (pr_client.py's preempt_abort).
preempt_abort() {
    local tas=$1 output ending
    output=$(client "$INITIATOR_1" 0x23d000001 preempt-abort "$INITIATOR_2" 0x23d000002 "$tas")
    [ "$tas" = 1 ] && ending="b write ends status 0x40" || ending="b write ends silently"
    check_eq "TAS $tas: PREEMPT AND ABORT while the other nexus's write waits for Data-Out" \
        "a writes status 0x00
b reserves status 0x00
b write waits for data-out yes
a preempt-and-abort status 0x00
$ending
b unit attention 0x2a05
a reads its data intact
b writes again status 0x18" "$output"
}
section "SPEC_I_PT registers initiators before they log in"
check_eq "initiator 1 registers itself and initiator 2's port 0x23d000002" "status 0x00" \
    "$(client "$INITIATOR_1" 0x23d000001 register-specifying 0xc1 "$INITIATOR_2,i,0x00023d000002")"
check_eq "Write Exclusive - Registrants Only" "status 0x00" "$(client "$INITIATOR_1" 0x23d000001 reserve 0xc1 5)"
check_eq "initiator 2 logs in through that port and writes as a registrant" "status 0x00" \
    "$(client "$INITIATOR_2" 0x23d000002 write)"
check_eq "another port of initiator 2 was not named: RESERVATION CONFLICT" "status 0x18" \
    "$(client "$INITIATOR_2" 0x23d000003 write)"
check_eq "naming an initiator already registered conflicts" "status 0x18" \
    "$(client "$INITIATOR_2" 0x23d000004 register-specifying 0xc2 "$INITIATOR_1")"
check_eq "the holder clears" "status 0x00" "$(client "$INITIATOR_1" 0x23d000001 clear 0xc1)"

section "PREEMPT AND ABORT aborts the preempted nexus's task"
preempt_abort 0
preempt_abort 1
check "the target is still alive" tgt_alive
tgt_stop

section "a RESERVE(6) holder that stops reading is dropped by the keepalive"
# nop_in_interval 1 s and nop_timeout 2 s: the holder's unanswered ping drops it, its output untaken.
python3 - "$E2E_TMP/seed.json" "$E2E_TMP/keepalive.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
for subsystem in config["subsystems"]:
    if subsystem["subsystem"] == "iscsi":
        subsystem["config"].insert(0, {"method": "iscsi_set_options",
                                       "params": {"nop_in_interval": 1, "nop_timeout": 2}})
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
if tgt_start keepalive -c "$E2E_TMP/keepalive.json"; then
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) pass "${line#PASS }" ;;
            FAIL\ *) fail "${line#FAIL }" ;;
            *) echo "        | $line" ;;
        esac
    done < <(timeout 60 python3 "$E2E_DIR/stalled_holder.py" 127.0.0.1 "$PORT" "$TARGET" 20 2>&1)
    check "the target is still alive" tgt_alive
    tgt_stop
else
    fail "iscsi_tgt with nop_in_interval 1 started"
fi

section "an unusable --state-dir is reported and the target runs without persistence"
touch "$E2E_TMP/not-a-directory"
STATE_DIR="$E2E_TMP/not-a-directory/state"
start_target
check_contains "the log says so" "cannot create state directory" "$(cat "$TGT_LOG")"
check_eq "reservations still work" "status 0x00" "$(client "$INITIATOR_1" 0x23d000001 register 0xa1 aptpl)"
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
