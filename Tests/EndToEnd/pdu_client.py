#!/usr/bin/env python3
"""A PDU-level iSCSI initiator of our own, for what no real initiator does: raw sockets, login with
arbitrary text keys, SCSI commands with Data-In/R2T/Data-Out, and PDUs built field by field so that tests
can send malformed, truncated and out-of-window ones and look at the class of the answer.

Used as a library by the scenario scripts (session_rules.py, hostile_peer.py) and as a small CLI:

  pdu_client.py --portal 127.0.0.1:3260 --target iqn.2016-06.io.spdk:disk1 login
  pdu_client.py --portal 127.0.0.1:3260 --target iqn.2016-06.io.spdk:disk1 readwrite   # pattern write + read back

No digests (HeaderDigest=None, DataDigest=None), one connection per `Connection`.
"""
import argparse
import os
import socket
import struct
import sys

BHS_LENGTH = 48

# Initiator opcodes.
OP_NOP_OUT = 0x00
OP_SCSI_COMMAND = 0x01
OP_TASK_MANAGEMENT = 0x02
OP_LOGIN = 0x03
OP_TEXT = 0x04
OP_DATA_OUT = 0x05
OP_LOGOUT = 0x06
OP_SNACK = 0x10
# Target opcodes.
OP_NOP_IN = 0x20
OP_SCSI_RESPONSE = 0x21
OP_TASK_MANAGEMENT_RESPONSE = 0x22
OP_LOGIN_RESPONSE = 0x23
OP_TEXT_RESPONSE = 0x24
OP_DATA_IN = 0x25
OP_LOGOUT_RESPONSE = 0x26
OP_R2T = 0x31
OP_ASYNC = 0x32
OP_REJECT = 0x3F

# Reject reasons (RFC 7143 §11.17.1).
REJECT_DATA_DIGEST = 0x02
REJECT_PROTOCOL_ERROR = 0x04
REJECT_COMMAND_NOT_SUPPORTED = 0x05
REJECT_INVALID_PDU_FIELD = 0x09

RESERVED_TAG = 0xFFFFFFFF
DEFAULT_INITIATOR = "iqn.2016-06.io.test:pdu-client"


class ConnectionClosed(Exception):
    """The target closed the connection (or reset it) while we waited for a PDU."""


class PDU:
    """One PDU: the 48-byte header (mutable), the AHS bytes and the data segment (without padding)."""

    def __init__(self, header, ahs=b"", data=b""):
        self.header = bytearray(header)
        self.ahs = bytes(ahs)
        self.data = bytes(data)

    @property
    def opcode(self):
        return self.header[0] & 0x3F

    @property
    def flags(self):
        return self.header[1]

    def u8(self, offset):
        return self.header[offset]

    def u16(self, offset):
        return struct.unpack_from(">H", self.header, offset)[0]

    def u32(self, offset):
        return struct.unpack_from(">I", self.header, offset)[0]

    @property
    def itt(self):
        return self.u32(16)

    @property
    def ttt(self):
        return self.u32(20)

    @property
    def stat_sn(self):
        return self.u32(24)

    @property
    def exp_cmd_sn(self):
        return self.u32(28)

    @property
    def max_cmd_sn(self):
        return self.u32(32)

    def encode(self, data_length=None, ahs_words=None):
        """The wire bytes; `data_length`/`ahs_words` override the header's length fields (for lies)."""
        header = bytearray(self.header)
        header[4] = (len(self.ahs) // 4) if ahs_words is None else ahs_words
        length = len(self.data) if data_length is None else data_length
        header[5:8] = length.to_bytes(3, "big")
        padding = (-len(self.data)) % 4
        return bytes(header) + self.ahs + self.data + b"\0" * padding

    def __repr__(self):
        return "PDU(opcode=0x%02x, flags=0x%02x, itt=0x%08x, data=%d bytes)" % (
            self.opcode,
            self.flags,
            self.itt,
            len(self.data),
        )


def header(opcode, immediate=False, flags=0):
    """A zeroed 48-byte header with byte 0 (I bit, opcode) and byte 1 (flags) set."""
    h = bytearray(BHS_LENGTH)
    h[0] = (0x40 if immediate else 0) | opcode
    h[1] = flags
    return h


def put32(h, offset, value):
    struct.pack_into(">I", h, offset, value & 0xFFFFFFFF)


def put16(h, offset, value):
    struct.pack_into(">H", h, offset, value & 0xFFFF)


def text_keys(pairs):
    """`key=value\\0...` from a list of (key, value) or a dict; values may be bytes."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    out = b""
    for key, value in items:
        key = key.encode() if isinstance(key, str) else key
        value = value.encode() if isinstance(value, str) else value
        out += key + b"=" + value + b"\0"
    return out


def parse_keys(data):
    """The key=value pairs of a text segment, as a dict (later pairs win)."""
    keys = {}
    for item in data.split(b"\0"):
        if b"=" in item:
            key, value = item.split(b"=", 1)
            keys[key.decode(errors="replace")] = value.decode(errors="replace")
    return keys


class Connection:
    """One TCP connection to the target, with the sequence numbers of a one-connection session."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.cmd_sn = 1
        self.exp_stat_sn = 0
        self.next_itt = 1
        self.tsih = 0
        self.max_cmd_sn = 1
        self.max_burst = 262144
        self.first_burst = 65536
        self.immediate_data = True
        self.initial_r2t = True
        self.max_send_segment = 8192
        self.negotiated = {}

    # -- raw I/O ---------------------------------------------------------------------------------------

    def send_bytes(self, data):
        self.sock.sendall(data)

    def send(self, pdu, **lies):
        self.send_bytes(pdu.encode(**lies))

    def _read_exactly(self, count):
        while len(self.buffer) < count:
            try:
                chunk = self.sock.recv(max(65536, count - len(self.buffer)))
            except ConnectionResetError as error:
                raise ConnectionClosed("reset") from error
            if not chunk:
                raise ConnectionClosed("EOF")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self, timeout=None):
        """The next PDU; raises ConnectionClosed on EOF and socket.timeout when nothing comes in time."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        h = self._read_exactly(BHS_LENGTH)
        ahs_length = h[4] * 4
        data_length = int.from_bytes(h[5:8], "big")
        ahs = self._read_exactly(ahs_length) if ahs_length else b""
        data = self._read_exactly(data_length + (-data_length) % 4)[:data_length] if data_length else b""
        pdu = PDU(h, ahs, data)
        if pdu.opcode in (OP_SCSI_RESPONSE, OP_NOP_IN, OP_LOGIN_RESPONSE, OP_TEXT_RESPONSE, OP_LOGOUT_RESPONSE,
                          OP_TASK_MANAGEMENT_RESPONSE, OP_REJECT, OP_ASYNC) or (
                              pdu.opcode == OP_DATA_IN and pdu.flags & 0x01):
            if not (pdu.opcode == OP_NOP_IN and pdu.itt == RESERVED_TAG):
                self.exp_stat_sn = (pdu.stat_sn + 1) & 0xFFFFFFFF
        if pdu.opcode != OP_LOGIN_RESPONSE:
            self.max_cmd_sn = pdu.max_cmd_sn
        return pdu

    def receive_or_close(self, timeout=5.0):
        """The next PDU, or None when the target closes the connection (a timeout raises)."""
        try:
            return self.receive(timeout)
        except ConnectionClosed:
            return None

    def is_closed(self, timeout=5.0):
        """Whether the target closes the connection within `timeout` s (reading and discarding PDUs)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def take_itt(self):
        itt = self.next_itt
        self.next_itt += 1
        return itt

    # -- login -----------------------------------------------------------------------------------------

    def login_pdu(self, keys, isid=0x80_0000_0001, tsih=0, cid=0, transit=True, csg=1, nsg=3, cont=False):
        flags = (0x80 if transit else 0) | (0x40 if cont else 0) | (csg << 2) | (nsg if transit else 0)
        h = header(OP_LOGIN, immediate=True, flags=flags)
        h[8:14] = isid.to_bytes(6, "big")
        put16(h, 14, tsih)
        put32(h, 16, self.take_itt())
        put16(h, 20, cid)
        put32(h, 24, self.cmd_sn)
        put32(h, 28, self.exp_stat_sn)
        return PDU(h, data=keys if isinstance(keys, bytes) else text_keys(keys))

    def login(self, target=None, initiator=DEFAULT_INITIATOR, isid=0x80_0000_0001, tsih=0, cid=0, extra=None,
              discovery=False, max_connections=1):
        """Logs in from operational negotiation straight to full feature phase. Returns the Login Response;
        on success (status 0) the session's TSIH and negotiated limits are kept (`negotiated` has every key)."""
        keys = [("InitiatorName", initiator)]
        if discovery:
            keys.append(("SessionType", "Discovery"))
        else:
            keys += [("SessionType", "Normal"), ("TargetName", target)]
        keys += [
            ("HeaderDigest", "None"),
            ("DataDigest", "None"),
            ("MaxRecvDataSegmentLength", "65536"),
        ]
        if not discovery:
            keys += [
                ("InitialR2T", "Yes"),
                ("ImmediateData", "Yes"),
                ("MaxBurstLength", "262144"),
                ("FirstBurstLength", "65536"),
                ("MaxConnections", str(max_connections)),
                ("ErrorRecoveryLevel", "0"),
            ]
        keys += list(extra or [])
        self.send(self.login_pdu(keys, isid=isid, tsih=tsih, cid=cid))
        response = self.receive(timeout=10)
        if response.opcode != OP_LOGIN_RESPONSE:
            raise AssertionError("expected a Login Response, got %r" % response)
        status = login_status(response)
        if status == 0 and response.flags & 0x80 and response.flags & 0x03 == 3:
            self.tsih = response.u16(14)
            self.max_cmd_sn = response.max_cmd_sn
            self.exp_stat_sn = (response.stat_sn + 1) & 0xFFFFFFFF
            negotiated = parse_keys(response.data)
            self.negotiated = negotiated
            self.max_send_segment = int(negotiated.get("MaxRecvDataSegmentLength", "8192"))
            self.max_burst = int(negotiated.get("MaxBurstLength", self.max_burst))
            self.first_burst = int(negotiated.get("FirstBurstLength", self.first_burst))
            self.immediate_data = negotiated.get("ImmediateData", "Yes") == "Yes"
            self.initial_r2t = negotiated.get("InitialR2T", "Yes") == "Yes"
        return response

    # -- full feature phase ----------------------------------------------------------------------------

    def nop_out(self, data=b"", immediate=True, itt=None, ttt=RESERVED_TAG, cmd_sn=None):
        h = header(OP_NOP_OUT, immediate=immediate, flags=0x80)
        put32(h, 16, self.take_itt() if itt is None else itt)
        put32(h, 20, ttt)
        put32(h, 24, self.cmd_sn if cmd_sn is None else cmd_sn)
        put32(h, 28, self.exp_stat_sn)
        if not immediate and cmd_sn is None:
            self.cmd_sn += 1
        return PDU(h, data=data)

    def scsi_command(self, cdb, read=False, write=False, edtl=0, data=b"", lun=0, cmd_sn=None, itt=None):
        flags = 0x80 | (0x40 if read else 0) | (0x20 if write else 0) | 0x01
        h = header(OP_SCSI_COMMAND, flags=flags)
        h[8:16] = (lun << 48).to_bytes(8, "big")
        put32(h, 16, self.take_itt() if itt is None else itt)
        put32(h, 20, edtl)
        put32(h, 24, self.cmd_sn if cmd_sn is None else cmd_sn)
        put32(h, 28, self.exp_stat_sn)
        h[32:32 + len(cdb)] = cdb
        if cmd_sn is None:
            self.cmd_sn += 1
        return PDU(h, data=data)

    def data_out(self, itt, ttt, data_sn, offset, data, final=True, lun=0):
        h = header(OP_DATA_OUT, flags=0x80 if final else 0)
        h[8:16] = (lun << 48).to_bytes(8, "big")
        put32(h, 16, itt)
        put32(h, 20, ttt)
        put32(h, 28, self.exp_stat_sn)
        put32(h, 36, data_sn)
        put32(h, 40, offset)
        return PDU(h, data=data)

    def text_request(self, data, itt=None, ttt=RESERVED_TAG, final=True, cont=False):
        h = header(OP_TEXT, immediate=True, flags=(0x80 if final else 0) | (0x40 if cont else 0))
        put32(h, 16, self.take_itt() if itt is None else itt)
        put32(h, 20, ttt)
        put32(h, 24, self.cmd_sn)
        put32(h, 28, self.exp_stat_sn)
        return PDU(h, data=data)

    def logout_request(self, reason=0, cid=0):
        h = header(OP_LOGOUT, immediate=True, flags=0x80 | reason)
        put32(h, 16, self.take_itt())
        put16(h, 20, cid)
        put32(h, 24, self.cmd_sn)
        put32(h, 28, self.exp_stat_sn)
        return PDU(h)

    def logout(self):
        """Logs out and waits for the Logout Response; returns its response code."""
        self.send(self.logout_request())
        while True:
            pdu = self.receive(timeout=10)
            if pdu.opcode == OP_LOGOUT_RESPONSE:
                return pdu.u8(2)

    def answer_pings(self, pdu):
        """Answers a target NOP-In ping (ITT 0xffffffff); returns whether `pdu` was one."""
        if pdu.opcode == OP_NOP_IN and pdu.itt == RESERVED_TAG:
            self.send(self.nop_out(itt=RESERVED_TAG, ttt=pdu.ttt, immediate=True))
            return True
        return False

    def execute(self, cdb, read_length=0, write_data=None, lun=0):
        """Runs one SCSI command to completion. Returns (status, data_in, sense)."""
        write_data = write_data or b""
        immediate = b""
        if write_data and self.immediate_data:
            immediate = write_data[: min(self.first_burst, self.max_send_segment)]
        command = self.scsi_command(
            cdb,
            read=read_length > 0,
            write=bool(write_data),
            edtl=read_length or len(write_data),
            data=immediate,
            lun=lun,
        )
        itt = command.itt
        self.send(command)
        data_in = bytearray(read_length)
        while True:
            pdu = self.receive(timeout=30)
            if self.answer_pings(pdu):
                continue
            if pdu.opcode == OP_REJECT:
                raise AssertionError("command rejected, reason 0x%02x" % pdu.u8(2))
            if pdu.itt != itt:
                raise AssertionError("unexpected %r while waiting for ITT %d" % (pdu, itt))
            if pdu.opcode == OP_R2T:
                self._answer_r2t(pdu, write_data, lun)
            elif pdu.opcode == OP_DATA_IN:
                offset = pdu.u32(40)
                data_in[offset:offset + len(pdu.data)] = pdu.data
                if pdu.flags & 0x01:
                    return pdu.u8(3), bytes(data_in), b""
            elif pdu.opcode == OP_SCSI_RESPONSE:
                sense = pdu.data[2:] if len(pdu.data) > 2 else b""
                return pdu.u8(3), bytes(data_in), sense
            else:
                raise AssertionError("unexpected %r" % pdu)

    def _answer_r2t(self, r2t, write_data, lun):
        offset, length, ttt = r2t.u32(40), r2t.u32(44), r2t.ttt
        data_sn = 0
        end = offset + length
        while offset < end:
            piece = write_data[offset:min(end, offset + self.max_send_segment)]
            self.send(self.data_out(r2t.itt, ttt, data_sn, offset, piece, final=offset + len(piece) >= end, lun=lun))
            offset += len(piece)
            data_sn += 1


def login_status(response):
    """The (class << 8 | detail) status of a Login Response."""
    return response.u8(36) << 8 | response.u8(37)


def read10(lba, blocks):
    return bytes([0x28, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + bytes([0])


def write10(lba, blocks):
    return bytes([0x2A, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + bytes([0])


def pattern(seed, length):
    """A deterministic, seed-dependent byte pattern (like qemu-io's -P but varying per byte)."""
    block = bytes((seed * 131 + index * 7) & 0xFF for index in range(256))
    return (block * (length // 256 + 1))[:length]


def verified_read_write(host, port, target, lba=1024, blocks=128, seed=None, initiator=DEFAULT_INITIATOR):
    """Logs in, writes a pattern, reads it back, compares, logs out. Returns an error text or None."""
    seed = seed if seed is not None else os.getpid() & 0xFF
    connection = Connection(host, port)
    try:
        response = connection.login(target, initiator=initiator, isid=0x80_0000_0000 | (os.getpid() & 0xFFFFFF))
        if login_status(response) != 0:
            return "login failed with status 0x%04x" % login_status(response)
        data = pattern(seed, blocks * 512)
        status, _, sense = connection.execute(write10(lba, blocks), write_data=data)
        if status != 0:
            return "WRITE(10) status 0x%02x sense %s" % (status, sense.hex())
        status, read_back, sense = connection.execute(read10(lba, blocks), read_length=len(data))
        if status != 0:
            return "READ(10) status 0x%02x sense %s" % (status, sense.hex())
        if read_back != data:
            return "data read back differs from data written"
        connection.logout()
        return None
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portal", required=True, help="HOST:PORT")
    parser.add_argument("--target", required=True)
    parser.add_argument("--initiator", default=DEFAULT_INITIATOR)
    parser.add_argument("action", choices=["login", "readwrite"])
    args = parser.parse_args()
    host, port = args.portal.rsplit(":", 1)
    if args.action == "login":
        connection = Connection(host, int(port))
        response = connection.login(args.target, initiator=args.initiator)
        print("login status 0x%04x, TSIH %d" % (login_status(response), connection.tsih))
        return 0 if login_status(response) == 0 else 1
    error = verified_read_write(host, int(port), args.target, initiator=args.initiator)
    print(error or "pattern written and read back")
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
