#!/usr/bin/env python3
"""Session rules of a running target (issue 6), with our own PDU-level initiator: MaxSessions, session
reinstatement, connection reinstatement, joining a session (TSIH != 0) and the NOP-In keepalive that drops dead peers.

Prints one line per check, `PASS <what>` or `FAIL <what>: <detail>`; exits 1 if any check failed.

  session_rules.py --portal 127.0.0.1:3260 --target iqn.2016-06.io.spdk:disk1 max-sessions --max 4
  session_rules.py --portal ... --target ... reinstatement
  session_rules.py --portal ... --target ... keepalive --interval 1 --timeout 2
"""
import argparse
import socket
import sys
import threading
import time

from pdu_client import OP_NOP_IN, RESERVED_TAG, Connection, ConnectionClosed, login_status, read10

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
    report(login_status(response) == 0x0208,
           "a second connection (CID 1) to an open session (TSIH %d) gets 0x0208" % second.tsih,
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
    parser.add_argument("scenario", choices=["max-sessions", "reinstatement", "keepalive"])
    args = parser.parse_args()
    target = Target(args)
    if args.scenario == "max-sessions":
        max_sessions(target, args.max)
    elif args.scenario == "reinstatement":
        reinstatement(target)
    else:
        keepalive(target, args.interval, args.timeout)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
