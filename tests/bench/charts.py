"""The book's charts, drawn with gnuplot from a results file (JSON), and the
description of the machine that a results file records.

`make bench` and `make compare` write build/bench/results.json and
build/compare/results.json; the author's runs that the book quotes are kept in
book/results/.  A results file holds:

    {"machine": "AMD EPYC ... (2 cores), Linux 6.18, KVM: kvm_pvm",
     "date": "2026-12-01", "made_by": "make bench",
     "interpreters": {program: {system: median CPU seconds}},     (make bench)
     "compare": {program: {"dispatches": r/s, "code_bytes": r/s,
                           "threaded": r/s}}}                     (make compare)

Every chart says in its title whose machine and which date it shows, so that a
picture copied out of the book still says where it came from.
"""
import datetime
import os
import platform
import shutil
import subprocess
from pathlib import Path


def kvm_module() -> str:
    if not os.path.isdir("/sys/class/misc/kvm"):
        return "none"
    for name in ("kvm_intel", "kvm_amd", "kvm_pvm"):
        if os.path.isdir(f"/sys/module/{name}"):
            return name
    return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def this_machine() -> dict:
    """The fields a results file starts with, for a run made now, here."""
    return {"machine": f"{cpu_model()} ({os.cpu_count()} cores), Linux "
                       f"{platform.release()}, KVM: {kvm_module()}",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")}


def label(results: dict) -> str:
    return f"{results['machine']}, {results['date']}"


def have_gnuplot() -> bool:
    return shutil.which("gnuplot") is not None


def gnuplot(script: str) -> None:
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def interpreters_chart(results: dict, png: Path) -> None:
    """CPU time of each system relative to Lua 5.4, per program (log scale)."""
    table = results["interpreters"]
    systems = list(next(iter(table.values())))
    data = png.with_suffix(".dat")
    with data.open("w") as f:
        for program, row in table.items():
            f.write(program + " " + " ".join(f"{row[s] / row['Lua 5.4']:.4f}" for s in systems)
                    + "\n")
    plots = ", ".join(f"'{data}' using {i + 2}{':xtic(1)' if i == 0 else ''} title '{s}'"
                      for i, s in enumerate(systems))
    gnuplot(f"""set terminal pngcairo noenhanced size 1040,460
set output '{png}'
set title "CPU time relative to Lua 5.4 (below 1: faster than Lua)\\n{label(results)}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top
set logscale y
set grid ytics
plot {plots}, 1 notitle lc rgb 'black'
""")
    data.unlink()


def compare_chart(results: dict, png: Path) -> None:
    """Register machine / stack machine per program: dispatches, code, time."""
    data = png.with_suffix(".dat")
    with data.open("w") as f:
        for program, r in results["compare"].items():
            f.write(f"{program} {r['dispatches']:.4f} {r['code_bytes']:.4f} "
                    f"{r['threaded']:.4f}\n")
    gnuplot(f"""set terminal pngcairo noenhanced size 1040,460
set output '{png}'
set title "Register machine / stack machine, per program (below 1: the register machine does less)\\n{label(results)}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set yrange [0:*]
set key outside right top
set ytics 0.25
set grid ytics
set xtics rotate by -30
plot '{data}' using 2:xtic(1) title 'dispatches', '' using 3 title 'code bytes', \\
     '' using 4 title 'time (threaded)', 1 notitle lc rgb 'black'
""")
    data.unlink()


CHARTS = {"interpreters": interpreters_chart, "compare": compare_chart}
