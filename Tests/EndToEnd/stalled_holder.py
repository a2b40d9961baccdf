#!/usr/bin/env python3
"""A RESERVE(6) holder that stops reading its socket, for the reservations suite: the target must drop it when
its keepalive ping goes unanswered (nop_in_interval + nop_timeout) and release the reservation, however much of
its output the peer left untaken.

usage: stalled_holder.py HOST PORT TARGET DEADLINE
The holder logs in, takes RESERVE(6), then queues 1 MiB READs without reading a byte; a second initiator sees
RESERVATION CONFLICT, then retries RESERVE(6) once a second until it gets it or DEADLINE seconds pass.
Prints PASS/FAIL lines; exit status 0 when all passed.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdu_client import Connection, login_status, read10  # noqa: E402

RESERVE6 = bytes([0x16, 0, 0, 0, 0, 0])
RESERVATION_CONFLICT = 0x18


def main():
    host, port, target, deadline = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    results = []

    def report(ok, what):
        results.append(ok)
        print("%s %s" % ("PASS" if ok else "FAIL", what))

    holder = Connection(host, port)
    holder_login = holder.login(target, initiator="iqn.2016-06.io.test:stalled-holder", isid=0x80_0000_0101)
    report(login_status(holder_login) == 0, "the holder logs in")
    report(holder.execute(RESERVE6)[0] == 0, "the holder takes RESERVE(6)")
    holder.sock.settimeout(3)
    sent = 0
    try:
        for _ in range(1000):
            holder.send(holder.scsi_command(read10(0, 2048), read=True, edtl=1 << 20))
            sent += 1
    except socket.timeout:
        pass
    print("INFO the holder queued %d 1 MiB READs and reads nothing more" % sent)

    other = Connection(host, port)
    other_login = other.login(target, initiator="iqn.2016-06.io.test:other", isid=0x80_0000_0102)
    report(login_status(other_login) == 0, "another initiator logs in")
    report(other.execute(RESERVE6)[0] == RESERVATION_CONFLICT, "another initiator gets RESERVATION CONFLICT")
    start = time.monotonic()
    status = RESERVATION_CONFLICT
    while status != 0 and time.monotonic() - start < deadline:
        time.sleep(1)
        status = other.execute(RESERVE6)[0]
    report(status == 0, "the stalled holder is dropped and its reservation released within %.0f s (took %.1f s)"
           % (deadline, time.monotonic() - start))
    if status == 0:
        other.execute(bytes([0x17, 0, 0, 0, 0, 0]))
    other.logout()
    holder.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
