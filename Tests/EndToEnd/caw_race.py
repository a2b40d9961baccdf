"""COMPARE AND WRITE through two gateways of one RBD image at the same instant, round after round.

    caw_race.py HOST PORT_A PORT_B TARGET ROUNDS

Each round sends one COMPARE AND WRITE (16) of block 100 through each gateway, both expecting the block's current
content and each writing a different new one, and only then reads the two answers: an atomic compare-and-write
lets exactly one win (GOOD) and the other MISCOMPARE (sense key 0xE). Emulated in each gateway (read, compare,
write), both would read the old content and both would win. Both gateways must then read the winner's data.
Prints one line per failed round and a summary; exit status 0 when every round had exactly one winner.
"""
import sys

from pr_client import Session, read10

BLOCK = 512
LBA = 100
GOOD = 0x00
CHECK_CONDITION = 0x02
MISCOMPARE = 0x0E


def compare_and_write16(lba):
    return bytes([0x89, 0]) + lba.to_bytes(8, "big") + bytes([0, 0, 0, 1, 0, 0])


def sense_key(sense):
    return sense[2] & 0x0F if len(sense) > 2 else None


def main(argv):
    host, port_a, port_b, target, rounds = argv
    gateways = {
        "A": Session(host, int(port_a), target, "iqn.2016-06.io.spdk:caw-a", 0x23D0000A1),
        "B": Session(host, int(port_b), target, "iqn.2016-06.io.spdk:caw-b", 0x23D0000B1),
    }
    for session in gateways.values():
        session.ready()
    status, current = gateways["A"].command(read10(LBA), read_length=BLOCK)
    if status != GOOD or len(current) != BLOCK:
        print(f"READ through A: status 0x{status:02x}, {len(current)} bytes")
        return 1
    failed = 0
    for round_ in range(int(rounds)):
        proposals = {name: bytes([(2 * round_ + index) % 251 + 1]) * BLOCK for index, name in enumerate(gateways)}
        tags = {
            name: session.send_command(compare_and_write16(LBA), current + proposals[name])
            for name, session in gateways.items()
        }
        answers = {}
        for name, session in gateways.items():
            _, status, _, _, sense = session.receive(tags[name])
            answers[name] = (status, sense_key(sense))
        winners = [name for name, answer in answers.items() if answer == (GOOD, None)]
        losers = [name for name, answer in answers.items() if answer == (CHECK_CONDITION, MISCOMPARE)]
        if len(winners) != 1 or len(losers) != 1:
            failed += 1
            print(f"round {round_}: {answers} (one GOOD and one MISCOMPARE expected)")
            # Resynchronise on what is stored now.
            _, current = gateways["A"].command(read10(LBA), read_length=BLOCK)
            continue
        current = proposals[winners[0]]
        for name, session in gateways.items():
            status, stored = session.command(read10(LBA), read_length=BLOCK)
            if status != GOOD or stored != current:
                failed += 1
                print(f"round {round_}: {name} reads status 0x{status:02x}, not the winner's ({winners[0]}) data")
    print(f"{rounds} rounds, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
