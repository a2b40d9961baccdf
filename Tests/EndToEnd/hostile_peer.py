#!/usr/bin/env python3
"""A hostile iSCSI peer (issue 6): malformed, truncated and out-of-sequence PDUs against a running target,
each on its own connection, checking the class of the answer — a Reject with its reason, a Login Response
with its status, silence (a PDU the standard says to ignore) or a dropped connection. Then a flood of
hundreds of concurrent connections sending random garbage, truncated PDUs, half logins and bad commands.

Prints one line per check, `PASS <what>` or `FAIL <what>: <detail>`; exits 1 if any check failed.

  hostile_peer.py --portal 127.0.0.1:3260 --target iqn.2016-06.io.spdk:disk1 cases
  hostile_peer.py --portal 127.0.0.1:3260 --target iqn.2016-06.io.spdk:disk1 flood --connections 300
"""
import argparse
import random
import socket
import sys
import threading
import time

from pdu_client import (
    OP_DATA_IN,
    OP_LOGIN_RESPONSE,
    OP_NOP_IN,
    OP_R2T,
    OP_REJECT,
    OP_SCSI_RESPONSE,
    OP_TASK_MANAGEMENT_RESPONSE,
    OP_TEXT_RESPONSE,
    REJECT_COMMAND_NOT_SUPPORTED,
    REJECT_INVALID_PDU_FIELD,
    REJECT_PROTOCOL_ERROR,
    RESERVED_TAG,
    PDU,
    Connection,
    ConnectionClosed,
    header,
    login_status,
    put32,
    read10,
    text_keys,
    write10,
)

FAILURES = 0


def report(ok, what, detail=""):
    global FAILURES
    if ok:
        print("PASS %s" % what)
    else:
        FAILURES += 1
        print("FAIL %s: %s" % (what, detail))
    sys.stdout.flush()


def resident_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def describe(pdu):
    if pdu is None:
        return "connection closed"
    if pdu.opcode == OP_REJECT:
        return "Reject reason 0x%02x" % pdu.u8(2)
    if pdu.opcode == OP_LOGIN_RESPONSE:
        return "Login Response status 0x%04x" % login_status(pdu)
    return repr(pdu)


class Case:
    """Runs `body(connection)` on a fresh connection; the body returns (ok, detail)."""

    def __init__(self, args):
        self.host, port = args.portal.rsplit(":", 1)
        self.port = int(port)
        self.target = args.target
        self.pid = args.target_pid
        self.isid = 0x40_0000_0000

    def connect(self):
        return Connection(self.host, self.port, timeout=10)

    def logged_in(self):
        """A connection in full feature phase of a Normal session (a fresh ISID each time)."""
        self.isid += 1
        connection = self.connect()
        response = connection.login(self.target, isid=self.isid)
        if login_status(response) != 0:
            raise AssertionError("login failed: 0x%04x" % login_status(response))
        return connection

    def run(self, what, body):
        connection = None
        try:
            connection = body()
        except Exception as error:  # a check that cannot even run is a failure, with its reason
            report(False, what, "%s: %s" % (type(error).__name__, error))
        finally:
            if connection is not None and not isinstance(connection, tuple):
                connection.close()

    def expect(self, what, connection, predicate, timeout=5.0):
        """Reads the answer to what was just sent and checks it with `predicate(pdu_or_None)`."""
        try:
            pdu = connection.receive_or_close(timeout)
        except socket.timeout:
            report(False, what, "no answer within %.0f s" % timeout)
            return None
        report(predicate(pdu), what, describe(pdu))
        return pdu


def closed(pdu):
    return pdu is None


def reject(reason):
    return lambda pdu: pdu is not None and pdu.opcode == OP_REJECT and pdu.u8(2) == reason


def login_failure(status_class, detail=None):
    def check(pdu):
        if pdu is None or pdu.opcode != OP_LOGIN_RESPONSE:
            return False
        status = login_status(pdu)
        return status >> 8 == status_class and (detail is None or status & 0xFF == detail)

    return check


def task_ended_after_reject(case, connection, what):
    """After a Reject of an out-of-sequence Data-Out: the connection is dropped, or the task ends with CHECK
    CONDITION (ABORTED COMMAND) and the connection goes on (RFC 7143 §11.17.1: a Reject never ends a task)."""
    try:
        pdu = connection.receive_or_close(5)
    except socket.timeout:
        report(False, what, "neither a SCSI Response nor a drop within 5 s")
        return
    if pdu is None:
        report(True, what + " (connection dropped)")
        return
    ended = pdu.opcode == OP_SCSI_RESPONSE and pdu.u8(3) == 0x02 and len(pdu.data) > 4 and pdu.data[4] & 0x0F == 0x0B
    report(ended, what + " (task ended with ABORTED COMMAND)", describe(pdu))
    if ended:
        nop = connection.nop_out(data=b"still?")
        connection.send(nop)
        case.expect("  ... and the connection goes on", connection,
                    lambda answer: answer is not None and answer.opcode == OP_NOP_IN and answer.itt == nop.itt)


def login_failure_or_closed(pdu):
    return pdu is None or (pdu.opcode == OP_LOGIN_RESPONSE and login_status(pdu) >> 8 == 2)


def silent_then_alive(case, connection, what):
    """Nothing comes back within 1 s, and the connection still answers a NOP-Out."""
    try:
        pdu = connection.receive(timeout=1.0)
        report(False, what, "unexpected answer: %s" % describe(pdu))
        return
    except socket.timeout:
        pass
    except ConnectionClosed:
        report(False, what, "connection closed")
        return
    nop = connection.nop_out(data=b"ping")
    connection.send(nop)
    case.expect(what + " (then a NOP-Out is answered)", connection,
                lambda pdu: pdu is not None and pdu.opcode == OP_NOP_IN and pdu.itt == nop.itt)


def login_cases(case):
    def bad_opcode_first():
        c = case.connect()
        c.send(PDU(header(0x1F, immediate=True)))
        case.expect("before login: unknown opcode 0x1f drops the connection", c, closed)
        return c

    def scsi_before_login():
        c = case.connect()
        c.send(c.scsi_command(read10(0, 1), read=True, edtl=512))
        case.expect("before login: a SCSI Command drops the connection", c, closed)
        return c

    def oversize_login():
        c = case.connect()
        pdu = c.login_pdu({"InitiatorName": "iqn.x"})
        c.send_bytes(pdu.encode(data_length=0xFFFFFF))
        case.expect("login with DataSegmentLength 16 MiB (> 8192) drops the connection", c, closed)
        return c

    def huge_ahs_login():
        c = case.connect()
        pdu = c.login_pdu({"InitiatorName": "iqn.x", "SessionType": "Discovery"})
        pdu.ahs = bytes([0xFF]) * 1020
        c.send(pdu)
        case.expect("login with a 1020-byte garbage AHS fails with 0x0200 (AHS are for SCSI Commands only)", c,
                    login_failure(2, 0))
        return c

    def ten_thousand_keys():
        c = case.connect()
        text = b"".join(b"X-k%d=v\0" % index for index in range(10000))
        answer = None
        for offset in range(0, len(text), 8192):
            piece = text[offset:offset + 8192]
            last = offset + 8192 >= len(text)
            c.send(c.login_pdu(piece, transit=last, cont=not last))
            answer = c.receive_or_close(5)
            if answer is None or login_status(answer) != 0:
                break
        report(login_failure_or_closed(answer), "login text of 10,000 keys in continuation PDUs fails",
               describe(answer))
        return c

    def duplicate_keys():
        c = case.connect()
        keys = [("InitiatorName", "iqn.x"), ("SessionType", "Discovery"), ("MaxRecvDataSegmentLength", "8192"),
                ("MaxRecvDataSegmentLength", "4096"), ("HeaderDigest", "None"), ("HeaderDigest", "CRC32C")]
        c.send(c.login_pdu(text_keys(keys)))
        case.expect("login with duplicate keys fails with an initiator error", c, login_failure(2))
        return c

    def non_utf8():
        c = case.connect()
        c.send(c.login_pdu(b"InitiatorName=iqn.\xff\xfe\xc0\x80\0SessionType=Discovery\0"))
        case.expect("login with a non-UTF-8 value fails with an initiator error", c, login_failure(2))
        return c

    def oversize_value():
        c = case.connect()
        c.send(c.login_pdu(b"InitiatorName=iqn." + b"a" * 8000 + b"\0SessionType=Discovery\0"))
        case.expect("login with an 8000-byte InitiatorName fails or drops", c, login_failure_or_closed)
        return c

    def transit_and_continue():
        c = case.connect()
        pdu = c.login_pdu({"InitiatorName": "iqn.x", "SessionType": "Discovery"})
        pdu.header[1] |= 0x40
        c.send(pdu)
        case.expect("login with both T and C set fails with 0x0200", c, login_failure(2, 0))
        return c

    def bad_version():
        c = case.connect()
        pdu = c.login_pdu({"InitiatorName": "iqn.x", "SessionType": "Discovery"})
        pdu.header[2], pdu.header[3] = 7, 5
        c.send(pdu)
        case.expect("login with VersionMin 5 fails with 0x0205", c, login_failure(2, 5))
        return c

    def reserved_stage():
        c = case.connect()
        pdu = c.login_pdu({"InitiatorName": "iqn.x", "SessionType": "Discovery"}, csg=1, nsg=2)
        c.send(pdu)
        case.expect("login to the reserved stage 2 fails with an initiator error", c, login_failure(2))
        return c

    def no_initiator_name():
        c = case.connect()
        c.send(c.login_pdu({"SessionType": "Normal", "TargetName": case.target}))
        case.expect("login without InitiatorName fails with 0x0207", c, login_failure(2, 7))
        return c

    for body in (bad_opcode_first, scsi_before_login, oversize_login, huge_ahs_login, ten_thousand_keys,
                 duplicate_keys, non_utf8, oversize_value, transit_and_continue, bad_version, reserved_stage,
                 no_initiator_name):
        case.run(body.__name__, body)


def full_feature_cases(case):
    def unknown_opcode():
        c = case.logged_in()
        pdu = PDU(header(0x1F, immediate=True))
        put32(pdu.header, 16, 77)
        c.send(pdu)
        case.expect("full feature: unknown opcode 0x1f is rejected (0x05)", c, reject(REJECT_COMMAND_NOT_SUPPORTED))
        return c

    def target_opcode():
        c = case.logged_in()
        c.send(PDU(header(OP_SCSI_RESPONSE)))
        case.expect("full feature: a target opcode (SCSI Response) is rejected (0x05)", c,
                    reject(REJECT_COMMAND_NOT_SUPPORTED))
        return c

    def login_in_full_feature():
        c = case.logged_in()
        c.send(c.login_pdu({"InitiatorName": "iqn.x", "SessionType": "Discovery"}))
        case.expect("full feature: a Login Request is rejected (protocol error 0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        return c

    def snack_at_erl0():
        c = case.logged_in()
        pdu = PDU(header(0x10, flags=0x80))
        c.send(pdu)
        case.expect("full feature: a SNACK at ErrorRecoveryLevel 0 is rejected (0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        return c

    def oversize_segment():
        c = case.logged_in()
        c.send_bytes(c.text_request(b"SendTargets=All\0").encode(data_length=0x100000))
        case.expect("full feature: DataSegmentLength 1 MiB (> MaxRecvDataSegmentLength) drops", c, closed)
        return c

    def huge_ahs_command():
        c = case.logged_in()
        pdu = c.scsi_command(read10(0, 1), read=True, edtl=512)
        pdu.ahs = bytes([0xFF]) * 1020
        c.send(pdu)
        case.expect("full feature: a SCSI Command with a 1020-byte garbage AHS is rejected (0x09)", c,
                    reject(REJECT_INVALID_PDU_FIELD))
        return c

    def ten_thousand_text_keys():
        c = case.logged_in()
        c.send(c.text_request(b"".join(b"k%d=v\0" % index for index in range(10000))[:65536]))
        case.expect("full feature: a Text Request with thousands of keys is rejected (0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        return c

    def non_utf8_text():
        c = case.logged_in()
        c.send(c.text_request(b"SendTargets=\xff\xfe\0"))
        case.expect("full feature: a Text Request with a non-UTF-8 value is rejected (0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        return c

    def unknown_text_ttt():
        c = case.logged_in()
        c.send(c.text_request(b"", ttt=0x1234))
        case.expect("full feature: a Text Request continuing an unknown TTT is rejected (0x09)", c,
                    reject(REJECT_INVALID_PDU_FIELD))
        return c

    def cmdsn_ahead():
        c = case.logged_in()
        c.send(c.scsi_command(read10(0, 1), read=True, edtl=512, cmd_sn=c.cmd_sn + 100000))
        silent_then_alive(case, c, "full feature: a command with CmdSN far beyond MaxCmdSN is ignored")
        return c

    def cmdsn_behind():
        c = case.logged_in()
        c.send(c.scsi_command(read10(0, 1), read=True, edtl=512, cmd_sn=c.cmd_sn - 5))
        silent_then_alive(case, c, "full feature: a command with an old CmdSN is ignored")
        return c

    def data_out_unknown_itt():
        c = case.logged_in()
        c.send(c.data_out(itt=0xABCDEF, ttt=1, data_sn=0, offset=0, data=b"x" * 512))
        case.expect("full feature: Data-Out for an unknown ITT is rejected (0x09)", c, reject(REJECT_INVALID_PDU_FIELD))
        return c

    def pending_write(c):
        """A WRITE(10) of 16 blocks with no immediate data: returns (command, r2t)."""
        command = c.scsi_command(write10(64, 16), write=True, edtl=16 * 512)
        c.send(command)
        r2t = c.receive(timeout=5)
        if r2t.opcode != OP_R2T:
            raise AssertionError("expected an R2T, got %s" % describe(r2t))
        return command, r2t

    def data_out_bad_ttt():
        c = case.logged_in()
        command, r2t = pending_write(c)
        c.send(c.data_out(command.itt, r2t.ttt ^ 0x5555, 0, 0, b"x" * 8192))
        case.expect("full feature: Data-Out with a wrong TTT is rejected (0x04)", c, reject(REJECT_PROTOCOL_ERROR))
        task_ended_after_reject(case, c, "  ... and its task ends")
        return c

    def data_out_bad_offset():
        c = case.logged_in()
        command, r2t = pending_write(c)
        c.send(c.data_out(command.itt, r2t.ttt, 0, 4096, b"x" * 4096))
        case.expect("full feature: Data-Out at a wrong BufferOffset is rejected (0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        task_ended_after_reject(case, c, "  ... and its task ends")
        return c

    def data_out_bad_data_sn():
        c = case.logged_in()
        command, r2t = pending_write(c)
        c.send(c.data_out(command.itt, r2t.ttt, 0, 0, b"x" * 4096, final=False))
        c.send(c.data_out(command.itt, r2t.ttt, 7, 4096, b"x" * 4096))
        case.expect("full feature: Data-Out with an out-of-order DataSN is rejected (0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        task_ended_after_reject(case, c, "  ... and its task ends")
        return c

    def data_out_overrun():
        c = case.logged_in()
        command, r2t = pending_write(c)
        c.send(c.data_out(command.itt, r2t.ttt, 0, 0, b"x" * (r2t.u32(44) + 512)))
        case.expect("full feature: Data-Out beyond the R2T's length is rejected (0x04)", c,
                    reject(REJECT_PROTOCOL_ERROR))
        task_ended_after_reject(case, c, "  ... and its task ends")
        return c

    def huge_edtl_read():
        c = case.logged_in()
        c.send(c.scsi_command(read10(0, 1), read=True, edtl=0xFFFFFFFF))
        pdu = c.receive_or_close(5)
        ok = pdu is not None and pdu.opcode == OP_DATA_IN and len(pdu.data) == 512 and pdu.flags & 0x03 == 0x03
        report(ok, "full feature: READ of 1 block with EDTL 4 GiB sends 512 bytes with an underflow", describe(pdu))
        return c

    def read_beyond_capacity():
        c = case.logged_in()
        cdb = bytes([0x88, 0]) + (0xFFFFFFFF0000).to_bytes(8, "big") + (0xFFFFFFFF).to_bytes(4, "big") + bytes(2)
        c.send(c.scsi_command(cdb, read=True, edtl=0xFFFFFFFF))
        pdu = c.receive_or_close(5)
        ok = pdu is not None and pdu.opcode == OP_SCSI_RESPONSE and pdu.u8(3) == 0x02
        report(ok, "full feature: READ(16) of 4G blocks past the end answers CHECK CONDITION", describe(pdu))
        return c

    def bogus_task_management():
        c = case.logged_in()
        h = header(0x02, immediate=True, flags=0x80 | 0x55)
        put32(h, 16, c.take_itt())
        put32(h, 20, RESERVED_TAG)
        put32(h, 24, c.cmd_sn)
        c.send(PDU(h))
        case.expect("full feature: task management function 0x55 answers 'not supported'", c,
                    lambda pdu: pdu is not None and pdu.opcode == OP_TASK_MANAGEMENT_RESPONSE and pdu.u8(2) == 5)
        return c

    def discovery_scsi():
        c = case.connect()
        response = c.login(discovery=True, isid=0x7777)
        if login_status(response) != 0:
            raise AssertionError("discovery login failed: 0x%04x" % login_status(response))
        c.send(c.scsi_command(read10(0, 1), read=True, edtl=512))
        case.expect("discovery session: a SCSI Command is rejected (0x04)", c, reject(REJECT_PROTOCOL_ERROR))
        c.send(c.text_request(b"SendTargets=All\0"))
        case.expect("  ... and SendTargets still answers", c,
                    lambda pdu: pdu is not None and pdu.opcode == OP_TEXT_RESPONSE and case.target.encode() in pdu.data)
        return c

    def peer_that_never_reads():
        c = case.logged_in()
        before = resident_kib(case.pid)
        c.sock.settimeout(3)
        sent = 0
        try:
            for _ in range(1000):
                c.send(c.scsi_command(read10(0, 2048), read=True, edtl=1 << 20))
                sent += 1
        except socket.timeout:
            pass
        time.sleep(1)
        growth = (resident_kib(case.pid) - before) // 1024
        report(growth < 64, "a peer sending 1 MiB READs that never reads its socket is held back "
               "(%d of 1000 commands sent, target RSS +%d MiB)" % (sent, growth), "RSS grew by %d MiB" % growth)
        return c

    bodies = [unknown_opcode, target_opcode, login_in_full_feature, snack_at_erl0, oversize_segment,
              huge_ahs_command, ten_thousand_text_keys, non_utf8_text, unknown_text_ttt, cmdsn_ahead,
              cmdsn_behind, data_out_unknown_itt, data_out_bad_ttt, data_out_bad_offset, data_out_bad_data_sn,
              data_out_overrun, huge_edtl_read, read_beyond_capacity, bogus_task_management, discovery_scsi]
    if case.pid:
        bodies.append(peer_that_never_reads)
    for body in bodies:
        case.run(body.__name__, body)


# -- the flood -----------------------------------------------------------------------------------------------


def flood_one(case, index, stats, lock):
    """One hostile connection: picks a behaviour from `index` and a seeded random generator."""
    rng = random.Random(index)
    kind = index % 6
    try:
        c = Connection(case.host, case.port, timeout=10)
    except OSError:
        with lock:
            stats["refused"] += 1
        return
    try:
        if kind == 0:  # random garbage
            c.send_bytes(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4096))))
        elif kind == 1:  # a truncated header, then hang up
            c.send_bytes(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 47))))
        elif kind == 2:  # a login header promising data that never comes
            pdu = c.login_pdu({"InitiatorName": "iqn.flood", "SessionType": "Discovery"})
            c.send_bytes(pdu.encode(data_length=8000)[: 48 + rng.randint(0, 100)])
        elif kind == 3:  # a login with random key text
            text = bytes(rng.choice(b"=\0abcXYZ\xff\x80") for _ in range(rng.randint(1, 8000)))
            c.send(c.login_pdu(text))
            c.receive_or_close(5)
        elif kind == 4:  # log in, then random headers with random opcodes and lengths
            c.isid = 0
            response = c.login(case.target, isid=0x20_0000_0000 + index)
            if login_status(response) == 0:
                for _ in range(rng.randint(1, 20)):
                    h = bytearray(rng.getrandbits(8) for _ in range(48))
                    h[4] = rng.choice([0, 0, 1, 255])
                    h[5:8] = rng.choice([0, 10, 512, 70000]).to_bytes(3, "big")
                    body = bytes(h[4] * 4 + int.from_bytes(h[5:8], "big"))[: rng.randint(0, 2048)]
                    c.send_bytes(bytes(h) + body)
        else:  # log in and start writes whose data never comes
            response = c.login(case.target, isid=0x30_0000_0000 + index)
            if login_status(response) == 0:
                for lba in range(0, 64 * rng.randint(1, 8), 64):
                    c.send(c.scsi_command(write10(lba, 64), write=True, edtl=64 * 512))
        with lock:
            stats["done"] += 1
    except (OSError, ConnectionClosed, AssertionError):
        with lock:
            stats["dropped"] += 1
    finally:
        c.close()


def flood(case, connections, parallel):
    stats = {"done": 0, "dropped": 0, "refused": 0}
    lock = threading.Lock()
    indices = iter(range(connections))
    index_lock = threading.Lock()

    def worker():
        while True:
            with index_lock:
                index = next(indices, None)
            if index is None:
                return
            flood_one(case, index, stats, lock)

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("INFO flood: %d connections (%d ran to the end, %d dropped by the target, %d refused)"
          % (connections, stats["done"], stats["dropped"], stats["refused"]))
    report(stats["refused"] == 0, "flood: every one of %d connections was accepted" % connections,
           "%d refused" % stats["refused"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portal", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--parallel", type=int, default=64)
    parser.add_argument("--target-pid", type=int, help="the target's PID, to watch its resident memory")
    parser.add_argument("action", choices=["cases", "flood"])
    args = parser.parse_args()
    case = Case(args)
    if args.action == "cases":
        login_cases(case)
        full_feature_cases(case)
    else:
        flood(case, args.connections, args.parallel)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
