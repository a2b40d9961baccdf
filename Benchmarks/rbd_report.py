"""Summarises Benchmarks/rbd's results: medians per target and workload, ours against rbd bench and tgt-rbd.

    python3 Benchmarks/rbd_report.py RESULTS.tsv REPORT.md [DESCRIPTION]

RESULTS.tsv lines are `target<TAB>workload<TAB>IOPS<TAB>cpu-us-per-io[<TAB>osd-us-per-io<TAB>initiator-us-per-io]`,
targets `ours`, `tgt` and `rbd-bench`.
The table is printed and replaces the part of REPORT.md between the "rbd benchmark results" markers (appended,
under an "RBD LUNs" heading, when missing).
"""

import statistics
import sys

BEGIN = "<!-- rbd benchmark results: begin (written by Benchmarks/rbd) -->"
END = "<!-- rbd benchmark results: end -->"
WORKLOADS = ["read-4k-qd32", "write-4k-qd32", "read-128k-qd16"]
TARGETS = ["rbd-bench", "ours", "tgt"]


# The CPU columns of a result line after the IOPS: the target's (or rbd bench's), the OSD's, the initiator's.
PARTS = ["target", "osd", "initiator"]


def load(path):
    """IOPS per (workload, target), and CPU µs per I/O per (workload, target, part)."""
    iops, cpu = {}, {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 4:
            continue
        target, workload, value = fields[:3]
        if value not in ("nan", ""):
            iops.setdefault((workload, target), []).append(float(value))
        for part, per_io in zip(PARTS, fields[3:]):
            if per_io not in ("nan", ""):
                cpu.setdefault((workload, target, part), []).append(float(per_io))
    return iops, cpu


def median(values):
    return statistics.median(values) if values else None


def number(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if digits else f"{round(value):,}"


def ratio(numerator, denominator):
    return f"{numerator / denominator:.2f}×" if numerator and denominator else "-"


def table(iops, cpu, description):
    lines = [
        f"Measured {description}; medians of the rounds (every round's IOPS in brackets).",
        "",
        "| workload | rbd bench IOPS | ours IOPS | tgt-rbd IOPS | ours/rbd bench | ours/tgt-rbd "
        "| CPU µs/I/O rbd bench | ours | tgt-rbd |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for workload in WORKLOADS:
        values = {target: median(iops.get((workload, target), [])) for target in TARGETS}
        if not any(values.values()):
            continue
        rounds = {
            target: "/".join(number(v) for v in iops.get((workload, target), [])) for target in TARGETS
        }
        cells = [f"{number(values[t])} [{rounds[t]}]" for t in TARGETS]
        per_io = [number(median(cpu.get((workload, t, "target"), [])), 1) for t in TARGETS]
        lines.append(
            f"| {workload} | {' | '.join(cells)} | {ratio(values['ours'], values['rbd-bench'])} "
            f"| {ratio(values['ours'], values['tgt'])} | {' | '.join(per_io)} |"
        )
    lines += [
        "",
        "Goal (issue 10): ours within 5% of rbd bench (≥ 0.95×) for reads and ≥ 1.2× tgt-rbd at every point.",
        "",
        "Where the two cores go, CPU µs per I/O (medians): the client (rbd bench, or the gateway with its librados),",
        "the OSD, and the iSCSI initiator (iscsi-perf, qemu-img); 2 cores / IOPS is the CPU time each I/O can have.",
        "",
        "| workload | client | client µs | OSD µs | initiator µs | sum µs | 2 cores / IOPS µs |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {"rbd-bench": "rbd bench", "ours": "ours", "tgt": "tgt-rbd"}
    for workload in WORKLOADS:
        for target in TARGETS:
            parts = [median(cpu.get((workload, target, part), [])) for part in PARTS]
            rate = median(iops.get((workload, target), []))
            if parts[0] is None or rate is None:
                continue
            total = sum(part for part in parts if part is not None)
            cells = [number(part, 1) for part in parts] + [number(total, 1), number(2e6 / rate, 1)]
            lines.append(f"| {workload} | {names[target]} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    iops, cpu = load(sys.argv[1])
    description = sys.argv[3] if len(sys.argv) > 3 else "on this machine"
    text = table(iops, cpu, description)
    print(text)
    try:
        report = open(sys.argv[2]).read()
    except FileNotFoundError:
        report = ""
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in report and END in report:
        before, rest = report.split(BEGIN, 1)
        report = before + block + rest.split(END, 1)[1]
    else:
        report = report.rstrip("\n") + "\n\n## RBD LUNs (Benchmarks/rbd)\n\n" + block + "\n"
    with open(sys.argv[2], "w") as output:
        output.write(report)


if __name__ == "__main__":
    main()
