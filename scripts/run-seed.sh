#!/usr/bin/env bash
# The README's run command: builds the release binaries and runs iscsi_tgt in the foreground with the
# seed configuration (examples/seed.json): target iqn.2016-06.io.spdk:disk1 with two 64 MiB Malloc LUNs
# on 127.0.0.1:3260, open to initiators from 127.0.0.1. Stop it with Ctrl-C (SIGINT) or SIGTERM.
#
#   scripts/run-seed.sh [--no-build] [iscsi_tgt options...]   e.g. -r /tmp/spdk.sock -m 0x3
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

BUILD=true
if [ "${1:-}" = "--no-build" ]; then
    BUILD=false
    shift
fi
if $BUILD; then
    swift build -c release
fi
exec "$REPO/.build/release/iscsi_tgt" -c "$REPO/examples/seed.json" "$@"
