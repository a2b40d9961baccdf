#!/usr/bin/env bash
# Scale-out with login redirection (README "Scale-out"): one front iscsi_tgt owns the public discovery
# portal; N back-end iscsi_tgt processes serve the data on private portals. Every target exists on the
# front (public portal group 1, a 1 MiB null placeholder LUN that never sees I/O) and on one back end
# (private portal group 1, its real LUN); the front redirects each target's logins to its back end.
# Initiators discover and log in through the public portal only: discovery never lists private portals,
# and the login answer "target moved temporarily" sends them to the back end.
#
#   scripts/scale-out.sh start [--public HOST:PORT] [--backends N] [--targets M] [--lun-mib MIB]
#                              [--redirect-host HOST] [--run-dir DIR] [--bin DIR]
#   scripts/scale-out.sh move TARGET BACKEND [--run-dir DIR] [--bin DIR]
#   scripts/scale-out.sh stop [--run-dir DIR]
#
# start   front on HOST:PORT (default 127.0.0.1:3260), back end i (0-based) on HOST:PORT+1+i, targets
#         Target1..TargetM (node base iqn.2016-06.io.spdk) spread round-robin over the back ends, each on a
#         Malloc LUN of MIB MiB (default 64). --redirect-host is the back ends' address as initiators
#         reach it (default HOST). RPC sockets, logs and PIDs go to DIR (default /tmp/iscsi-scale-out).
# move    points TARGET's redirect at back end BACKEND (which must serve the same storage for the data to
#         follow: with Malloc LUNs each back end has its own) and asks the current sessions to log out;
#         they log in again through the front and land on BACKEND.
# stop    SIGTERM to every process start launched (PIDs from DIR/pids), waits for them to exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$REPO/.build/release
RUN_DIR=/tmp/iscsi-scale-out
PUBLIC=127.0.0.1:3260
REDIRECT_HOST=
BACKENDS=2
TARGETS=4
LUN_MIB=64
NODE_BASE=iqn.2016-06.io.spdk

usage() {
    sed -n '2,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

[ $# -ge 1 ] || {
    usage >&2
    exit 2
}
COMMAND=$1
shift
POSITIONAL=()
while [ $# -gt 0 ]; do
    case "$1" in
        --public) PUBLIC=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --targets) TARGETS=$2; shift 2 ;;
        --lun-mib) LUN_MIB=$2; shift 2 ;;
        --redirect-host) REDIRECT_HOST=$2; shift 2 ;;
        --run-dir) RUN_DIR=$2; shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) POSITIONAL+=("$1"); shift ;;
    esac
done
HOST=${PUBLIC%:*}
PORT=${PUBLIC##*:}
REDIRECT_HOST=${REDIRECT_HOST:-$HOST}

rpc() {  # rpc NAME METHOD ARGS...: iscsi-rpc against process NAME (front, backend0, ...)
    local name=$1
    shift
    "$BIN/iscsi-rpc" -s "$RUN_DIR/$name.sock" "$@" >/dev/null
}

SHARE_CORES=()

launch() {  # launch NAME CORE: starts iscsi_tgt NAME pinned to core CORE and waits for its RPC socket
    local name=$1 core=$2
    rm -f "$RUN_DIR/$name.sock"
    "$BIN/iscsi_tgt" -r "$RUN_DIR/$name.sock" -m "[$core]" "${SHARE_CORES[@]}" >"$RUN_DIR/$name.log" 2>&1 &
    echo "$! $name" >>"$RUN_DIR/pids"
    for _ in $(seq 150); do
        "$BIN/iscsi-rpc" -s "$RUN_DIR/$name.sock" rpc_get_methods >/dev/null 2>&1 && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.2
    done
    echo "scale-out: $name did not start; see $RUN_DIR/$name.log" >&2
    return 1
}

backend_port() {
    echo $((PORT + 1 + $1))
}

start() {
    mkdir -p "$RUN_DIR"
    [ ! -s "$RUN_DIR/pids" ] || {
        echo "scale-out: $RUN_DIR/pids exists: stop first" >&2
        exit 1
    }
    local cores
    cores=$(nproc)
    # One core each while there are enough (each iscsi_tgt locks the cores of its -m); beyond that the
    # processes share cores round-robin without the locks.
    if ((BACKENDS + 1 > cores)); then
        echo "scale-out: $((BACKENDS + 1)) processes on $cores cores: sharing cores (--disable-cpumask-locks)"
        SHARE_CORES=(--disable-cpumask-locks)
    fi
    launch front 0
    for ((b = 0; b < BACKENDS; b++)); do
        launch "backend$b" $(((b + 1) % cores))
    done

    rpc front iscsi_create_portal_group 1 "$HOST:$PORT"
    rpc front iscsi_create_initiator_group 1 ANY ANY
    for ((b = 0; b < BACKENDS; b++)); do
        rpc "backend$b" iscsi_create_portal_group 1 "$HOST:$(backend_port "$b")" -p
        rpc "backend$b" iscsi_create_initiator_group 1 ANY ANY
    done
    for ((t = 1; t <= TARGETS; t++)); do
        local b=$(((t - 1) % BACKENDS))
        rpc "backend$b" bdev_malloc_create "$LUN_MIB" 512 -b "Malloc$t"
        rpc "backend$b" iscsi_create_target_node "Target$t" "Target$t" "Malloc$t:0" 1:1 64 -d
        rpc front bdev_null_create "Placeholder$t" 1 512
        rpc front iscsi_create_target_node "Target$t" "Target$t" "Placeholder$t:0" 1:1 64 -d
        rpc front iscsi_target_node_set_redirect "$NODE_BASE:Target$t" 1 -a "$REDIRECT_HOST" \
            -p "$(backend_port "$b")"
        echo "Target$t → backend$b ($REDIRECT_HOST:$(backend_port "$b"))"
    done
    echo "front: discovery and logins on $HOST:$PORT; RPC sockets, logs and PIDs in $RUN_DIR"
}

move() {
    [ ${#POSITIONAL[@]} -eq 2 ] || {
        usage >&2
        exit 2
    }
    local target=${POSITIONAL[0]} backend=${POSITIONAL[1]} name
    [[ "$target" == *:* ]] || target=$NODE_BASE:$target
    rpc front iscsi_target_node_set_redirect "$target" 1 -a "$REDIRECT_HOST" -p "$(backend_port "$backend")"
    # The sessions are on whichever back end served them: ask them all to log out.
    while read -r _ name; do
        [ "$name" = front ] && continue
        rpc "$name" iscsi_target_node_request_logout "$target" || true
    done <"$RUN_DIR/pids"
    echo "$target → backend$backend; its sessions were asked to log out"
}

stop() {
    [ -s "$RUN_DIR/pids" ] || {
        echo "scale-out: nothing to stop in $RUN_DIR" >&2
        return 0
    }
    local pid name
    while read -r pid name; do
        kill -TERM "$pid" 2>/dev/null && echo "stopping $name ($pid)"
    done <"$RUN_DIR/pids"
    while read -r pid _; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done <"$RUN_DIR/pids"
    rm -f "$RUN_DIR/pids"
}

case "$COMMAND" in
    start) start ;;
    move) move ;;
    stop) stop ;;
    *)
        usage >&2
        exit 2
        ;;
esac
