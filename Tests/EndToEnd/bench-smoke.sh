#!/usr/bin/env bash
# Smoke run of the benchmark (Benchmarks/run --smoke): one short round of every workload against
# iscsi_tgt, and against tgt when tgtd is installed. Checks that the benchmark works and that every
# run produced a number; it times nothing (CI machines are too noisy for that).
# Environment: E2E_BIN (default <repo>/.build/release) holds iscsi_tgt.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${E2E_BIN:-$root/.build/release}
targets=ours
command -v tgtd >/dev/null && command -v tgtadm >/dev/null && targets=ours,tgt
log=$(mktemp /tmp/bench-smoke.XXXXXX.log)
trap 'rm -f "$log"' EXIT

passed=0
failed=0
check() {  # check DESCRIPTION COMMAND...
    if "${@:2}"; then
        passed=$((passed + 1))
        echo "  ok    $1"
    else
        failed=$((failed + 1))
        echo "  FAIL  $1"
    fi
}

"$root/Benchmarks/run" --smoke --no-build --bin "$bin" --targets "$targets" 2>&1 | tee "$log"
check "Benchmarks/run --smoke exits 0 ($targets)" test "${PIPESTATUS[0]}" -eq 0
check "the smoke run prints the result table" grep -q '^| read-4k-qd32 |' "$log"
check "the smoke run says ok" grep -qx 'smoke: ok' "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
