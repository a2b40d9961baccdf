#!/usr/bin/env bash
# SPC/SBC management commands with libiscsi's iscsi-test-cu, on a 512-byte and a 4096-byte Malloc LUN of one
# target: REPORT SUPPORTED OPERATION CODES, GET LBA STATUS, READ DEFECT DATA, EXTENDED COPY and RECEIVE COPY
# RESULTS, SANITIZE (--allow-sanitize), MODE SENSE; then SWP set with iscsi-swp (MODE SELECT) makes the LUN
# write-protected, so the ReadOnly family runs, and clearing it makes the LUN writable again.
#
# Each family must report 0 failures, and no test may be skipped for lack of one of these commands. Skips that
# stay legitimate: SANITIZE CRYPTO ERASE (nothing is encrypted). (ReportSupportedOpcodes.OneCommand no longer
# skips: the INVALID FIELD IN CDB it asks for carries a field pointer, which libiscsi 1.19 needs to tell it from
# "not implemented" on MAINTENANCE IN.) Skips for
# commands other suites own (VERIFY, ORWRITE, reservations...) are not this suite's business. The Sanitize.Reset
# test is left out: it expects a SANITIZE still in progress when the next command arrives, which a RAM disk that
# erases before answering never is.
#
# LUN 1 has 2048 blocks of 4 KiB: ExtendedCopy.Simple writes half the LUN, at most 2048 blocks, in one WRITE (16),
# and 2048 blocks of 4 KiB would exceed the 4 MiB maximum transfer length (VPD 0xB0) the target enforces.
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require iscsi-test-cu iscsi-swp python3 "$ISCSI_TGT"

FAMILIES=(
    SCSI.ReportSupportedOpcodes
    SCSI.GetLBAStatus
    SCSI.ReadDefectData10
    SCSI.ReadDefectData12
    SCSI.ExtendedCopy
    SCSI.ReceiveCopyResults
    SCSI.ModeSense6
    SCSI.Sanitize.BlockErase
    SCSI.Sanitize.BlockEraseReserved
    SCSI.Sanitize.CryptoErase
    SCSI.Sanitize.CryptoEraseReserved
    SCSI.Sanitize.ExitFailureMode
    SCSI.Sanitize.InvalidServiceAction
    SCSI.Sanitize.Overwrite
    SCSI.Sanitize.OverwriteReserved
    SCSI.Sanitize.Readonly
)

PORT=$(e2e_free_port)
seed_config "$PORT" "$E2E_TMP/seed.json"
# LUN 1 gets 4096-byte blocks (2048 of them, see above).
python3 - "$E2E_TMP/seed.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
for subsystem in config["subsystems"]:
    for entry in subsystem.get("config") or []:
        if entry["method"] == "bdev_malloc_create" and entry["params"]["name"] == "Malloc1":
            entry["params"].update(block_size=4096, num_blocks=2048)
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY

section "iscsi_tgt with a 512-byte LUN 0 and a 4096-byte LUN 1 on port $PORT"
if ! tgt_start management -c "$E2E_TMP/seed.json"; then
    fail "iscsi_tgt -c seed.json did not start"
    e2e_finish
fi
pass "iscsi_tgt started"
check "portal listens" e2e_wait_port "$PORT"

# run_family URL FAMILY: runs one test family; passes when it ran, failed nothing and skipped no test for
# lack of one of this suite's commands.
run_family() {
    local url=$1 family=$2 out
    out="$E2E_TMP/$(echo "$family-${url##*/}" | tr '/.' '__').out"
    timeout 300 iscsi-test-cu -d -S -t "$family" "$url" >"$out" 2>&1
    local summary skips
    summary=$(grep -E '^\s+tests\s' "$out" | awk '{print "ran " $3 ", failed " $5}')
    skips=$(python3 - "$out" <<'PY'
import re, sys
ours = re.compile(r"REPORT_SUPPORTED|GET_?LBA_?STATUS|READDEFECTDATA|EXTENDED_?COPY|RECEIVE_?COPY|SANITIZE|SWP|"
                  r"write-protected|MODESENSE|MODESELECT")
test = "?"
for line in open(sys.argv[1], errors="replace"):
    if line.strip().startswith("Test: "):
        test = line.strip()[6:].split(" ...")[0]
    match = re.search(r"\[SKIPPED\] (.*)", line)
    if not match or not ours.search(match.group(1)) or "CRYPTO_ERASE" in match.group(1):
        continue
    print(f"{test}: {match.group(1)}")
PY
)
    if ! grep -qE '^\s+tests\s+[0-9]+\s+[1-9][0-9]*\s+[0-9]+\s+0\s' "$out"; then
        fail "$family on LUN ${url##*/}: ${summary:-no run summary}"
        grep -E 'FAILED|SKIPPED' "$out" | head -n 10 | sed 's/^/        | /'
    elif [ -n "$skips" ]; then
        fail "$family on LUN ${url##*/}: skipped for lack of a command"
        echo "$skips" | head -n 5 | sed 's/^/        | /'
    else
        pass "$family on LUN ${url##*/}: $summary"
    fi
}

for LUN in 0 1; do
    URL="iscsi://127.0.0.1:$PORT/iqn.2016-06.io.spdk:disk1/$LUN"
    section "iscsi-test-cu families on LUN $LUN"
    for family in "${FAMILIES[@]}"; do
        run_family "$URL" "$family"
    done

    section "software write protect on LUN $LUN"
    check "iscsi-swp --swp on" iscsi-swp --swp on "$URL"
    run_family "$URL" SCSI.ReadOnly
    if grep -q 'not write-protected' "$E2E_TMP"/SCSI_ReadOnly-"$LUN".out; then
        fail "ReadOnly on LUN $LUN ran (the LUN reported WP)"
    else
        pass "ReadOnly on LUN $LUN ran (the LUN reported WP)"
    fi
    check "iscsi-swp --swp off" iscsi-swp --swp off "$URL"
    run_family "$URL" SCSI.Write10.Simple
done

check "iscsi_tgt survived" tgt_alive
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
