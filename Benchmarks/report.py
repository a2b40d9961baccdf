"""Summarises Benchmarks/run's results: medians per target and workload, ratios ours/tgt.

    python3 Benchmarks/report.py RESULTS.tsv REPORT.md [CHART.png] [DESCRIPTION]

RESULTS.tsv lines are `target<TAB>workload<TAB>value<TAB>cpu-us-per-io<TAB>wakeups-per-io<TAB>
run-queue-wait-us-per-io` (memory lines carry resident and peak KiB instead). The table is printed and replaces the part of REPORT.md between the
"benchmark results" markers (appended when missing). The chart (IOPS against queue depth, and target
CPU per I/O) is drawn only when a path is given and matplotlib is installed.
"""

import re
import statistics
import sys

BEGIN = "<!-- benchmark results: begin (written by Benchmarks/run) -->"
END = "<!-- benchmark results: end -->"
MAIN_WORKLOADS = ["read-4k-qd32", "read-128k-qd16", "write-4k-qd32", "read-4k-qd32-hd"]
GOALS = {"read-4k-qd32": 5.0, "read-128k-qd16": 5.5, "write-4k-qd32": 3.2}


def load(path):
    iops, cpu, wakeups, waits, memory, idle = {}, {}, {}, {}, {}, {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 3:
            continue
        target, workload = fields[0], fields[1]
        if workload == "memory-kib":
            memory.setdefault(target, []).append(float(fields[2]) / 1024)
            continue
        if workload == "loop-share-m3":
            idle.setdefault("loop-share", []).append(fields[2])
            continue
        if workload == "idle-cpu-percent":
            if fields[2] != "nan":
                idle.setdefault(target, []).append(float(fields[2]))
            continue
        if fields[2] not in ("nan", ""):
            iops.setdefault((workload, target), []).append(float(fields[2]))
        if len(fields) > 3 and fields[3] not in ("nan", ""):
            cpu.setdefault((workload, target), []).append(float(fields[3]))
        if len(fields) > 4 and fields[4] not in ("nan", ""):
            wakeups.setdefault((workload, target), []).append(float(fields[4]))
        if len(fields) > 5 and fields[5] not in ("nan", ""):
            waits.setdefault((workload, target), []).append(float(fields[5]))
    return iops, cpu, wakeups, waits, memory, idle


def median(values):
    return statistics.median(values) if values else None


def number(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if digits else f"{round(value):,}"


def busy_percent(iops, cpu):
    """The target's CPU use in percent of one core: IOPS × CPU per I/O."""
    if iops is None or cpu is None:
        return None
    return iops * cpu / 1e4


def table(iops, cpu, wakeups, waits, memory, idle, description):
    depths = sorted(
        {int(w[len("read-4k-qd"):]) for (w, _) in iops if re.fullmatch(r"read-4k-qd\d+", w)}
    )
    lines = [
        f"Measured {description}.",
        "",
        "| workload | ours IOPS | tgt IOPS | ours/tgt | goal | ours CPU µs/I/O | tgt CPU µs/I/O "
        "| ours busy % | tgt busy % | ours wake-ups/I/O | tgt wake-ups/I/O | ours wait µs/I/O | tgt wait µs/I/O |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    others = sorted({w for (w, _) in iops if w not in MAIN_WORKLOADS and not re.fullmatch(r"read-4k-qd\d+", w)})
    for workload in MAIN_WORKLOADS + others + [f"read-4k-qd{d}" for d in depths if d != 32]:
        ours, tgt = median(iops.get((workload, "ours"), [])), median(iops.get((workload, "tgt"), []))
        if ours is None and tgt is None:
            continue
        ratio = f"{ours / tgt:.2f}×" if ours and tgt else "-"
        goal = f"≥ {GOALS[workload]}×" if workload in GOALS else ""
        ours_cpu, tgt_cpu = median(cpu.get((workload, "ours"), [])), median(cpu.get((workload, "tgt"), []))
        lines.append(
            f"| {workload} | {number(ours)} | {number(tgt)} | {ratio} | {goal} "
            f"| {number(ours_cpu, 2)} | {number(tgt_cpu, 2)} "
            f"| {number(busy_percent(ours, ours_cpu))} | {number(busy_percent(tgt, tgt_cpu))} "
            f"| {number(median(wakeups.get((workload, 'ours'), [])), 3)} "
            f"| {number(median(wakeups.get((workload, 'tgt'), [])), 3)} "
            f"| {number(median(waits.get((workload, 'ours'), [])), 1)} "
            f"| {number(median(waits.get((workload, 'tgt'), [])), 1)} |"
        )
    digest_on = median(iops.get(("read-4k-qd32-hd", "ours"), []))
    digest_off = median(iops.get(("read-4k-qd32", "ours"), []))
    lines.append("")
    if digest_on and digest_off:
        lines.append(f"- HeaderDigest CRC32C (`-H`) on ours: {digest_on / digest_off:.2f} of the IOPS with digests off.")
    busy = [w for w in others if re.fullmatch(r"sessions-\d+-busy", w)]
    for alone in busy:
        crowded = next((w for w in others if w.startswith(alone + "-")), None)
        a, c = median(iops.get((alone, "ours"), [])), median(iops.get((crowded, "ours"), []))
        if a and c:
            lines.append(f"- {crowded}: {c / a:.2f} of the IOPS of the busy sessions alone (goal ≥ 0.90).")
    one, two = median(iops.get(("read-4k-qd32-x2-m1", "ours"), [])), median(iops.get(("read-4k-qd32-x2-m3", "ours"), []))
    if one and two:
        shares = ", ".join(idle.get("loop-share", []))
        lines.append(
            f"- Two sessions on two loops (`-m 0x3`) against one loop (`-m 0x1`): {two / one:.2f}×; "
            f"each loop's share of the target's loop CPU with `-m 0x3`: {shares}."
        )
    for target in ("ours", "tgt"):
        if target in idle:
            lines.append(f"- {target}: {number(median(idle[target]), 1)} % CPU when idle (3 s after start).")
        if target in memory:
            rss = [m for m in memory[target][0::2]]
            lines.append(f"- {target}: resident memory after the runs {number(median(rss), 1)} MiB.")
    return "\n".join(lines) + "\n", depths


def write_report(path, text):
    try:
        current = open(path).read()
    except FileNotFoundError:
        current = ""
    block = f"{BEGIN}\n{text}{END}\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        current = head + block + tail
    else:
        current = current + ("\n" if current else "") + block
    open(path, "w").write(current)


def chart(path, iops, cpu, depths):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart")
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for target, style in (("ours", "o-"), ("tgt", "s--")):
        points = [(d, median(iops.get((f"read-4k-qd{d}", target), []))) for d in depths]
        points = [(d, v) for d, v in points if v]
        if points:
            left.plot([d for d, _ in points], [v for _, v in points], style, label=target)
        points = [(d, median(cpu.get((f"read-4k-qd{d}", target), []))) for d in depths]
        points = [(d, v) for d, v in points if v]
        if points:
            right.plot([d for d, _ in points], [v for _, v in points], style, label=target)
    for axis, title, unit in ((left, "4 KiB random reads", "IOPS"), (right, "target CPU per I/O", "µs")):
        axis.set_xscale("log", base=2)
        axis.set_xticks(depths, [str(d) for d in depths])
        axis.set_xlabel("queue depth")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    print(f"chart: {path}")


def main():
    results, report = sys.argv[1], sys.argv[2]
    chart_path = sys.argv[3] if len(sys.argv) > 3 else ""
    description = sys.argv[4] if len(sys.argv) > 4 else "on this machine"
    iops, cpu, wakeups, waits, memory, idle = load(results)
    text, depths = table(iops, cpu, wakeups, waits, memory, idle, description)
    print()
    print(text)
    write_report(report, text)
    if chart_path and depths:
        chart(chart_path, iops, cpu, depths)


main()
