#!/usr/bin/env python3
"""Session rules of a running target (issue 6), with our own PDU-level initiator: MaxSessions, session
reinstatement, connection reinstatement, joining a session (TSIH != 0), several connections in one session (MC/S)
and the NOP-In keepalive that drops dead peers.

Prints one line per check, `PASS <what>` or `FAIL <what>: <detail>`; exits 1 if any check failed.

  session_rules.py --portal 127.0.0.1:3260 --target iqn.2016-06.io.spdk:disk1 max-sessions --max 4
  session_rules.py --portal ... --target ... reinstatement
  session_rules.py --portal ... --target ... reinstatement-race --rounds 60
  session_rules.py --portal ... --target ... keepalive --interval 1 --timeout 2
  session_rules.py --portal ... --target ... multi-connection --max-connections 3 --rpc "iscsi-rpc -s SOCK"
"""
import argparse
import json
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time

from pdu_client import (OP_ASYNC, OP_LOGOUT_RESPONSE, OP_NOP_IN, OP_SCSI_RESPONSE, RESERVED_TAG, Connection,
                        ConnectionClosed, login_status, pattern, read10, write10)

FAILURES = 0
RULES_INITIATOR = "iqn.2016-06.io.test:rules"


def report(ok, what, detail=""):
    global FAILURES
    if ok:
        print("PASS %s" % what)
    else:
        FAILURES += 1
        print("FAIL %s: %s" % (what, detail))
    sys.stdout.flush()


class Target:
    def __init__(self, args):
        self.host, port = args.portal.rsplit(":", 1)
        self.port = int(port)
        self.name = args.target

    def login(self, isid, discovery=False, tsih=0, initiator=RULES_INITIATOR):
        connection = Connection(self.host, self.port)
        response = connection.login(self.name, isid=isid, discovery=discovery, tsih=tsih, initiator=initiator)
        return connection, login_status(response)


def alive(connection):
    """Whether the connection still answers a NOP-Out."""
    try:
        nop = connection.nop_out(data=b"alive?")
        connection.send(nop)
        while True:
            pdu = connection.receive(timeout=5)
            if connection.answer_pings(pdu):
                continue
            return pdu.opcode == OP_NOP_IN and pdu.itt == nop.itt
    except (ConnectionClosed, OSError):
        return False


def max_sessions(target, limit):
    open_connections = []
    statuses = []
    for index in range(limit):
        connection, status = target.login(isid=0x10_0000_0000 + index, discovery=index % 2 == 1)
        open_connections.append(connection)
        statuses.append(status)
    report(all(status == 0 for status in statuses),
           "%d sessions (Normal and Discovery) up to max_sessions log in" % limit,
           "statuses %s" % ["0x%04x" % status for status in statuses])
    extra, status = target.login(isid=0x10_0000_0000 + limit)
    report(status == 0x0302, "session %d is refused with 0x0302 (out of resources)" % (limit + 1), "0x%04x" % status)
    report(extra.is_closed(5), "  ... and its connection is closed")
    extra.close()
    again, status = target.login(isid=0x10_0000_0000)
    report(status == 0, "reinstating an open session while all are taken succeeds", "0x%04x" % status)
    report(open_connections[0].is_closed(5), "  ... and closes the session it replaces")
    open_connections[0] = again
    report(alive(again), "  ... and the new session works")
    open_connections.pop(1).close()
    time.sleep(0.5)
    latecomer, status = target.login(isid=0x10_0000_0000 + limit + 1)
    report(status == 0, "once a session closes, a new one logs in", "0x%04x" % status)
    open_connections.append(latecomer)
    for connection in open_connections:
        connection.close()


def reinstatement(target):
    first, status = target.login(isid=0x23_0000_0001)
    report(status == 0, "first session logs in", "0x%04x" % status)
    other, status = target.login(isid=0x23_0000_0002)
    report(status == 0, "a session with another ISID logs in", "0x%04x" % status)
    second, status = target.login(isid=0x23_0000_0001)
    report(status == 0, "a new login with the same InitiatorName and ISID succeeds", "0x%04x" % status)
    report(first.is_closed(5), "  ... and the old session's connection is closed (session reinstatement)")
    report(alive(other), "  ... and the session with another ISID is untouched")
    report(alive(second), "  ... and the reinstated session works")
    stranger, status = target.login(isid=0x23_0000_0001, initiator="iqn.2016-06.io.test:someone-else")
    report(status == 0 and alive(second), "the same ISID from another initiator name is another session",
           "0x%04x" % status)

    joiner = Connection(target.host, target.port)
    response = joiner.login(target.name, isid=0x23_0000_0001, tsih=second.tsih, cid=1, initiator=RULES_INITIATOR)
    report(login_status(response) == 0x0206,
           "a second connection (CID 1) to a session of MaxConnections=1 (TSIH %d) gets 0x0206" % second.tsih,
           "0x%04x" % login_status(response))
    foreign = Connection(target.host, target.port)
    response = foreign.login(target.name, isid=0x23_0000_0001, tsih=second.tsih, initiator="iqn.2016-06.io.test:other")
    report(login_status(response) == 0x020A, "the same TSIH from another initiator name gets 0x020a",
           "0x%04x" % login_status(response))
    stale = Connection(target.host, target.port)
    response = stale.login(target.name, isid=0x23_0000_0001, tsih=(second.tsih + 1000) & 0xFFFF or 1,
                           initiator=RULES_INITIATOR)
    report(login_status(response) == 0x020A, "a login naming no open session (stale TSIH) gets 0x020a",
           "0x%04x" % login_status(response))
    report(alive(second), "  ... and the open session is untouched")

    replacement = Connection(target.host, target.port)
    response = replacement.login(target.name, isid=0x23_0000_0001, tsih=second.tsih, cid=0, initiator=RULES_INITIATOR)
    report(login_status(response) == 0 and replacement.tsih == second.tsih,
           "a login with the TSIH and CID of the open session reinstates the connection (same TSIH)",
           "0x%04x, TSIH %d" % (login_status(response), replacement.tsih))
    report(second.is_closed(5), "  ... and the old connection is closed")
    report(alive(replacement), "  ... and the session goes on over the new connection")
    for connection in (second, other, stranger, joiner, foreign, stale, replacement):
        connection.close()


RESERVE6 = bytes([0x16, 0, 0, 0, 0, 0])
RELEASE6 = bytes([0x17, 0, 0, 0, 0, 0])
RESERVATION_CONFLICT = 0x18


def reinstatement_race(target, rounds):
    """Session reinstatement while the old session holds RESERVE(6) and has a write waiting for Data-Out, the
    old connection left open or reset first (every third round); against -m 0x3 the new connection usually lands
    on the other event loop, so the old one closes there while the new session already runs. Even rounds: the
    reinstatement released the old session's reservation (another initiator port takes it at once). Odd rounds: the
    reservation the new session takes survives the old connection's close."""
    isid = 0x24_0000_0001
    checker, status = target.login(isid=0x24_0000_0002)
    report(status == 0, "another initiator port logs in to check the reservation", "0x%04x" % status)
    current, status = target.login(isid=isid)
    problems = []
    slowest = 0.0
    for index in range(rounds):
        status = current.execute(RESERVE6)[0]
        if status != 0:
            problems.append("round %d: the session's RESERVE(6) got 0x%02x" % (index, status))
        current.send(current.scsi_command(write10(0, 16), write=True, edtl=8192))
        reset = index % 3 == 2
        if reset:
            current.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            current.close()
        started = time.monotonic()
        new, status = target.login(isid=isid)
        slowest = max(slowest, time.monotonic() - started)
        if status != 0:
            problems.append("round %d: the reinstating login got 0x%04x" % (index, status))
            break
        if index % 2 == 0:
            status = checker.execute(RESERVE6)[0]
            if status != 0:
                problems.append("round %d: the old session's reservation outlived it (0x%02x)" % (index, status))
            checker.execute(RELEASE6)
        else:
            new.execute(RESERVE6)
            time.sleep(0.05)
            status = checker.execute(RESERVE6)[0]
            if status != RESERVATION_CONFLICT:
                problems.append("round %d: the new session's reservation was lost (0x%02x)" % (index, status))
                checker.execute(RELEASE6)
        if not reset and not current.is_closed(5):
            problems.append("round %d: the old connection stayed open" % index)
        current.close()
        current = new
    report(not problems, "%d reinstatements of a session holding RESERVE(6) with a write waiting for Data-Out: "
           "each login answered (slowest %.3f s), the old connection closed, the old reservation released, the new "
           "one kept" % (rounds, slowest), "; ".join(problems[:5]))
    report(alive(current), "  ... and the last session works")
    current.close()
    checker.close()


class MultiConnectionSession:
    """The connections of one session, sharing its CmdSN (each connection keeps its own StatSN)."""

    def __init__(self, target, isid, max_connections):
        self.target = target
        self.isid = isid
        self.max_connections = max_connections
        self.connections = {}
        self.cmd_sn = 1
        self.tsih = 0

    def add(self, cid):
        """Logs in a connection with `cid` (the first one opens the session); returns its login status and the
        connection, which the session closes with the others when it logged in."""
        connection = Connection(self.target.host, self.target.port)
        connection.cmd_sn = self.cmd_sn
        response = connection.login(self.target.name, isid=self.isid, tsih=self.tsih, cid=cid,
                                    initiator=RULES_INITIATOR, max_connections=self.max_connections)
        status = login_status(response)
        if status == 0:
            self.tsih = connection.tsih
            self.connections[cid] = connection
        return status, connection

    def send_write(self, cid, lba, data, cmd_sn=None):
        """Sends a one-PDU WRITE(10) (all of it immediate data) on connection `cid`; returns its ITT."""
        connection = self.connections[cid]
        if cmd_sn is None:
            cmd_sn = self.cmd_sn
            self.cmd_sn += 1
        command = connection.scsi_command(write10(lba, len(data) // 512), write=True, edtl=len(data), data=data,
                                          cmd_sn=cmd_sn)
        connection.send(command)
        return command.itt

    def response(self, cid, itt, timeout=5.0):
        """The status of the SCSI Response for `itt` on connection `cid`; None when none comes in time."""
        connection = self.connections[cid]
        try:
            while True:
                pdu = connection.receive(timeout=timeout)
                if connection.answer_pings(pdu):
                    continue
                if pdu.opcode == OP_SCSI_RESPONSE and pdu.itt == itt:
                    return pdu.u8(3)
        except (socket.timeout, ConnectionClosed):
            return None

    def execute(self, cid, cdb, read_length=0, write_data=None):
        connection = self.connections[cid]
        connection.cmd_sn = self.cmd_sn
        result = connection.execute(cdb, read_length=read_length, write_data=write_data)
        self.cmd_sn = connection.cmd_sn
        return result

    def logout(self, cid, reason, named_cid):
        """Sends a Logout Request on `cid` naming `named_cid`; returns the Logout Response code or None."""
        connection = self.connections[cid]
        connection.cmd_sn = self.cmd_sn
        connection.send(connection.logout_request(reason=reason, cid=named_cid))
        try:
            while True:
                pdu = connection.receive(timeout=5)
                if pdu.opcode == OP_LOGOUT_RESPONSE:
                    return pdu.u8(2)
        except (socket.timeout, ConnectionClosed):
            return None

    def close(self):
        for connection in self.connections.values():
            connection.close()


def listed_cids(rpc, tsih):
    """The CIDs iscsi_get_connections lists for session `tsih`."""
    output = subprocess.run(shlex.split(rpc) + ["iscsi_get_connections"], capture_output=True, text=True,
                            timeout=10).stdout
    return sorted(entry["cid"] for entry in json.loads(output) if entry.get("tsih") == tsih)


def closed_after_async_drop(connection):
    """Whether the connection gets an Async Message "all connections will be dropped" (event 3) or just closes."""
    try:
        while True:
            pdu = connection.receive(timeout=5)
            if pdu.opcode == OP_ASYNC and pdu.u8(36) == 3:
                return connection.is_closed(5)
    except ConnectionClosed:
        return True
    except socket.timeout:
        return False


def multi_connection(target, rpc, max_connections):
    session = MultiConnectionSession(target, isid=0x3C_0000_0001, max_connections=max_connections + 1)
    status, leading = session.add(0)
    negotiated = leading.negotiated.get("MaxConnections")
    report(status == 0 and negotiated == str(max_connections),
           "MaxConnections=%d offered, the target's %d answered" % (max_connections + 1, max_connections),
           "status 0x%04x, MaxConnections %s" % (status, negotiated))
    status, second = session.add(1)
    report(status == 0 and second.tsih == session.tsih, "a second connection (CID 1) joins the session (same TSIH)",
           "0x%04x" % status)
    cids = listed_cids(rpc, session.tsih)
    report(cids == [0, 1], "iscsi_get_connections lists both connections of the session", "CIDs %s" % cids)

    data = pattern(0x5A, 64 * 512)
    status, _, _ = session.execute(0, write10(2048, 64), write_data=data)
    status_read, read_back, _ = session.execute(1, read10(2048, 64), read_length=len(data))
    report(status == 0 and status_read == 0 and read_back == data,
           "a write on one connection reads back on the other", "statuses 0x%02x 0x%02x" % (status, status_read))

    old_second = session.connections.pop(1)
    status, second = session.add(1)
    report(status == 0 and old_second.is_closed(5),
           "a login with CID 1 again reinstates that connection (the old one is closed)", "0x%04x" % status)
    old_second.close()
    status, read_back, _ = session.execute(1, read10(2048, 64), read_length=len(data))
    report(alive(leading) and status == 0 and read_back == data,
           "  ... and the session goes on over both connections", "status 0x%02x" % status)

    for holder, filler in ((1, 0), (0, 1)):
        base = session.cmd_sn
        session.cmd_sn += 2
        first, second_data = pattern(holder * 16 + 1, 512), pattern(holder * 16 + 2, 512)
        later = session.send_write(holder, 4096, second_data, cmd_sn=base + 1)
        held = session.response(holder, later, timeout=0.5)
        report(held is None, "CmdSN %d on CID %d waits for the gap at CmdSN %d" % (base + 1, holder, base),
               "answered with status %r" % held)
        earlier = session.send_write(filler, 4096, first, cmd_sn=base)
        filled = session.response(filler, earlier)
        released = session.response(holder, later)
        report(filled == 0 and released == 0,
               "CID %d fills the gap: both writes answered on their own connection" % filler,
               "statuses %r %r" % (filled, released))
        _, read_back, _ = session.execute(filler, read10(4096, 1), read_length=512)
        report(read_back == second_data, "  ... and they ran in CmdSN order (the later write's data is on disk)")

    extra_statuses = []
    for cid in range(2, max_connections):
        status, _ = session.add(cid)
        extra_statuses.append(status)
    report(all(status == 0 for status in extra_statuses),
           "connections up to MaxConnections=%d join" % max_connections, "statuses %s" % extra_statuses)
    status, refused = session.add(max_connections)
    report(status == 0x0206, "connection %d is refused with 0x0206 (too many connections)" % (max_connections + 1),
           "0x%04x" % status)
    report(refused.is_closed(5), "  ... and closed")
    refused.close()

    last = max_connections - 1
    code = session.logout(last, reason=1, named_cid=last)
    report(code == 0 and session.connections.pop(last).is_closed(5),
           "logout reason 1 closes its own connection (CID %d)" % last, "response %r" % code)
    code = session.logout(0, reason=1, named_cid=1)
    report(code == 0 and session.connections.pop(1).is_closed(5),
           "logout reason 1 on CID 0 naming CID 1 closes CID 1", "response %r" % code)
    status, _, _ = session.execute(0, read10(2048, 8), read_length=4096)
    report(status == 0 and alive(leading), "  ... and the session goes on over CID 0", "status 0x%02x" % status)
    code = session.logout(0, reason=1, named_cid=7)
    report(code == 1, "logout reason 1 naming an unknown CID answers 1 (CID not found)", "response %r" % code)

    status, rejoined = session.add(1)
    report(status == 0, "a connection joins again after the logout", "0x%04x" % status)
    rejoined.sock.close()
    session.connections.pop(1)
    report(closed_after_async_drop(leading),
           "a connection that drops fails the session at ERL 0: the other one is told (Async event 3) and closed")
    session.close()

    ending = MultiConnectionSession(target, isid=0x3C_0000_0002, max_connections=max_connections)
    ending.add(0)
    status, follower = ending.add(1)
    code = ending.logout(0, reason=0, named_cid=0)
    report(status == 0 and code == 0 and follower.is_closed(5),
           "logout reason 0 closes the session: every connection of it", "status 0x%04x, response %r" % (status, code))
    ending.close()

    fresh, status = target.login(isid=0x3C_0000_0003)
    report(status == 0 and alive(fresh), "a new session works afterwards", "0x%04x" % status)
    fresh.close()


def answer_pings_until(connection, deadline, answered):
    """Reads `connection` until `deadline`, answering every NOP-In ping; counts them in answered[0]."""
    while time.monotonic() < deadline:
        try:
            pdu = connection.receive(timeout=max(0.1, deadline - time.monotonic()))
        except (socket.timeout, ConnectionClosed, OSError):
            return
        if connection.answer_pings(pdu):
            answered[0] += 1


def keepalive(target, interval, timeout):
    dead, status = target.login(isid=0x33_0000_0001)
    report(status == 0, "the peer that will stop answering logs in", "0x%04x" % status)
    healthy, status = target.login(isid=0x33_0000_0002)
    report(status == 0, "the healthy peer logs in", "0x%04x" % status)

    # The healthy peer answers every ping, from the start, while the other one stays silent.
    started = time.monotonic()
    answered = [0]
    pinger = threading.Thread(target=answer_pings_until,
                              args=(healthy, started + 2 * interval + timeout + 5, answered))
    pinger.start()
    ping = None
    try:
        ping = dead.receive(timeout=interval + 3)
    except (socket.timeout, ConnectionClosed):
        pass
    report(ping is not None and ping.opcode == OP_NOP_IN and ping.itt == RESERVED_TAG and ping.ttt != RESERVED_TAG,
           "an idle connection gets a NOP-In ping (ITT 0xffffffff) within %d s" % (interval + 3),
           repr(ping))
    closed = dead.is_closed(timeout + 4)
    report(closed, "a peer that does not answer the ping is dropped within nop_timeout (%d s) + 4 s" % timeout,
           "still open after %.1f s" % (time.monotonic() - started))
    pinger.join()
    report(answered[0] >= 1 and alive(healthy),
           "a peer that answers pings (%d answered) stays connected" % answered[0])
    status, data, _ = healthy.execute(read10(0, 8), read_length=4096)
    report(status == 0 and len(data) == 4096, "  ... and its reads work", "status 0x%02x" % status)
    dead.close()
    healthy.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portal", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--max", type=int, default=4, help="the target's max_sessions")
    parser.add_argument("--interval", type=int, default=1, help="the target's nop_in_interval")
    parser.add_argument("--timeout", type=int, default=2, help="the target's nop_timeout")
    parser.add_argument("--max-connections", type=int, default=2, help="the target's max_connections_per_session")
    parser.add_argument("--rpc", default="iscsi-rpc", help="the rpc client command, with its socket option")
    parser.add_argument("--rounds", type=int, default=60, help="reinstatement-race rounds")
    parser.add_argument("scenario", choices=["max-sessions", "reinstatement", "keepalive", "multi-connection",
                                             "reinstatement-race"])
    args = parser.parse_args()
    target = Target(args)
    try:
        if args.scenario == "max-sessions":
            max_sessions(target, args.max)
        elif args.scenario == "reinstatement":
            reinstatement(target)
        elif args.scenario == "reinstatement-race":
            reinstatement_race(target, args.rounds)
        elif args.scenario == "multi-connection":
            multi_connection(target, args.rpc, args.max_connections)
        else:
            keepalive(target, args.interval, args.timeout)
    except (AssertionError, ConnectionClosed, OSError, ValueError) as error:
        report(False, "the %s scenario runs to its end" % args.scenario, repr(error))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
