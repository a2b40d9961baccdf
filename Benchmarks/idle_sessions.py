"""Holds N idle iSCSI sessions open against one target (for the many-sessions benchmark).

    python3 Benchmarks/idle_sessions.py COUNT HOST PORT TARGET_IQN

Each session logs in with one Login Request (security stage straight to full feature phase,
AuthMethod=None), then sends nothing more. Prints "COUNT logged in" once all are in, then keeps the
sockets open until it is killed or its standard input closes. Exits 1 if a login fails.
"""

import socket
import struct
import sys


def login_request(index, target):
    keys = (
        f"InitiatorName=iqn.2016-06.io.bench:idle{index}\0"
        f"TargetName={target}\0SessionType=Normal\0AuthMethod=None\0"
        "HeaderDigest=None\0DataDigest=None\0"
    ).encode()
    isid = bytes([0x80, 0, 0, 0, (index >> 8) & 0xFF, index & 0xFF])
    header = bytearray(48)
    header[0] = 0x43  # Login Request, immediate
    header[1] = 0x80 | 0x03  # Transit, CSG 0 (security), NSG 3 (full feature)
    header[5:8] = len(keys).to_bytes(3, "big")
    header[8:14] = isid
    struct.pack_into(">IHHII", header, 16, index + 1, 0, 0, 1, 0)  # ITT, TSIH, CID, CmdSN, ExpStatSN
    return bytes(header) + keys + b"\0" * (-len(keys) % 4)


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed during login")
        data += chunk
    return data


def log_in(index, host, port, target):
    sock = socket.create_connection((host, port))
    sock.sendall(login_request(index, target))
    header = read_exactly(sock, 48)
    length = int.from_bytes(header[5:8], "big")
    read_exactly(sock, length + (-length % 4))
    status_class, status_detail = header[36], header[37]
    if header[0] & 0x3F != 0x23 or status_class != 0 or header[1] & 0x83 != 0x83:
        raise RuntimeError(f"session {index}: login answered class {status_class} detail {status_detail}")
    return sock


def main():
    count, host, port, target = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    try:
        sessions = [log_in(index, host, port, target) for index in range(count)]
    except (OSError, RuntimeError) as error:
        print(f"idle sessions: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"{len(sessions)} logged in", flush=True)
    sys.stdin.read()


main()
