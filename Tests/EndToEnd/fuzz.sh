#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for a bounded time, starting from its seed corpus
# (Fuzz/Corpus/<target>) and dictionary (Fuzz/Corpus/<target>.dict, if any). A fuzzer passes when it
# exits 0 after FUZZ_SECONDS (default 20): no crash, no hang longer than FUZZ_TIMEOUT seconds per input
# (default 10), no RSS above FUZZ_RSS_MB (default 2048).
#
# Environment: FUZZ_SECONDS, FUZZ_TIMEOUT, FUZZ_RSS_MB; FUZZ_TARGETS (default: all four) picks targets;
# FUZZ_SKIP_BUILD=1 reuses the existing build; FUZZ_KEEP=1 keeps the working corpora and logs.
# Crash inputs are copied to $FUZZ_ARTIFACTS (default /tmp/fuzz-artifacts). Prints one line per target and
# finally exactly "N passed, M failed"; exits 1 on any failure.
# It builds a second copy of the package (release, --sanitize=fuzzer): allow it 30 minutes on a busy machine.
# e2e-timeout: 1800
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}
FUZZ_TARGETS=${FUZZ_TARGETS:-FuzzPDUDecoder FuzzLogin FuzzCDB FuzzJSONRPC}
FUZZ_ARTIFACTS=${FUZZ_ARTIFACTS:-/tmp/fuzz-artifacts}
WORK=$(mktemp -d /tmp/fuzz.XXXXXX)
[[ ${FUZZ_KEEP:-0} == 1 ]] || trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    started=$(date +%s)
    if ! swift build -c release --sanitize=fuzzer --package-path "$REPO/Fuzz" >"$WORK/build.log" 2>&1; then
        tail -n 30 "$WORK/build.log"
        echo "build of Fuzz/ failed"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "built Fuzz/ in $(($(date +%s) - started)) s"
fi
BIN=$(swift build -c release --sanitize=fuzzer --package-path "$REPO/Fuzz" --show-bin-path)
mkdir -p "$FUZZ_ARTIFACTS"

for target in $FUZZ_TARGETS; do
    corpus="$WORK/$target"
    mkdir -p "$corpus"
    log="$WORK/$target.log"
    dictionary=()
    [[ -f $REPO/Fuzz/Corpus/$target.dict ]] && dictionary=(-dict="$REPO/Fuzz/Corpus/$target.dict")
    # The first directory receives new inputs; the seed corpus stays untouched.
    "$BIN/$target" "$corpus" "$REPO/Fuzz/Corpus/$target" "${dictionary[@]}" \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb="$FUZZ_RSS_MB" \
        -artifact_prefix="$FUZZ_ARTIFACTS/$target-" -print_final_stats=1 >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [[ $status == 0 ]]; then
        passed=$((passed + 1))
        echo "ok    $target: ${runs:-?} runs in ${FUZZ_SECONDS} s"
    else
        failed=$((failed + 1))
        echo "FAIL  $target (exit $status), inputs in $FUZZ_ARTIFACTS:"
        grep -E "ERROR|Fatal error|failed|==[0-9]+==|artifact" "$log" | head -n 15 | sed 's/^/        | /'
    fi
done

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
