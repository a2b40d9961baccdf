#!/usr/bin/env bash
# THE test command: installs what the tests need, builds the release binaries, runs the unit tests,
# the format lint and every end-to-end suite in Tests/EndToEnd, then prints the summary line
# `N passed, M failed` of the end-to-end assertions. Exits non-zero if any step failed.
#
#   scripts/test.sh                       everything (what CI runs)
#   scripts/test.sh --only STEP[,STEP]    only some steps: deps, build, unit, lint, e2e
#   scripts/test.sh --no-deps --no-build  skip a step (also --no-unit, --no-lint, --no-e2e)
#   scripts/test.sh --suite NAME          run only Tests/EndToEnd/NAME.sh (repeatable; implies e2e)
#
# Environment: RUN_KERNEL_INITIATOR=1 installs and runs the Linux-kernel-initiator suite and the guest
# scenarios of the hotplug and redirect suites (a QEMU guest each, 1-4 minutes without KVM; the default
# with CI=true), =0 skips them; unset, they run if their tools are installed. E2E_TIMEOUT (seconds,
# default 900) bounds each end-to-end suite; a suite's "# e2e-timeout: SECONDS" line can raise its own bound.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1

STEPS="deps build unit lint e2e"
SUITES=()
E2E_TIMEOUT=${E2E_TIMEOUT:-900}

usage() {
    sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

without() {
    STEPS=$(tr ' ' '\n' <<<"$STEPS" | grep -vx "$1" | tr '\n' ' ')
}

while [ $# -gt 0 ]; do
    case "$1" in
        --only)
            STEPS=${2//,/ }
            shift
            ;;
        --no-deps | --no-build | --no-unit | --no-lint | --no-e2e) without "${1#--no-}" ;;
        --suite)
            SUITES+=("$2")
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "test.sh: unknown option $1" >&2
            usage >&2
            exit 2
            ;;
    esac
    shift
done

wants() {
    [[ " $STEPS " == *" $1 "* ]]
}

# CI runs the Linux-kernel-initiator suite too (2-4 minutes under TCG); locally it runs when its
# tools are installed, or as RUN_KERNEL_INITIATOR says.
if [ "${CI:-}" = true ] && [ -z "${RUN_KERNEL_INITIATOR:-}" ]; then
    export RUN_KERNEL_INITIATOR=1
fi

FAILED_STEPS=()
STARTED=$SECONDS

step() {
    echo
    echo "######## $* ($(date -u +%H:%M:%S), $((SECONDS - STARTED)) s elapsed)"
}

record() {  # record NAME STATUS
    if [ "$2" -ne 0 ]; then
        FAILED_STEPS+=("$1 (exit $2)")
        echo "######## $1 FAILED (exit $2)"
    fi
}

if wants deps; then
    step "install dependencies"
    deps_args=()
    if [ "${RUN_KERNEL_INITIATOR:-0}" = 1 ]; then
        deps_args+=(--kernel-initiator)
    fi
    scripts/install-deps.sh "${deps_args[@]}"
    record deps $?
fi

if wants build; then
    step "swift build -c release"
    swift build -c release
    record "release build" $?
fi

if wants unit; then
    step "swift test"
    swift test
    record "unit tests" $?
fi

if wants lint; then
    step "swift format lint --strict"
    swift format lint --strict -r Sources Tests Package.swift Fuzz/Sources Fuzz/Package.swift
    record "format lint" $?
fi

E2E_PASSED=0
E2E_FAILED=0
# The conformance suite writes its iscsi-test-cu counts here; the summary repeats its first line.
export CONFORMANCE_REPORT=${CONFORMANCE_REPORT:-$(mktemp /tmp/iscsi-test-cu.XXXXXX.txt)}
if wants e2e || [ ${#SUITES[@]} -gt 0 ]; then
    if [ ${#SUITES[@]} -eq 0 ]; then
        for suite in Tests/EndToEnd/*.sh; do
            name=$(basename "$suite" .sh)
            [ "$name" = lib ] && continue
            SUITES+=("$name")
        done
    fi
    for name in "${SUITES[@]}"; do
        suite="Tests/EndToEnd/$name.sh"
        step "end-to-end suite $name"
        if [ ! -f "$suite" ]; then
            echo "no such suite: $suite"
            E2E_FAILED=$((E2E_FAILED + 1))
            record "e2e $name" 1
            continue
        fi
        log=$(mktemp "/tmp/e2e-$name.XXXXXX.log")
        # A suite that builds something of its own may ask for more time with a "# e2e-timeout: SECONDS" line.
        bound=$(sed -n 's/^# e2e-timeout: \([0-9][0-9]*\)$/\1/p' "$suite" | head -n 1)
        bound=$((${bound:-0} > E2E_TIMEOUT ? ${bound:-0} : E2E_TIMEOUT))
        timeout --kill-after=30 "$bound" bash "$suite" 2>&1 | tee "$log"
        status=${PIPESTATUS[0]}
        # The suite's own summary line: its last "N passed, M failed".
        summary=$(grep -E '(^|[ :])[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
        if [[ "$summary" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
            E2E_PASSED=$((E2E_PASSED + BASH_REMATCH[1]))
            E2E_FAILED=$((E2E_FAILED + BASH_REMATCH[2]))
        fi
        if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
            echo "$name: timed out after $bound s"
        fi
        if [ "$status" -ne 0 ] && ! [[ "$summary" =~ [1-9][0-9]*\ failed ]]; then
            # A crash or timeout without a failed assertion still counts as one failure.
            E2E_FAILED=$((E2E_FAILED + 1))
        fi
        record "e2e $name" "$status"
        rm -f "$log"
    done
fi

echo
echo "######## done in $((SECONDS - STARTED)) s"
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
    printf 'failed: %s\n' "${FAILED_STEPS[@]}"
fi
if wants e2e || [ ${#SUITES[@]} -gt 0 ]; then
    if [ -s "$CONFORMANCE_REPORT" ]; then
        echo "conformance (reported, not counted): $(head -n 1 "$CONFORMANCE_REPORT")"
        echo "conformance per-test results: $CONFORMANCE_REPORT"
    else
        rm -f "$CONFORMANCE_REPORT"
    fi
    echo "end-to-end: $E2E_PASSED passed, $E2E_FAILED failed"
fi
[ ${#FAILED_STEPS[@]} -eq 0 ]
