"""Summarises Benchmarks/rbd's results: medians per target and workload, ours against rbd bench and tgt-rbd.

    python3 Benchmarks/rbd_report.py RESULTS.tsv REPORT.md [DESCRIPTION]

RESULTS.tsv lines are `target<TAB>workload<TAB>IOPS<TAB>cpu-us-per-io`, targets `ours`, `tgt` and `rbd-bench`.
The table is printed and replaces the part of REPORT.md between the "rbd benchmark results" markers (appended,
under an "RBD LUNs" heading, when missing).
"""

import statistics
import sys

BEGIN = "<!-- rbd benchmark results: begin (written by Benchmarks/rbd) -->"
END = "<!-- rbd benchmark results: end -->"
WORKLOADS = ["read-4k-qd32", "write-4k-qd32", "read-128k-qd16"]
TARGETS = ["rbd-bench", "ours", "tgt"]


def load(path):
    iops, cpu = {}, {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 4:
            continue
        target, workload, value, per_io = fields[:4]
        if value not in ("nan", ""):
            iops.setdefault((workload, target), []).append(float(value))
        if per_io not in ("nan", ""):
            cpu.setdefault((workload, target), []).append(float(per_io))
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
        per_io = [number(median(cpu.get((workload, t), [])), 1) for t in TARGETS]
        lines.append(
            f"| {workload} | {' | '.join(cells)} | {ratio(values['ours'], values['rbd-bench'])} "
            f"| {ratio(values['ours'], values['tgt'])} | {' | '.join(per_io)} |"
        )
    lines += [
        "",
        "Goal (issue 10): ours within 5% of rbd bench (≥ 0.95×) for reads and ≥ 1.2× tgt-rbd at every point.",
    ]
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
