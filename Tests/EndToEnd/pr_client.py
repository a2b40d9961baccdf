#!/usr/bin/env python3
"""A tiny iSCSI initiator for the reservations suite: logs in without authentication and sends one
PERSISTENT RESERVE IN/OUT or other CDB, printing the SCSI status (and data) it gets back.

libiscsi-bin ships no PR tool, and sg_persist needs a kernel session; this speaks just enough of
RFC 7143 (login without digests, one SCSI command with immediate data, Data-In or SCSI Response).

usage: pr_client.py HOST PORT TARGET INITIATOR ISID ACTION [ARGS...]
  register KEY [aptpl]        PR OUT REGISTER AND IGNORE EXISTING KEY (service action key KEY)
  register-specifying KEY NAME...
                              PR OUT REGISTER with SPEC_I_PT: also registers each NAME (an initiator port
                              "IQN,i,0xISID", or a bare IQN for every port of that initiator)
  reserve KEY TYPE            PR OUT RESERVE
  clear KEY                   PR OUT CLEAR
  readkeys                    PR IN READ KEYS: prints "generation G keys K1 K2 ..."
  readres                     PR IN READ RESERVATION: prints "generation G key K type T" or "none"
  write                       WRITE(10) of one zero block at LBA 0
  preempt-abort INITIATOR_B ISID_B TAS
                              PREEMPT AND ABORT of a nexus whose write waits for Data-Out (see preempt_abort)
Prints "status 0xNN" first (preempt-abort prints one line per step). Exit status 0 when the exchange
completed, 1 on a protocol failure.
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

    def send_command(self, cdb, data_out=b"", read_length=0, write_length=None):
        """Sends a SCSI Command with `data_out` as immediate data (and `write_length` bytes expected in all);
        returns its Initiator Task Tag."""
        write_length = len(data_out) if write_length is None else write_length
        itt = self.itt
        header = bytearray(48)
        header[0] = 0x01
        header[1] = 0x80 | (0x40 if read_length else 0) | (0x20 if write_length else 0) | 0x01
        header[5:8] = len(data_out).to_bytes(3, "big")
        struct.pack_into(">IIII", header, 16, itt, max(read_length, write_length), self.cmdsn, self.statsn)
        header[32:32 + len(cdb)] = cdb
        self.sock.sendall(bytes(header) + pad4(data_out))
        self.cmdsn += 1
        self.itt += 1
        return itt

    def send_data_out(self, itt, ttt, data):
        header = bytearray(48)
        header[0] = 0x05
        header[1] = 0x80
        header[5:8] = len(data).to_bytes(3, "big")
        struct.pack_into(">IIIIII", header, 16, itt, ttt, 0, self.statsn, 0, 0)
        self.sock.sendall(bytes(header) + pad4(data))

    def receive(self, itt):
        """Reads PDUs up to the status of task `itt`: (opcode, status, data-in, response header, sense)."""
        data_in = b""
        while True:
            response, body = self.read_pdu()
            opcode = response[0] & 0x3F
            if opcode == 0x20:  # NOP-In: nothing to answer for an unsolicited one without a TTT
                continue
            if opcode not in (0x21, 0x25, 0x31):
                raise ConnectionError(f"unexpected opcode 0x{opcode:02x}")
            tag = struct.unpack_from(">I", response, 16)[0]
            if tag != itt:
                raise ConnectionError(f"PDU 0x{opcode:02x} for task 0x{tag:x} while waiting for 0x{itt:x}")
            if opcode == 0x31:  # R2T
                return opcode, None, b"", response, b""
            if opcode == 0x25:
                data_in += body
                if not response[1] & 0x01:
                    continue
            self.statsn = struct.unpack_from(">I", response, 24)[0] + 1
            sense = body[2:] if opcode == 0x21 and len(body) > 2 else b""
            return opcode, response[3], data_in, response, sense

    def command(self, cdb, data_out=b"", read_length=0):
        _, status, data_in, _, _ = self.receive(self.send_command(cdb, data_out, read_length))
        return status, data_in

    def ready(self):
        """TEST UNIT READY until GOOD, consuming unit attentions; returns the ASC/ASCQ values seen."""
        seen = []
        for _ in range(8):
            _, status, _, _, sense = self.receive(self.send_command(bytes(6)))
            if status == 0:
                return seen
            seen.append(sense[12] << 8 | sense[13] if len(sense) > 13 else None)
        raise ConnectionError("TEST UNIT READY never completed with GOOD")


def prout(session, action, key=0, service_action_key=0, type_=0, aptpl=False):
    parameters = struct.pack(">QQI", key, service_action_key, 0) + bytes([0x01 if aptpl else 0, 0, 0, 0])
    cdb = bytes([0x5F, action, type_, 0, 0]) + len(parameters).to_bytes(4, "big") + b"\0"
    status, _ = session.command(cdb, data_out=parameters)
    return status


def transport_id(name):
    """An iSCSI TransportID: format 01b for an initiator port name, 00b for a bare iSCSI name."""
    data = name.encode() + b"\0"
    data += b"\0" * (-len(data) % 4)
    data += b"\0" * max(0, 20 - len(data))
    return bytes([0x45 if ",i,0x" in name.lower() else 0x05, 0]) + len(data).to_bytes(2, "big") + data


def register_specifying(session, key, names):
    ids = b"".join(transport_id(name) for name in names)
    parameters = struct.pack(">QQI", 0, key, 0) + bytes([0x08, 0, 0, 0]) + len(ids).to_bytes(4, "big") + ids
    cdb = bytes([0x5F, 0x00, 0, 0, 0]) + len(parameters).to_bytes(4, "big") + b"\0"
    status, _ = session.command(cdb, data_out=parameters)
    return status


def prin(session, action):
    cdb = bytes([0x5E, action, 0, 0, 0, 0, 0]) + (1024).to_bytes(2, "big") + b"\0"
    return session.command(cdb, read_length=1024)


def write10(lba, blocks=1):
    return bytes([0x2A, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + bytes([0])


def read10(lba, blocks=1):
    return bytes([0x28, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + bytes([0])


def set_task_aborted_status(session, enabled):
    """MODE SELECT(6) of the control mode page with TAS set or cleared (the page sent back otherwise as read)."""
    status, page = session.command(bytes([0x1A, 0x08, 0x0A, 0, 255, 0]), read_length=255)
    if status != 0 or len(page) < 16:
        raise ConnectionError(f"MODE SENSE of the control page: status 0x{status:02x}")
    page = bytearray(page[:16])
    page[0] = 0
    page[4 + 5] = (page[4 + 5] & ~0x40) | (0x40 if enabled else 0)
    status, _ = session.command(bytes([0x15, 0x10, 0, 0, len(page), 0]), data_out=bytes(page))
    if status != 0:
        raise ConnectionError(f"MODE SELECT of TAS: status 0x{status:02x}")


def preempt_abort(a, b, tas, block_size=512, lba=8):
    """Initiator A writes its pattern, B registers and reserves Write Exclusive, then starts a write that waits
    for Data-Out. A sends PREEMPT AND ABORT naming B's key; B's late Data-Out is discarded and its write ends
    without a response (TAS 0) or with TASK ABORTED (TAS 1); B sees REGISTRATIONS PREEMPTED, A's data is
    intact and a new write from B conflicts. A and B may be sessions through two gateways of one RBD image: TAS is
    set through both, since each gateway keeps its own control mode page."""
    for session, key in ((a, 0xA1), (b, 0xB2)):
        session.ready()
        prout(session, 0x06, service_action_key=key)
    prout(a, 0x03, key=0xA1)  # CLEAR whatever an earlier step left
    for session, key in ((a, 0xA1), (b, 0xB2)):
        session.ready()
        prout(session, 0x06, service_action_key=key)
    for session in (a, b):
        session.ready()  # one's MODE SELECT gives the other MODE PARAMETERS CHANGED on the same gateway
        set_task_aborted_status(session, tas)
    b.ready()
    a.ready()
    pattern = bytes([0xA5]) * block_size
    status, _ = a.command(write10(lba), data_out=pattern)
    print(f"a writes status 0x{status:02x}")
    print(f"b reserves status 0x{prout(b, 0x01, key=0xB2, type_=1):02x}")
    held = b.send_command(write10(lba), write_length=block_size)
    opcode, _, _, r2t, _ = b.receive(held)
    print(f"b write waits for data-out {'yes' if opcode == 0x31 else 'no'}")
    print(f"a preempt-and-abort status 0x{prout(a, 0x05, key=0xA1, service_action_key=0xB2, type_=1):02x}")
    b.send_data_out(held, struct.unpack_from(">I", r2t, 20)[0], bytes([0x5A]) * block_size)
    if tas:
        opcode, status, _, _, _ = b.receive(held)
        print(f"b write ends status 0x{status:02x}")
    else:
        print("b write ends silently")
    # With TAS 0 a response to the held write would arrive before this one and fail receive().
    print("b unit attention " + " ".join(f"0x{code:04x}" for code in b.ready() if code is not None))
    status, data = a.command(read10(lba), read_length=block_size)
    print(f"a reads its data {'intact' if status == 0 and data == pattern else 'changed'}")
    status, _ = b.command(write10(lba), data_out=bytes([0x5A]) * block_size)
    print(f"b writes again status 0x{status:02x}")
    prout(a, 0x03, key=0xA1)
    for session in (a, b):
        session.ready()
        set_task_aborted_status(session, False)


def main(argv):
    host, port, target, initiator, isid, action, *args = argv
    session = Session(host, int(port), target, initiator, int(isid, 0))
    if action == "register":
        status = prout(session, 0x06, service_action_key=int(args[0], 0), aptpl=args[1:] == ["aptpl"])
        print(f"status 0x{status:02x}")
    elif action == "register-specifying":
        print(f"status 0x{register_specifying(session, int(args[0], 0), args[1:]):02x}")
    elif action == "clear":
        print(f"status 0x{prout(session, 0x03, key=int(args[0], 0)):02x}")
    elif action == "reserve":
        print(f"status 0x{prout(session, 0x01, key=int(args[0], 0), type_=int(args[1], 0)):02x}")
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
    elif action == "preempt-abort":
        # preempt-abort OTHER_INITIATOR OTHER_ISID TAS [OTHER_PORT]: the other nexus through another gateway.
        other_port = int(args[3]) if len(args) > 3 else int(port)
        other = Session(host, other_port, target, args[0], int(args[1], 0))
        preempt_abort(session, other, args[2] == "1")
        other.sock.close()
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
