# shellcheck shell=bash
# Helpers for the end-to-end suites (source it): start and stop the real iscsi_tgt on a private RPC
# socket and free TCP ports, wait for it like SPDK's `waitforlisten`, call it with iscsi-rpc or
# spdk-rpc, count assertions, and clean up only the processes this suite started.
#
# Environment: E2E_BIN (default <repo>/.build/release) holds iscsi_tgt and iscsi-rpc; E2E_TGT_ARGS
# adds options to every iscsi_tgt start; E2E_KEEP=1 keeps the temporary directory (logs).

E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034 # used by the suites
E2E_DIR="$E2E_REPO/Tests/EndToEnd"
E2E_BIN=${E2E_BIN:-$E2E_REPO/.build/release}
ISCSI_TGT="$E2E_BIN/iscsi_tgt"
ISCSI_RPC="$E2E_BIN/iscsi-rpc"
E2E_SUITE=$(basename "${BASH_SOURCE[1]:-e2e}" .sh)
E2E_TMP=$(mktemp -d "/tmp/e2e-$E2E_SUITE.XXXXXX")
E2E_PASSED=0
E2E_FAILED=0
E2E_PIDS=()

# The target started last by tgt_start: its PID, RPC socket and log file.
TGT_PID=
TGT_SOCK=
TGT_LOG=

# ---------------------------------------------------------------------------------------------------
# Assertions. Each prints one line and counts as passed or failed.

pass() {
    E2E_PASSED=$((E2E_PASSED + 1))
    echo "  ok    $*"
}

fail() {
    E2E_FAILED=$((E2E_FAILED + 1))
    echo "  FAIL  $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0; its output goes to the log and is shown
# on failure.
check() {
    local description=$1 output
    shift
    if output=$("$@" 2>&1); then
        pass "$description"
    else
        fail "$description (exit $?: $*)"
        printf '%s\n' "$output" | tail -n 15 | sed 's/^/        | /'
    fi
}

# check_fails DESCRIPTION COMMAND...: passes when COMMAND exits non-zero.
check_fails() {
    local description=$1 output
    shift
    if output=$("$@" 2>&1); then
        fail "$description (unexpectedly succeeded: $*)"
        printf '%s\n' "$output" | tail -n 5 | sed 's/^/        | /'
    else
        pass "$description"
    fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1: expected '$2', got '$3'"
    fi
}

# check_contains DESCRIPTION NEEDLE HAYSTACK
check_contains() {
    if [[ "$3" == *"$2"* ]]; then
        pass "$1"
    else
        fail "$1: '$2' not in:"
        printf '%s\n' "$3" | tail -n 10 | sed 's/^/        | /'
    fi
}

# check_not_contains DESCRIPTION NEEDLE HAYSTACK
check_not_contains() {
    if [[ "$3" != *"$2"* ]]; then
        pass "$1"
    else
        fail "$1: '$2' unexpectedly in:"
        printf '%s\n' "$3" | tail -n 10 | sed 's/^/        | /'
    fi
}

section() {
    echo "== $E2E_SUITE: $*"
}

# e2e_finish: prints the suite's summary line and exits 1 if anything failed (or nothing ran).
e2e_finish() {
    echo "$E2E_SUITE: $E2E_PASSED passed, $E2E_FAILED failed"
    if [ "$E2E_FAILED" -gt 0 ] || [ "$E2E_PASSED" -eq 0 ]; then
        exit 1
    fi
    exit 0
}

# e2e_skip REASON: the suite cannot run here; prints a summary with nothing counted and exits 0.
e2e_skip() {
    echo "$E2E_SUITE: skipped: $*"
    echo "$E2E_SUITE: 0 passed, 0 failed"
    exit 0
}

# e2e_require COMMAND...: fails the whole suite when a tool is missing.
e2e_require() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1 && [ ! -f "$tool" ]; then
            fail "required '$tool' is missing (swift build -c release; scripts/install-deps.sh)"
            e2e_finish
        fi
    done
}

# ---------------------------------------------------------------------------------------------------
# Processes. Only PIDs this suite started are ever signalled.

e2e_track() {
    E2E_PIDS+=("$1")
}

e2e_cleanup() {
    local pid
    for pid in "${E2E_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "${E2E_KEEP:-0}" = 1 ] || [ "$E2E_FAILED" -gt 0 ]; then
        echo "$E2E_SUITE: logs kept in $E2E_TMP"
    else
        rm -rf "$E2E_TMP"
    fi
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# e2e_free_port: prints a TCP port on 127.0.0.1 that nothing listens on (never 3260).
e2e_free_port() {
    python3 - <<'PY'
import socket
while True:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if port != 3260:
        print(port)
        break
PY
}

# e2e_wait_port PORT [SECONDS]: waits until something listens on 127.0.0.1:PORT.
e2e_wait_port() {
    local port=$1 deadline=$((SECONDS + ${2:-20}))
    while [ $SECONDS -lt $deadline ]; do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1).close()" \
            2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# rpc_ping SOCKET: one rpc_get_methods call straight over the Unix socket (independent of our client).
rpc_ping() {
    python3 - "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc": "2.0", "method": "rpc_get_methods", "id": 1}')
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
    try:
        reply = json.loads(data)
        break
    except ValueError:
        continue
sys.exit(0 if isinstance(reply.get("result"), list) else 1)
PY
}

# tgt_start NAME [iscsi_tgt options...]: starts iscsi_tgt on a fresh RPC socket in E2E_TMP (options
# may add -c, --wait-for-rpc, -m ...), waits until its RPC socket answers rpc_get_methods, and sets
# TGT_PID, TGT_SOCK and TGT_LOG. Returns 1 if it exits or does not answer within 30 s.
tgt_start() {
    local name=$1
    shift
    TGT_SOCK="$E2E_TMP/$name.sock"
    TGT_LOG="$E2E_TMP/$name.log"
    # shellcheck disable=SC2086
    "$ISCSI_TGT" -r "$TGT_SOCK" --disable-cpumask-locks ${E2E_TGT_ARGS:-} "$@" >"$TGT_LOG" 2>&1 &
    TGT_PID=$!
    e2e_track "$TGT_PID"
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        if ! kill -0 "$TGT_PID" 2>/dev/null; then
            wait "$TGT_PID"
            echo "iscsi_tgt ($name) exited with status $? during startup; log:" >&2
            tail -n 20 "$TGT_LOG" | sed 's/^/        | /' >&2
            return 1
        fi
        if [ -S "$TGT_SOCK" ] && rpc_ping "$TGT_SOCK" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    echo "iscsi_tgt ($name) did not answer on $TGT_SOCK within 30 s; log:" >&2
    tail -n 20 "$TGT_LOG" | sed 's/^/        | /' >&2
    return 1
}

# tgt_stop: SIGTERM to the last started target, then waits up to 30 s; returns its exit status (124
# on timeout, after which the process is killed).
tgt_stop() {
    local pid=$TGT_PID
    kill -TERM "$pid" 2>/dev/null || return 127
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid"
}

# tgt_alive: the last started target is still running.
tgt_alive() {
    kill -0 "$TGT_PID" 2>/dev/null
}

# rpc ARGS...: iscsi-rpc against the last started target. spdk_rpc: SPDK's rpc.py client.
rpc() {
    "$ISCSI_RPC" -s "$TGT_SOCK" "$@"
}

spdk_rpc() {
    spdk-rpc -s "$TGT_SOCK" "$@"
}

# seed_config PORT FILE: writes examples/seed.json with its portal moved to 127.0.0.1:PORT.
seed_config() {
    python3 - "$E2E_REPO/examples/seed.json" "$1" "$2" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
for subsystem in config["subsystems"]:
    for entry in subsystem.get("config") or []:
        if entry["method"] == "iscsi_create_portal_group":
            for portal in entry["params"]["portals"]:
                portal["host"], portal["port"] = "127.0.0.1", sys.argv[2]
json.dump(config, open(sys.argv[3], "w"), indent=2)
PY
}
