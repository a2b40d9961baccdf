#!/usr/bin/env python3
"""A tiny iSCSI initiator for the reservations suite: logs in without authentication and sends one
PERSISTENT RESERVE IN/OUT or other CDB, printing the SCSI status (and data) it gets back.

libiscsi-bin ships no PR tool, and sg_persist needs a kernel session; this speaks just enough of
RFC 7143 (login without digests, one SCSI command with immediate data, Data-In or SCSI Response).

usage: pr_client.py HOST PORT TARGET INITIATOR ISID ACTION [ARGS...]
  register KEY [aptpl]        PR OUT REGISTER AND IGNORE EXISTING KEY (service action key KEY)
  reserve KEY TYPE            PR OUT RESERVE
  clear KEY                   PR OUT CLEAR
  readkeys                    PR IN READ KEYS: prints "generation G keys K1 K2 ..."
  readres                     PR IN READ RESERVATION: prints "generation G key K type T" or "none"
  write                       WRITE(10) of one zero block at LBA 0
Prints "status 0xNN" first. Exit status 0 when the exchange completed, 1 on a protocol failure.
"""
import socket
import struct
import sys


def pad4(data):
    return data + b"\0" * (-len(data) % 4)


class Session:
    def __init__(self, host, port, target, initiator, isid):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.itt = 1
        self.cmdsn = 0
        self.statsn = 0
        self.isid = isid
        keys = {"InitiatorName": initiator, "SessionType": "Normal", "TargetName": target, "AuthMethod": "None"}
        self.login(0, 1, keys)
        self.login(1, 3, {"HeaderDigest": "None", "DataDigest": "None", "ImmediateData": "Yes",
                          "MaxRecvDataSegmentLength": "65536"})

    def recv_exact(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("connection closed")
            data += chunk
        return data

    def read_pdu(self):
        header = self.recv_exact(48)
        length = int.from_bytes(header[5:8], "big")
        ahs = header[4] * 4
        body = self.recv_exact(ahs + length + (-length % 4))
        return header, body[ahs:ahs + length]

    def login(self, csg, nsg, keys):
        data = pad4(b"".join(f"{k}={v}".encode() + b"\0" for k, v in keys.items()))
        header = bytearray(48)
        header[0] = 0x43
        header[1] = 0x80 | (csg << 2) | nsg
        header[5:8] = len(b"".join(f"{k}={v}".encode() + b"\0" for k, v in keys.items())).to_bytes(3, "big")
        header[8:14] = self.isid.to_bytes(6, "big")
        struct.pack_into(">IHHII", header, 16, self.itt, 1, 0, self.cmdsn, self.statsn)
        self.sock.sendall(bytes(header) + data)
        response, _ = self.read_pdu()
        if response[0] & 0x3F != 0x23 or response[36] != 0:
            raise ConnectionError(f"login failed: class {response[36]} detail {response[37]}")
        self.statsn = struct.unpack_from(">I", response, 24)[0] + 1
        self.cmdsn = struct.unpack_from(">I", response, 28)[0]
        self.itt += 1

    def command(self, cdb, data_out=b"", read_length=0):
        header = bytearray(48)
        header[0] = 0x01
        header[1] = 0x80 | (0x40 if read_length else 0) | (0x20 if data_out else 0) | 0x01
        header[5:8] = len(data_out).to_bytes(3, "big")
        struct.pack_into(">IIII", header, 16, self.itt, max(read_length, len(data_out)), self.cmdsn, self.statsn)
        header[32:32 + len(cdb)] = cdb
        self.sock.sendall(bytes(header) + pad4(data_out))
        self.cmdsn += 1
        self.itt += 1
        data_in = b""
        while True:
            response, body = self.read_pdu()
            opcode = response[0] & 0x3F
            if opcode == 0x25:  # Data-In
                data_in += body
                if response[1] & 0x01:
                    self.statsn = struct.unpack_from(">I", response, 24)[0] + 1
                    return response[3], data_in
            elif opcode == 0x21:  # SCSI Response
                self.statsn = struct.unpack_from(">I", response, 24)[0] + 1
                return response[3], data_in
            elif opcode == 0x20:  # NOP-In: nothing to answer for an unsolicited one without a TTT
                continue
            else:
                raise ConnectionError(f"unexpected opcode 0x{opcode:02x}")


def prout(session, action, key=0, service_action_key=0, type_=0, aptpl=False):
    parameters = struct.pack(">QQI", key, service_action_key, 0) + bytes([0x01 if aptpl else 0, 0, 0, 0])
    cdb = bytes([0x5F, action, type_, 0, 0]) + len(parameters).to_bytes(4, "big") + b"\0"
    status, _ = session.command(cdb, data_out=parameters)
    return status


def prin(session, action):
    cdb = bytes([0x5E, action, 0, 0, 0, 0, 0]) + (1024).to_bytes(2, "big") + b"\0"
    return session.command(cdb, read_length=1024)


def main(argv):
    host, port, target, initiator, isid, action, *args = argv
    session = Session(host, int(port), target, initiator, int(isid, 0))
    if action == "register":
        status = prout(session, 0x06, service_action_key=int(args[0], 0), aptpl=args[1:] == ["aptpl"])
        print(f"status 0x{status:02x}")
    elif action == "reserve":
        print(f"status 0x{prout(session, 0x01, key=int(args[0], 0), type_=int(args[1], 0)):02x}")
    elif action == "clear":
        print(f"status 0x{prout(session, 0x03, key=int(args[0], 0)):02x}")
    elif action == "readkeys":
        status, data = prin(session, 0x00)
        generation, length = struct.unpack_from(">II", data)
        keys = [f"0x{key:x}" for (key,) in struct.iter_unpack(">Q", data[8:8 + length])]
        print(f"status 0x{status:02x}")
        print(f"generation {generation} keys {' '.join(keys)}".rstrip())
    elif action == "readres":
        status, data = prin(session, 0x01)
        generation, length = struct.unpack_from(">II", data)
        print(f"status 0x{status:02x}")
        if length >= 16:
            key = struct.unpack_from(">Q", data, 8)[0]
            print(f"generation {generation} key 0x{key:x} type {data[21] & 0x0F}")
        else:
            print("none")
    elif action == "write":
        status, _ = session.command(bytes([0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0]), data_out=b"\0" * 512)
        print(f"status 0x{status:02x}")
    else:
        raise SystemExit(f"unknown action {action}")
    session.sock.close()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (ConnectionError, OSError, ValueError, struct.error) as error:
        print(f"error {error}")
        sys.exit(1)
