#!/usr/bin/env bash
# The opt-in Prometheus endpoint of the real iscsi_tgt (issue 9): `--metrics 127.0.0.1:PORT` serves the text
# format on GET /metrics; qemu-io reads and writes, our PDU client draws a CHECK CONDITION and iscsi-perf runs
# 4 KiB random reads against a Malloc LUN, and the per target/initiator/LUN counters (commands, bytes read and
# written, errors, the latency histogram) move by exactly what was done; the per-bdev iscsi_bdev_* counters
# equal bdev_get_iostat's (whose per-channel entries sum to them) and bdev_reset_iostat clears them; without
# --metrics nothing listens beyond the iSCSI portal.
#
# Usage: [E2E_BIN=.build/debug] Tests/EndToEnd/metrics.sh
set -uo pipefail
# shellcheck source=Tests/EndToEnd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require "$ISCSI_TGT" "$ISCSI_RPC" qemu-io iscsi-perf curl python3 ss

IQN=iqn.2016-06.io.spdk:disk1
PORT=$(e2e_free_port)
METRICS_PORT=$(e2e_free_port)
URL="iscsi://127.0.0.1:$PORT/$IQN/0"
SCRAPE="$E2E_TMP/scrape.txt"

# scrape: fetches /metrics into SCRAPE.
scrape() {
    curl -sf --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics" >"$SCRAPE"
}

# metric NAME [LABEL=VALUE...]: the sum of NAME's samples in SCRAPE whose labels include every LABEL=VALUE.
metric() {
    python3 - "$SCRAPE" "$@" <<'PY'
import re, sys
path, name, *wanted = sys.argv[1:]
wanted = dict(item.split("=", 1) for item in wanted)
total = 0
for line in open(path):
    match = re.match(r'([a-z_]+)\{(.*)\} (\S+)$', line.strip())
    if not match or match.group(1) != name:
        continue
    labels = dict(re.findall(r'([a-z]+)="((?:[^"\\]|\\.)*)"', match.group(2)))
    if all(labels.get(key) == value for key, value in wanted.items()):
        total += float(match.group(3))
print(int(total) if total == int(total) else total)
PY
}

# initiators: the distinct initiator labels in SCRAPE.
initiators() {
    grep '^iscsi_scsi_commands_total{' "$SCRAPE" | sed 's/.*initiator="\([^"]*\)".*/\1/' | sort -u
}

# listeners PID: the TCP ports PID listens on, one a line.
listeners() {
    ss -Hltnp | grep "pid=$1," | awk '{print $4}' | sed 's/.*://' | sort -n
}

# export_target: Malloc0 (64 MiB, 512-byte blocks) as LUN 0 of disk1 on 127.0.0.1:PORT.
# shellcheck disable=SC2317 # called through check
export_target() {
    rpc bdev_malloc_create -b Malloc0 64 512 >/dev/null &&
        rpc iscsi_create_portal_group 1 "127.0.0.1:$PORT" >/dev/null &&
        rpc iscsi_create_initiator_group 2 ANY 127.0.0.1/32 >/dev/null &&
        rpc iscsi_create_target_node disk1 disk1 Malloc0:0 1:2 64 -d >/dev/null &&
        e2e_wait_port "$PORT"
}

section "option"
check_contains "--metrics without a port is refused" "Invalid --metrics address" \
    "$("$ISCSI_TGT" --metrics 127.0.0.1 2>&1)"
check_contains "--help documents --metrics" "--metrics <host:port>" "$("$ISCSI_TGT" -h 2>&1)"

section "without --metrics nothing more listens"
if tgt_start plain; then
    check "target exported" export_target
    check_eq "iscsi_tgt listens on the portal only" "$PORT" "$(listeners "$TGT_PID")"
    tgt_stop
    check_eq "SIGTERM exits 0" 0 "$?"
else
    fail "iscsi_tgt starts"
fi

section "--metrics 127.0.0.1:$METRICS_PORT"
# Two loops: connections spread over both, and every counter is the sum of the loops' shards.
if ! tgt_start metrics -m 0x3 --metrics "127.0.0.1:$METRICS_PORT"; then
    fail "iscsi_tgt --metrics starts"
    e2e_finish
fi
check "target exported" export_target
check_eq "iscsi_tgt listens on the portal and the metrics port" \
    "$(printf '%s\n' "$PORT" "$METRICS_PORT" | sort -n)" "$(listeners "$TGT_PID")"
check "GET /metrics answers 200" scrape
check_contains "Content-Type is the text format 0.0.4" "text/plain; version=0.0.4" \
    "$(curl -sI --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics")"
check_contains "every family is declared" "# TYPE iscsi_scsi_command_duration_seconds histogram" "$(cat "$SCRAPE")"
check_eq "no series before any session" 0 "$(metric iscsi_scsi_commands_total)"
check_eq "other paths answer 404" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$METRICS_PORT/")"

section "qemu-io: 1 MiB read, 512 KiB written"
timeout 60 qemu-io -f raw -c "read 0 1M" -c "write -P 0x5a 1M 512k" "$URL" >"$E2E_TMP/qemu-io.log" 2>&1
check_contains "qemu-io wrote" "wrote 524288/524288 bytes" "$(cat "$E2E_TMP/qemu-io.log")"
scrape
check_eq "read bytes of disk1 LUN 0" 1048576 "$(metric iscsi_scsi_read_bytes_total target=$IQN lun=0)"
check_eq "written bytes of disk1 LUN 0" 524288 "$(metric iscsi_scsi_written_bytes_total target=$IQN lun=0)"
check_eq "no errors yet" 0 "$(metric iscsi_scsi_errors_total)"
COMMANDS=$(metric iscsi_scsi_commands_total target=$IQN)
check "commands counted ($COMMANDS)" test "$COMMANDS" -ge 2

section "our PDU client: a READ past the end is one CHECK CONDITION, a 4 KiB READ is 4096 bytes"
check_eq "statuses CHECK CONDITION then GOOD" "2 0" "$(timeout 30 python3 - "$E2E_DIR" "$PORT" "$IQN" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from pdu_client import Connection
connection = Connection("127.0.0.1", int(sys.argv[2]))
connection.login(target=sys.argv[3], initiator="iqn.2026-11.test:pdu")
past_end, _, _ = connection.execute(bytes([0x28, 0, 0, 0x10, 0, 0, 0, 0, 1, 0]), read_length=512)
good, _, _ = connection.execute(bytes([0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0]), read_length=4096)
connection.logout()
print(past_end, good)
PY
)"
scrape
check_eq "one error, from initiator iqn.2026-11.test:pdu" 1 \
    "$(metric iscsi_scsi_errors_total initiator=iqn.2026-11.test:pdu target=$IQN lun=0)"
check_eq "errors in all" 1 "$(metric iscsi_scsi_errors_total)"
check_eq "its two commands" 2 "$(metric iscsi_scsi_commands_total initiator=iqn.2026-11.test:pdu)"
check_eq "its read bytes: the GOOD read only" 4096 "$(metric iscsi_scsi_read_bytes_total initiator=iqn.2026-11.test:pdu)"

section "iscsi-perf: 4 KiB random reads for 2 s"
BEFORE_COMMANDS=$(metric iscsi_scsi_commands_total)
timeout 30 iscsi-perf -i iqn.2026-11.test:perf -r -m 8 -b 8 -t 2 "$URL" >"$E2E_TMP/perf.log" 2>&1
scrape
PERF_COMMANDS=$(metric iscsi_scsi_commands_total initiator=iqn.2026-11.test:perf)
PERF_BYTES=$(metric iscsi_scsi_read_bytes_total initiator=iqn.2026-11.test:perf)
check "thousands of iscsi-perf commands ($PERF_COMMANDS)" test "$PERF_COMMANDS" -ge 1000
check_eq "its read bytes are whole blocks" 0 "$((PERF_BYTES % 512))"
# iscsi-perf sends a few commands without data first (READ CAPACITY, and after a unit attention its retry;
# CI saw 6), and may shorten a read at the end of the LUN: allow 16 commands' worth of slack.
check "its read bytes are about 4 KiB per command ($PERF_BYTES bytes, $PERF_COMMANDS commands)" \
    test "$PERF_BYTES" -le $((PERF_COMMANDS * 4096)) -a "$PERF_BYTES" -gt $(((PERF_COMMANDS - 16) * 4096))
check_eq "the total grew by iscsi-perf's commands" "$((BEFORE_COMMANDS + PERF_COMMANDS))" \
    "$(metric iscsi_scsi_commands_total)"
check_eq "three initiators have series" 3 "$(initiators | wc -l)"

section "latency histogram"
TOTAL=$(metric iscsi_scsi_commands_total)
check_eq "_count is the command count" "$TOTAL" "$(metric iscsi_scsi_command_duration_seconds_count)"
check_eq "the +Inf bucket is the command count" "$TOTAL" \
    "$(metric iscsi_scsi_command_duration_seconds_bucket 'le=+Inf')"
check "the sum of latencies is positive" python3 -c "import sys; sys.exit(not float('$(metric \
    iscsi_scsi_command_duration_seconds_sum)') > 0)"

section "bdev counters: bdev_get_iostat and iscsi_bdev_* read the same per-loop shards"
IOSTAT="$E2E_TMP/iostat.json"
spdk_rpc bdev_get_iostat --names Malloc0 >"$IOSTAT"
spdk_rpc bdev_get_iostat --names Malloc0 -c >"$E2E_TMP/channels.json"
scrape
iostat() {
    python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['bdevs'][0][sys.argv[2]])" "$IOSTAT" "$1"
}
READ_OPS=$(iostat num_read_ops)
check "bdev_get_iostat counted the reads ($READ_OPS)" test "$READ_OPS" -gt 0
check_eq "iscsi_bdev_operations_total of reads is num_read_ops" "$READ_OPS" \
    "$(metric iscsi_bdev_operations_total bdev=Malloc0 kind=read)"
check_eq "iscsi_bdev_bytes_total of reads is bytes_read" "$(iostat bytes_read)" \
    "$(metric iscsi_bdev_bytes_total bdev=Malloc0 kind=read)"
check_eq "bytes_read is the SCSI read bytes" "$(metric iscsi_scsi_read_bytes_total)" "$(iostat bytes_read)"
check_eq "iscsi_bdev_bytes_total of writes is qemu-io's 512 KiB" 524288 \
    "$(metric iscsi_bdev_bytes_total bdev=Malloc0 kind=write)"
check_eq "-c: channels of poll group threads 2 and 3 that sum to the totals" "ok" \
    "$(python3 - "$IOSTAT" "$E2E_TMP/channels.json" <<'PY'
import json, sys
total = json.load(open(sys.argv[1]))["bdevs"][0]
channels = json.load(open(sys.argv[2]))["channels"]
ids = {channel["thread_id"] for channel in channels}
sums = {key: sum(channel[key] for channel in channels) for key in ("num_read_ops", "bytes_read", "bytes_written")}
good = channels and ids <= {2, 3} and all(total[key] == value for key, value in sums.items())
print("ok" if good else f"ids {sorted(ids)}, sums {sums}, totals {total}")
PY
)"
check "bdev_reset_iostat -b Malloc0" spdk_rpc bdev_reset_iostat -b Malloc0
scrape
check_eq "reset: no read left in iscsi_bdev_operations_total" 0 \
    "$(metric iscsi_bdev_operations_total bdev=Malloc0 kind=read)"

check "iscsi_tgt survived" tgt_alive
tgt_stop
check_eq "SIGTERM exits 0" 0 "$?"
e2e_finish
