#!/usr/bin/python3
"""make compare: the stack machine against the register machine, on every Toy
program of the kit.

For each program: static instructions, code bytes and dispatches (from --stats),
and user CPU time with each dispatch loop (the median of 3 runs), for both
machines, with the register/stack ratio of each; then the totals.  Prints a
Markdown table and writes it, with the ratios as results.json and a gnuplot bar
chart of them, to build/compare/ at the top of the kit.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import charts

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = os.environ.get("KIT_BUILD", "build")   # make asan sets build-asan
OUT = ROOT / "build" / "compare"
MACHINES = {"stack": ROOT / "stage01-stackvm" / BUILD / "stackvm",
            "register": ROOT / "stage02-regvm" / BUILD / "regvm"}
REPEATS = 3


def programs() -> list:
    found = sorted((ROOT / "common" / "toy-examples").glob("*.toy"))
    found += sorted((ROOT / "tests" / "bench" / "programs").glob("*.toy"))
    # programs that stop with a run-time error measure nothing useful
    return [p for p in found if not p.with_suffix(".status").exists()]


def cpu_seconds(command: list) -> float:
    """User + system CPU time of one run of command (from the child's rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(vm: Path, program: Path) -> dict:
    stats = subprocess.run([vm, "run", "--stats", program], capture_output=True, text=True,
                           check=True).stderr.strip().split("\n")[-1]
    row = json.loads(stats)
    for dispatch in ("switch", "threaded"):
        times = [cpu_seconds([vm, "run", f"--dispatch={dispatch}", program])
                 for _ in range(REPEATS)]
        row[dispatch] = statistics.median(times)
    return row


def ratio(reg: float, stack: float) -> str:
    return f"{reg / stack:.2f}" if stack else "-"


def table(results: dict) -> str:
    head = ("| program | instructions (s / r) | code bytes (s / r) | dispatches (s / r) | "
            "switch s (s / r) | threaded s (s / r) |\n|---|---|---|---|---|---|\n")
    rows, totals = [], {m: {k: 0.0 for k in ("instructions", "code_bytes", "dispatches",
                                                "switch", "threaded")} for m in MACHINES}
    for name, by_machine in results.items():
        s, r = by_machine["stack"], by_machine["register"]
        cells = []
        for key, fmt in (("instructions", "{:,.0f}"), ("code_bytes", "{:,.0f}"),
                         ("dispatches", "{:,.0f}"), ("switch", "{:.3f}"), ("threaded", "{:.3f}")):
            cells.append(f"{fmt.format(s[key])} / {fmt.format(r[key])} "
                         f"({ratio(r[key], s[key])})")
            for m in MACHINES:
                totals[m][key] += by_machine[m][key]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    s, r = totals["stack"], totals["register"]
    rows.append("| **total** | " + " | ".join(
        f"{fmt.format(s[k])} / {fmt.format(r[k])} ({ratio(r[k], s[k])})"
        for k, fmt in (("instructions", "{:,.0f}"), ("code_bytes", "{:,.0f}"),
                       ("dispatches", "{:,.0f}"), ("switch", "{:.3f}"),
                       ("threaded", "{:.3f}"))) + " |")
    fewer = 1 - r["dispatches"] / s["dispatches"]
    verdict = (f"\nThe register machine executes {fewer:.0%} fewer dispatches than the stack "
               f"machine over the suite (goal: at least 45%: "
               f"{'met' if fewer >= 0.45 else 'NOT met'}), and takes "
               f"{r['switch'] / s['switch']:.2f}x the time with the switch loop, "
               f"{r['threaded'] / s['threaded']:.2f}x with the threaded loop.\n")
    return head + "\n".join(rows) + "\n" + verdict


def save_results(results: dict) -> None:
    """results.json (register / stack ratios, with the machine and date) and its chart."""
    saved = dict(charts.this_machine(), made_by="make compare", compare={
        name: {key: m["register"][key] / max(m["stack"][key], 1e-9)
               for key in ("dispatches", "code_bytes", "threaded")}
        for name, m in results.items()})
    (OUT / "results.json").write_text(json.dumps(saved, indent=1) + "\n")
    if not charts.have_gnuplot():
        print("compare: gnuplot is not installed: no chart (apt-get install gnuplot-nox)",
              file=sys.stderr)
        return
    charts.compare_chart(saved, OUT / "ratios.png")


def main() -> int:
    for vm in MACHINES.values():
        if not vm.exists():
            print(f"compare: error: {vm} is not built: run make", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for program in programs():
        print(f"compare: {program.name}", file=sys.stderr)
        name = program.stem if program.parent.name == "toy-examples" else f"bench/{program.stem}"
        results[name] = {m: measure(vm, program) for m, vm in MACHINES.items()}
    text = ("Stack machine (s) against register machine (r): each cell is stack / register "
            "(register/stack ratio). Times are CPU seconds, medians of "
            f"{REPEATS} runs.\n\n" + table(results))
    print(text)
    (OUT / "results.md").write_text(text)
    save_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
