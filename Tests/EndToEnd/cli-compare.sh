#!/usr/bin/env bash
# Compares iscsi-rpc with SPDK's rpc.py (`spdk-rpc`, pip spdk==26.9) command line by command line:
# both talk to the same recording Unix-socket server that answers canned responses, and for every
# case the bytes each client sent, its stdout, its stderr and its exit status must be identical.
# Usage: Tests/EndToEnd/cli-compare.sh [path/to/iscsi-rpc]   (default: .build/debug/iscsi-rpc)
# Prints one line per failure and finally exactly "N passed, M failed"; exits 1 on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OURS=${1:-$ROOT/.build/debug/iscsi-rpc}
PYTHON_BIN=$(python3 -c 'import sys, os; print(os.path.dirname(sys.executable))')
if [ ! -x "$OURS" ]; then echo "iscsi-rpc binary not found: $OURS (run swift build --product iscsi-rpc)"; exit 1; fi
if [ ! -x "$PYTHON_BIN/spdk-rpc" ]; then echo "spdk-rpc not installed (pip install spdk==26.9)"; exit 1; fi

WORK=$(mktemp -d /tmp/cli-compare.XXXXXX)
trap 'kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
# Both programs must be called "iscsi-rpc" so that argparse usage lines wrap identically.
mkdir -p "$WORK/ours" "$WORK/theirs"
ln -s "$OURS" "$WORK/ours/iscsi-rpc"
ln -s "$PYTHON_BIN/spdk-rpc" "$WORK/theirs/iscsi-rpc"

export CLI_WORK=$WORK
python3 - "$WORK" <<'PY' &
# The recording server: logs every received byte before answering, so a finished client run has
# been fully recorded. Responses come from $WORK/responses.json: "method <params as sorted JSON>"
# or "method" → {"result": ...} | {"error": {...}} | "close" (hang up without answering).
import json, os, select, socket, sys, threading, time
work = sys.argv[1]
unix_server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
unix_server.bind(os.path.join(work, "rpc.sock.tmp"))
unix_server.listen(8)
tcp_server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp_server.bind(("127.0.0.1", 0))
tcp_server.listen(8)
with open(os.path.join(work, "tcp.port"), "w") as handle:
    handle.write(str(tcp_server.getsockname()[1]))
os.rename(os.path.join(work, "rpc.sock.tmp"), os.path.join(work, "rpc.sock"))
decoder = json.JSONDecoder()

def answer(request, table):
    if not isinstance(request, dict):
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid request"}}
    method = request.get("method")
    params = request.get("params")
    key = method if params is None else method + " " + json.dumps(params, sort_keys=True)
    spec = table.get(key, table.get(method, {"result": True}))
    if spec == "close":
        return "close"
    response = {"jsonrpc": "2.0", "id": request.get("id")}
    response.update(spec)
    return response

def send(connection, reply):
    # "delay": answer late; "split": answer in two writes with a pause between them.
    delay = reply.pop("delay", 0) if isinstance(reply, dict) else 0
    split = reply.pop("split", False) if isinstance(reply, dict) else False
    data = (json.dumps(reply, separators=(",", ":")) + "\n").encode()
    time.sleep(delay)
    if split:
        connection.sendall(data[:5])
        time.sleep(0.2)
        data = data[5:]
    connection.sendall(data)

def serve(connection):
    buffer = ""
    while True:
        data = connection.recv(65536)
        if not data:
            return
        with open(os.path.join(work, "requests.log"), "ab") as log:
            log.write(data)
        buffer += data.decode()
        while True:
            text = buffer.lstrip()
            if not text:
                buffer = ""
                break
            try:
                request, end = decoder.raw_decode(text)
            except ValueError:
                break
            buffer = text[end:]
            with open(os.path.join(work, "responses.json")) as handle:
                table = json.load(handle)
            if isinstance(request, list):
                reply = [answer(item, table) for item in request]
            else:
                reply = answer(request, table)
            if reply == "close":
                return
            send(connection, reply)

def serve_and_close(connection):
    try:
        serve(connection)
    except OSError:
        pass
    connection.close()

while True:
    ready, _, _ = select.select([unix_server, tcp_server], [], [])
    for listener in ready:
        connection, _ = listener.accept()
        threading.Thread(target=serve_and_close, args=(connection,), daemon=True).start()
PY
SERVER_PID=$!
for _ in $(seq 50); do [ -S "$WORK/rpc.sock" ] && break; sleep 0.1; done

python3 - "$WORK" <<'PY'
import json, os, subprocess, sys
work = sys.argv[1]
sock = os.path.join(work, "rpc.sock")
config_file = os.path.join(work, "config.json")
subsystem_file = os.path.join(work, "subsystem.json")
all_methods = ["rpc_get_methods", "framework_start_init", "bdev_malloc_create", "iscsi_set_options",
               "iscsi_create_portal_group", "bdev_set_options", "bdev_wait_for_examine"]
with open(config_file, "w") as f:
    json.dump({"subsystems": [
        {"subsystem": "iobuf", "config": None},
        {"subsystem": "bdev", "config": [
            {"method": "bdev_set_options", "params": {"bdev_io_pool_size": 65535, "bdev_auto_examine": True}},
            [{"method": "bdev_malloc_create", "params": {"name": "Malloc0", "num_blocks": 131072, "block_size": 512}},
             {"method": "bdev_malloc_create", "params": {"name": "Malloc1", "num_blocks": 8, "block_size": 4096,
                                                         "uuid": None}}],
            {"method": "bdev_wait_for_examine"}]},
        {"subsystem": "scsi", "config": []},
        {"subsystem": "iscsi", "config": [
            {"method": "iscsi_set_options", "params": {"node_base": "iqn.2016-06.io.spdk", "immediate_data": True}},
            {"method": "iscsi_create_portal_group", "params": {"tag": 1, "portals": [{"host": "10.0.0.1", "port": "3260"}]}}]},
    ]}, f, indent=2)
with open(subsystem_file, "w") as f:
    json.dump({"subsystem": "bdev", "config": [
        {"method": "bdev_malloc_create", "params": {"name": "Malloc0", "num_blocks": 16, "block_size": 512}},
        {"method": "bdev_set_options", "params": {"bdev_io_pool_size": 5}}]}, f)

subsystems = [{"subsystem": "iobuf", "depends_on": []}, {"subsystem": "sock", "depends_on": []},
              {"subsystem": "bdev", "depends_on": ["iobuf"]}, {"subsystem": "scsi", "depends_on": ["bdev"]},
              {"subsystem": "iscsi", "depends_on": ["scsi", "sock"]}]
bdev = {"name": "Malloc0", "aliases": ["0b1c-\u00e9"], "block_size": 512, "num_blocks": 131072,
        "claimed": False, "assigned_rate_limits": {"rw_ios_per_sec": 0}, "driver_specific": {}, "ratio": 0.5}
invalid = {"error": {"code": -32602, "message": "Invalid parameters"}}

# (name, arguments, responses, stdin, compare_all_output)
cases = []
def case(args, responses=None, stdin=None, name=None, exact=True):
    cases.append((name or " ".join(args), args, responses or {}, stdin, exact))

# Framework, app and log.
case(["rpc_get_methods"], {"rpc_get_methods": {"result": all_methods}})
case(["rpc_get_methods", "-c", "--include-aliases"], {"rpc_get_methods": {"result": ["a"]}})
case(["spdk_get_version"], {"spdk_get_version": {"result": {"version": "SPDK v26.09-pre",
     "fields": {"major": 26, "minor": 9, "patch": 0, "suffix": "-pre"}}}})
case(["framework_start_init"])
case(["framework_wait_init"])
case(["framework_get_subsystems"], {"framework_get_subsystems": {"result": subsystems}})
case(["framework_get_config", "bdev"], {"framework_get_config": {"result": None}})
case(["framework_get_config", "iscsi", "--with-batches"], {"framework_get_config": {"result": []}})
case(["framework_get_config", "--no-with-batches", "scsi"])
case(["framework_get_reactors"], {"framework_get_reactors": {"result": {"tick_rate": 2400000000, "reactors": []}}})
case(["thread_get_stats"], {"thread_get_stats": {"result": {"tick_rate": 1, "threads": [{"name": "app_thread"}]}}})
case(["spdk_kill_instance", "SIGTERM"], {"spdk_kill_instance": "close"})
case(["spdk_kill_instance", "SIGFOO"])
case(["log_set_flag", "rpc"])
case(["log_clear_flag", "all"])
case(["log_get_flags"], {"log_get_flags": {"result": {"rpc": False, "iscsi": True}}})
case(["log_set_level", "DEBUG"])
case(["log_set_level", "LOUD"])
case(["log_get_level"], {"log_get_level": {"result": "NOTICE"}})
case(["log_set_print_level", "INFO"])
case(["log_get_print_level"], {"log_get_print_level": {"result": "INFO"}})

# iSCSI.
case(["iscsi_set_options", "-o", "30", "-a", "16"])
case(["iscsi_set_options", "-f", "/etc/auth.conf", "-b", "iqn.x", "-n", "10", "-m", "-g", "1", "-q", "32", "-c",
      "4", "-w", "2", "-v", "20", "-s", "8192", "-i", "-l", "0", "-p", "-x", "64", "-k", "4", "-u", "100", "-j",
      "50", "-z", "20", "-r"])
case(["iscsi_set_options", "--node-base=iqn.y", "--nop-timeout=5", "--max-ses", "7", "-dm", "-g2"])
case(["iscsi_set_options", "-d", "-r"])
case(["iscsi_set_options", "-o", "x"])
case(["iscsi_set_options", "-o"])
case(["iscsi_set_options", "--max", "1"])
case(["iscsi_set_options", "--immediate-data=yes"])
case(["iscsi_set_options"], {"iscsi_set_options": {"error": {"code": -32603, "message": "Must not call more than once"}}})
case(["iscsi_get_options"], {"iscsi_get_options": {"result": {"node_base": "iqn.2016-06.io.spdk", "max_sessions": 128,
     "immediate_data": True, "first_burst_length": 8192}}})
case(["iscsi_set_discovery_auth", "-r", "-m", "-g", "1"])
case(["iscsi_set_discovery_auth"])
case(["iscsi_create_auth_group", "1", "-c", "user:u1 secret:s1 muser:mu1 msecret:ms1,user:u2 secret:s2"])
case(["iscsi_create_auth_group", "2"])
case(["iscsi_create_auth_group", "x"])
case(["iscsi_delete_auth_group", "1"], {"iscsi_delete_auth_group": {"error": {"code": -32602,
     "message": "Could not find auth group (1)"}}})
case(["iscsi_get_auth_groups"], {"iscsi_get_auth_groups": {"result": [{"tag": 1, "secrets": [{"user": "u", "secret": "s"}]}]}})
case(["iscsi_auth_group_add_secret", "1", "-u", "u", "-s", "s", "-m", "mu", "-r", "ms"])
case(["iscsi_auth_group_add_secret", "1", "-u", "u"])
case(["iscsi_auth_group_remove_secret", "1", "-u", "u"])
case(["iscsi_get_initiator_groups"], {"iscsi_get_initiator_groups": {"result": []}})
case(["iscsi_create_initiator_group", "2", "ANY", "10.0.0.2/32"])
case(["iscsi_create_initiator_group", "3", "iqn.a  iqn.b", "1 ."])
case(["iscsi_initiator_group_add_initiators", "2", "-n", "a b", "-m", "1.1.1.1/32"])
case(["iscsi_initiator_group_add_initiators", "2"])
case(["iscsi_initiator_group_remove_initiators", "-n", "a", "2"])
case(["iscsi_delete_initiator_group", "2"], {"iscsi_delete_initiator_group": invalid})
case(["iscsi_get_portal_groups"], {"iscsi_get_portal_groups": {"result": [{"tag": 1, "portals": [{"host": "10.0.0.1",
     "port": "3260"}], "private": False}]}})
case(["iscsi_create_portal_group", "1", "10.0.0.1:3260"])
case(["iscsi_create_portal_group", "2", "127.0.0.1:3260 127.0.0.1:3261", "-p", "-w"], {"iscsi_create_portal_group": invalid})
case(["iscsi_start_portal_group", "1"])
case(["iscsi_delete_portal_group", "1"])
case(["iscsi_portal_group_set_auth", "1", "-d", "-g", "0"])
case(["iscsi_get_target_nodes"], {"iscsi_get_target_nodes": {"result": [{"name": "iqn.2016-06.io.spdk:disk1",
     "alias_name": "Data Disk1", "pg_ig_maps": [{"pg_tag": 1, "ig_tag": 2}], "luns": [{"bdev_name": "Malloc0", "lun_id": 0}],
     "queue_depth": 64, "disable_chap": False}]}})
case(["iscsi_create_target_node", "disk1", "Data Disk1", "Malloc0:0 Malloc1:1", "1:2", "64", "-d"])
case(["iscsi_create_target_node", "Target3", "Target3_alias", "Malloc0:0", "1:1 2:1", "64", "-g", "1", "-r", "-m",
      "-H", "-D"])
case(["iscsi_create_target_node", "-d", "t", "D\u00eesk \u2603", "M:0", "1:1", "1"])
case(["iscsi_create_target_node", "t", "a", "M:0", "1:1", "64", "-d", "-r"])
case(["iscsi_create_target_node", "t"])
case(["iscsi_target_node_add_lun", "iqn.x", "Malloc2", "-i", "2"])
case(["iscsi_target_node_add_lun", "iqn.x", "Malloc2", "-i", "-1"])
case(["iscsi_target_node_add_lun", "iqn.x", "Malloc2"])
case(["iscsi_target_node_set_auth", "t", "-g", "1", "-r"])
case(["iscsi_target_node_add_pg_ig_maps", "t", "1:1 2:2"])
case(["iscsi_target_node_remove_pg_ig_maps", "t", "1:1"])
case(["iscsi_target_node_set_redirect", "t", "1", "-a", "10.0.0.3", "-p", "3260"])
case(["iscsi_target_node_set_redirect", "t", "1"])
case(["iscsi_target_node_request_logout", "t", "-t", "1"])
case(["iscsi_target_node_request_logout", "t"])
case(["iscsi_delete_target_node", "iqn.2016-06.io.spdk:disk1"], {"iscsi_delete_target_node": {"error": {"code": -2,
     "message": "No such file or directory"}}})
case(["iscsi_get_connections"], {"iscsi_get_connections": {"result": [{"id": 1, "cid": 0, "tsih": 65535}]}})
case(["iscsi_get_stats"], {"iscsi_get_stats": {"result": {"invalid": 0, "running": 1, "exiting": 0, "exited": 0}}})
case(["iscsi_enable_histogram", "t", "--histogram"])
case(["iscsi_enable_histogram", "--no-histogram", "t"])
case(["iscsi_enable_histogram", "t"])
case(["iscsi_get_histogram", "t"], {"iscsi_get_histogram": {"error": {"code": -32602, "message": "target not found"}}})
case(["scsi_get_devices"], {"scsi_get_devices": {"result": [{"id": 0, "device_name": "iqn.2016-06.io.spdk:Target3"}]}})

# Block devices.
case(["bdev_set_options", "-p", "5", "-c", "1"])
case(["bdev_set_options", "--no-auto-examine", "--iobuf-small-cache-size", "10", "--iobuf-large-cache-size", "2"])
case(["bdev_set_options", "--auto-examine"])
case(["bdev_wait_for_examine"])
case(["bdev_malloc_create", "64", "512"], {"bdev_malloc_create": {"result": "Malloc0"}})
case(["bdev_malloc_create", "-b", "M5", "-u", "u-u", "0.5", "4096", "-p", "4096", "-o", "8", "-m", "8", "-i", "-t",
      "1", "-d", "-f", "0", "-n", "0"], {"bdev_malloc_create": {"result": "M5"}})
case(["bdev_malloc_create", "1.3", "512"], {"bdev_malloc_create": {"error": {"code": -17, "message": "File exists"}}})
case(["bdev_malloc_create", "1e-3", "512"])
case(["bdev_malloc_create", "-t", "5", "64", "512"])
case(["bdev_malloc_create", "sixty", "512"])
case(["bdev_malloc_create", "64", "0"], exact=False)
case(["bdev_malloc_delete", "Malloc0"], {"bdev_malloc_delete": {"error": {"code": -19, "message": "No such device"}}})
case(["bdev_null_create", "Null0", "64", "512"], {"bdev_null_create": {"result": "Null0"}})
case(["bdev_null_create", "Null1", "8", "4096", "-u", "x", "-p", "4096", "-m", "8", "-t", "1", "-d", "-f", "1", "-a",
      "1", "-g", "2", "-s", "3", "-c", "4", "-r", "5"], {"bdev_null_create": {"result": "Null1"}})
case(["bdev_null_create", "N", "8", "512", "-t", "1"])
case(["bdev_null_delete", "Null0"])
case(["bdev_null_resize", "Null0", "128"])
case(["bdev_aio_create", "/tmp/f", "aio0"], {"bdev_aio_create": {"result": "aio0"}})
case(["bdev_aio_create", "/tmp/f", "aio0", "4096", "-r", "--fallocate", "-u", "x", "--no-wait"])
case(["bdev_aio_create", "/tmp/f", "aio0", "-r", "4096"])
case(["bdev_aio_rescan", "aio0"])
case(["bdev_aio_delete", "aio0"])
case(["bdev_uring_create", "/dev/x", "u0", "512", "-u", "x"], {"bdev_uring_create": {"error": {"code": -32603,
     "message": "Unable to create URING bdev."}}})
case(["bdev_uring_rescan", "u0"])
case(["bdev_uring_delete", "u0"])
case(["bdev_get_bdevs"], {"bdev_get_bdevs": {"result": [bdev]}})
case(["bdev_get_bdevs", "-b", "Malloc0", "-t", "100"], {"bdev_get_bdevs": {"result": [bdev]}})
case(["bdev_get_iostat"], {"bdev_get_iostat": {"result": {"tick_rate": 1, "ticks": 2, "bdevs": []}}})
case(["bdev_get_iostat", "-c", "--names", "a,b", "--reset-mode", "all"])
case(["bdev_get_iostat", "--reset-mode", "some"])
case(["bdev_reset_iostat"])
case(["bdev_reset_iostat", "-b", "Malloc0", "-m", "maxmin"])
case(["bdev_set_qos_limit", "Malloc0", "--rw-ios-per-sec", "2000", "--r-mbytes-per-sec", "10"])
case(["bdev_delay_create", "-b", "Malloc0", "-d", "D0", "-r", "10", "-t", "20", "-w", "30", "-n", "40"],
     {"bdev_delay_create": {"result": "D0"}})
case(["bdev_delay_create", "-b", "Malloc0", "-d", "D0"])
case(["bdev_delay_delete", "D0"])
case(["bdev_delay_update_latency", "D0", "avg_read", "100"])
case(["bdev_error_create", "Malloc0", "--uuid", "x"])
case(["bdev_error_delete", "EE_Malloc0"])
case(["bdev_error_inject_error", "EE_Malloc0", "read", "failure", "-n", "1"])
case(["bdev_error_inject_error", "EE_Malloc0", "all", "nvme_failure", "--nvme-sct", "1", "--nvme-sc", "2", "-q", "3",
      "-o", "4", "-v", "5"])
case(["bdev_error_resume_pending", "EE_Malloc0"])
case(["bdev_rbd_register_cluster", "c", "--user", "admin", "--config-param", "a=b", "--config-param", "c=d=e",
      "--config-file", "f", "--key-file", "k", "--core-mask", "0x1"], {"bdev_rbd_register_cluster": {"result": "c"}})
case(["bdev_rbd_unregister_cluster", "c"])
case(["bdev_rbd_get_clusters_info"], {"bdev_rbd_get_clusters_info": {"result": [{"cluster_name": "c"}]}})
case(["bdev_rbd_get_clusters_info", "-b", "c"])
case(["bdev_rbd_create", "rbd", "img", "4096"], {"bdev_rbd_create": {"result": "Ceph0"}})
case(["bdev_rbd_create", "-b", "R", "--user", "u", "--config", "k=v", "p", "i", "512", "-c", "c", "-u", "uu", "-r"])
case(["bdev_rbd_delete", "R"])
case(["bdev_rbd_resize", "R", "100"])

# Global options and parsing at the top level.
case(["-t", "0", "iscsi_get_options"])
case(["-s", os.path.join(work, "missing.sock"), "iscsi_get_options"], name="missing socket")
case(["-v", "iscsi_get_stats"], {"iscsi_get_stats": {"result": {"running": 1}}})
case(["--verbose", "DEBUG", "log_set_flag", "x"])
case(["-r", "1", "-t", "5", "iscsi_get_stats"])
case(["-t", "0.3", "log_get_level"], {"log_get_level": {"result": "INFO", "delay": 0.8}}, name="response timeout")
case(["log_get_level"], {"log_get_level": {"result": "INFO", "split": True}}, name="response in two writes")
case(["log_get_level"], {"log_get_level": "close"}, name="connection closed before the response")
tcp_port = open(os.path.join(work, "tcp.port")).read()
case(["-s", "127.0.0.1", "-p", tcp_port, "spdk_get_version"], {"spdk_get_version": {"result": {"version": "v"}}},
     name="IPv4 TCP address")
case(["-s", "not-an-address", "spdk_get_version"], name="invalid address")
case(["iscsi_get_options", "extra"])
case(["iscsi_get_options", "--foo"])
case(["--dry-run", "iscsi_create_portal_group", "1", "1.1.1.1:3260"])
case(["--dry-run", "bdev_malloc_create", "64", "512"])
case(["no_such_method"], exact=False)
case(["iscsi_get_options", "-h"], exact=False)

# Script and batch modes on stdin.
script = "\n".join(["# create things", "bdev_malloc_create 64 512 -b 'Malloc 0'", "", "  ",
                    "iscsi_create_portal_group 1 127.0.0.1:3260", "iscsi_get_portal_groups",
                    "log_set_flag \"a b\"\\ c"]) + "\n"
case([], {"bdev_malloc_create": {"result": "Malloc 0"}, "iscsi_get_portal_groups": {"result": []}}, stdin=script,
     name="stdin script")
case([], {"iscsi_create_portal_group": invalid}, stdin=script, name="stdin script with an error")
case([], stdin="iscsi_get_options --bad\nlog_get_level\n", name="stdin script usage error")
case(["-b"], {"log_get_level": {"result": "INFO"}, "iscsi_delete_target_node": invalid},
     stdin="log_get_level\nlog_set_flag x\niscsi_delete_target_node t\n", name="batch mode")
case(["--dry-run", "-b"], stdin="log_get_level\nlog_set_flag x\n", name="dry-run batch mode")
case(["--server"], {"log_get_level": {"result": "INFO"}, "log_set_flag": invalid},
     stdin="-s %s log_get_level\n-s %s log_set_flag x\nlog_get_level extra\n" % (sock, sock), name="server mode")

# Client-side configuration commands.
config_responses = {
    "framework_get_subsystems": {"result": subsystems},
    "framework_get_config": {"result": []},
    'framework_get_config {"name": "bdev", "with_batches": false}': {"result": [
        {"method": "bdev_set_options", "params": {"bdev_io_pool_size": 65535}},
        {"method": "bdev_wait_for_examine"}]},
    'framework_get_config {"name": "scsi", "with_batches": false}': {"result": None},
    "rpc_get_methods": {"result": all_methods},
    'rpc_get_methods {"current": true, "include_aliases": false}': {"result": ["rpc_get_methods", "iscsi_set_options",
                                                                               "bdev_set_options"]},
    'rpc_get_methods {"current": true, "include_aliases": true}': {"result": all_methods},
    'rpc_get_methods {"current": true}': {"result": ["bdev_malloc_create"]},
}
case(["save_config"], config_responses)
case(["save_config", "-i", "-1"], config_responses)
case(["save_config", "-i", "0", "-s", "scsi"], config_responses)
case(["save_config", "--subsystems", "bdev,sock", "--with-batches"], config_responses)
case(["save_config", "-s", "nope"], config_responses, exact=False)
case(["save_subsystem_config", "-n", "bdev"], config_responses)
case(["save_subsystem_config", "-n", "iscsi", "-i", "4", "--with-batches"], config_responses)
case(["load_config", "-j", config_file], config_responses)
case(["load_config"], config_responses, stdin=open(config_file).read(), name="load_config from stdin")
case(["load_config", "-j", '{"subsystems": [{"subsystem": "x", "config": []}]}'], config_responses)
case(["load_config", "-i", "-j", config_file], config_responses)
case(["load_config", "-j", config_file], dict(config_responses, rpc_get_methods={"result": ["bdev_set_options"]}))
case(["load_config", "-j", config_file], dict(config_responses, iscsi_set_options=invalid))
case(["load_subsystem_config", "-j", subsystem_file], config_responses)

def run(directory, case_args, responses, stdin):
    with open(os.path.join(work, "responses.json"), "w") as handle:
        json.dump(responses, handle)
    open(os.path.join(work, "requests.log"), "wb").close()
    args = [os.path.join(work, directory, "iscsi-rpc")]
    if not any(a == "-s" for a in case_args) and "--server" not in case_args:
        args += ["-s", sock]
    env = dict(os.environ, COLUMNS="80")
    result = subprocess.run(args + case_args, input=(stdin or "").encode(), capture_output=True, env=env, timeout=60)
    with open(os.path.join(work, "requests.log"), "rb") as handle:
        sent = handle.read()
    return {"sent": sent, "stdout": result.stdout, "stderr": result.stderr, "status": result.returncode}

passed = failed = 0
for name, case_args, responses, stdin, exact in cases:
    theirs = run("theirs", case_args, responses, stdin)
    ours = run("ours", case_args, responses, stdin)
    keys = ["sent", "stdout", "stderr", "status"] if exact else ["sent", "status"]
    differences = [k for k in keys if theirs[k] != ours[k]]
    if differences:
        failed += 1
        print("FAIL: %s (%s)" % (name, ", ".join(differences)))
        for key in differences:
            print("  rpc.py %s: %r" % (key, theirs[key][:600] if key != "status" else theirs[key]))
            print("  ours   %s: %r" % (key, ours[key][:600] if key != "status" else ours[key]))
    else:
        passed += 1
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
