#!/usr/bin/python3
"""make bench: every stage measured against what a user would pick instead, in one run.

Prints Markdown tables and writes them, with charts, to build/bench/ at the top of
the kit.  Times are CPU seconds (user + system, from the child's rusage): the median
of REPEATS runs, with the fastest and slowest to show the machine's noise.  The
interpreters run in rounds, every system once per round, so that a slow spell of a
shared machine lands on all of them alike rather than on one system's runs.
BENCH_QUICK=1 shrinks every size and runs each once (for a quick look, and the tests).
"""
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = os.environ.get("KIT_BUILD", "build")   # make asan sets build-asan
PROGRAMS = Path(__file__).resolve().parent / "programs"
OUT = ROOT / "build" / "bench"
QUICK = os.environ.get("BENCH_QUICK") == "1"
REPEATS = 1 if QUICK else 5
QUICK_SIZES = {"fib": 22, "loop": 100000, "sieve": 1, "nested": 200}
STACKVM = ROOT / "stage01-stackvm" / BUILD / "stackvm"
REGVM = ROOT / "stage02-regvm" / BUILD / "regvm"
KVM_HELLO = ROOT / "stage03-kvm-hello" / BUILD / "kvm-hello"
GUESTS = ROOT / "stage03-kvm-hello" / BUILD / "guests"
STAGE4 = ROOT / "stage04-kvm-linux"
KVM_LINUX = STAGE4 / BUILD / "kvm-linux"
GUEST_APPEND = "console=ttyS0 reboot=k panic=-1 8250.nr_uarts=1 i8042.noaux quiet run=true"


def progress(text):
    print(f"bench: {text}", file=sys.stderr, flush=True)


def sized(path: Path, workdir: Path) -> Path:
    """The program itself, or under BENCH_QUICK a copy with its SIZE line shrunk."""
    if not QUICK:
        return path
    text = re.sub(r"(=\s*)\d+(.*SIZE)", rf"\g<1>{QUICK_SIZES[path.stem]}\g<2>",
                  path.read_text())
    copy = workdir / path.name
    copy.write_text(text)
    return copy


def cpu_seconds(command) -> tuple:
    """Runs command once: (CPU seconds, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                            check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result.stdout


def summary(runs: list) -> dict:
    """The median, fastest and slowest of (seconds, stdout) runs, and the output."""
    times = [t for t, _ in runs]
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "output": runs[0][1]}



# --- 1. the interpreters against Lua, Python and C ---------------------------

def systems(workdir: Path) -> dict:
    """Each system: how to run a program given its stem, or the reason it cannot."""
    found = {
        "stackvm switch": lambda p: [STACKVM, "run", "--dispatch=switch", sized(p.with_suffix(".toy"), workdir)],
        "stackvm threaded": lambda p: [STACKVM, "run", sized(p.with_suffix(".toy"), workdir)],
        "regvm switch": lambda p: [REGVM, "run", "--dispatch=switch", sized(p.with_suffix(".toy"), workdir)],
        "regvm threaded": lambda p: [REGVM, "run", sized(p.with_suffix(".toy"), workdir)],
        "Lua 5.4": lambda p: ["lua5.4", sized(p.with_suffix(".lua"), workdir)],
        "Python 3": lambda p: ["/usr/bin/python3", sized(p.with_suffix(".py"), workdir)],
        "C -O2": lambda p: [compile_c(sized(p.with_suffix(".c"), workdir), workdir)],
    }
    missing = {"Lua 5.4": "lua5.4", "Python 3": "/usr/bin/python3", "C -O2": "gcc"}
    return {name: (run if shutil.which(missing.get(name, "true")) else
                   f"skipped: {missing[name]} not installed") for name, run in found.items()}


def compile_c(source: Path, workdir: Path) -> Path:
    binary = workdir / source.stem
    subprocess.run(["gcc", "-O2", "-o", binary, source], check=True)
    return binary


def interpreters(workdir: Path) -> tuple:
    runners = systems(workdir)
    programs = sorted(PROGRAMS.glob("*.toy"))
    commands = {(program.stem, name): runner(program) for program in programs
                for name, runner in runners.items() if not isinstance(runner, str)}
    runs = {key: [] for key in commands}
    for round_number in range(1, REPEATS + 1):
        progress(f"round {round_number} of {REPEATS}: every program on every system")
        for key, command in commands.items():
            runs[key].append(cpu_seconds(command))
    table = {program.stem: {name: runner if isinstance(runner, str) else
                            summary(runs[(program.stem, name)])
                            for name, runner in runners.items()} for program in programs}
    lines = ["| program | " + " | ".join(runners) + " |",
             "|---|" + "---|" * len(runners)]
    for program, row in table.items():
        lua = row["Lua 5.4"]["median"] if isinstance(row["Lua 5.4"], dict) else None
        cells = []
        for name in runners:
            cell = row[name]
            if isinstance(cell, str):
                cells.append(cell)
                continue
            ratio = f" ({cell['median'] / lua:.2f}x)" if lua else ""
            cells.append(f"{cell['median']:.3f}{ratio} [{cell['min']:.3f}-{cell['max']:.3f}]")
        lines.append(f"| {program} | " + " | ".join(cells) + " |")
    return table, "\n".join(lines)


def verdicts(table: dict) -> str:
    out = []
    for program, row in table.items():
        outputs = {r["output"] for r in row.values() if isinstance(r, dict)}
        if len(outputs) != 1:
            out.append(f"- **{program}: the systems disagree on the output!** {outputs}")
    if any(isinstance(row["Lua 5.4"], str) for row in table.values()):
        return "\n".join(out + ["- Lua 5.4 is not installed: no verdict against it."])
    reg = {p: r["regvm threaded"]["median"] / r["Lua 5.4"]["median"] for p, r in table.items()}
    stack = {p: r["stackvm threaded"]["median"] / r["Lua 5.4"]["median"] for p, r in table.items()}
    beat = all(v < 1 for v in reg.values())
    out.append(f"- The register machine (threaded) beats Lua 5.4 on every benchmark: "
               f"**{'met' if beat else 'not met'}** (time / Lua: "
               + ", ".join(f"{p} {v:.2f}" for p, v in reg.items()) + ").")
    within = all(v <= 1.5 for v in stack.values())
    out.append(f"- The stack machine (threaded) within 1.5x of Lua 5.4: "
               f"**{'met' if within else 'not met'}** ("
               + ", ".join(f"{p} {v:.2f}" for p, v in stack.items()) + ").")
    for vm in ("stackvm", "regvm"):
        ratios = [r[f"{vm} threaded"]["median"] / r[f"{vm} switch"]["median"]
                  for r in table.values()]
        out.append(f"- {vm}: threaded / switch time, per program: "
                   + ", ".join(f"{x:.2f}" for x in ratios) + ".")
    return "\n".join(out)


def chart(table: dict) -> None:
    if shutil.which("gnuplot") is None or any(isinstance(r["Lua 5.4"], str)
                                              for r in table.values()):
        return
    names = [n for n in next(iter(table.values())) if isinstance(next(iter(table.values()))[n], dict)]
    data = OUT / "interpreters.dat"
    with data.open("w") as f:
        for program, row in table.items():
            lua = row["Lua 5.4"]["median"]
            f.write(program + " " + " ".join(f"{row[n]['median'] / lua:.4f}" for n in names) + "\n")
    plots = ", ".join(f"'{data}' using {i + 2}{':xtic(1)' if i == 0 else ''} title '{n}'"
                      for i, n in enumerate(names))
    script = f"""set terminal pngcairo size 900,420
set output '{OUT / "interpreters.png"}'
set title 'CPU time relative to Lua 5.4 (below 1: faster than Lua)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top
set logscale y
set grid ytics
plot {plots}, 1 notitle lc rgb 'black'
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


# --- 2. what one dispatch costs -----------------------------------------------

def dispatch_cost(table: dict, workdir: Path) -> str:
    lines = ["| machine and loop | ns per dispatch (fib) | instructions per dispatch (callgrind, fib small) |",
             "|---|---|---|"]
    valgrind = shutil.which("valgrind")
    for vm, path in (("stackvm", STACKVM), ("regvm", REGVM)):
        fib = sized(PROGRAMS / "fib.toy", workdir)
        stats = json.loads(subprocess.run([path, "run", "--stats", fib], capture_output=True,
                                          text=True, check=True).stderr.strip().split("\n")[-1])
        for loop in ("switch", "threaded"):
            ns = table["fib"][f"{vm} {loop}"]["median"] * 1e9 / stats["dispatches"]
            counted = "skipped: valgrind not installed"
            if valgrind:
                small = workdir / "fib_small.toy"
                small.write_text(re.sub(r"= \d+; // SIZE", "= 20; // SIZE",
                                        (PROGRAMS / "fib.toy").read_text()))
                runs = []
                for arg in ([], ["--max-steps", "1"]):   # the program, and start-up alone
                    result = subprocess.run([valgrind, "--tool=callgrind",
                                             "--callgrind-out-file=/dev/null", path, "run",
                                             f"--dispatch={loop}", "--stats", *arg, small],
                                            capture_output=True, text=True)
                    collected = re.search(r"Collected : (\d+)", result.stderr)
                    stats_line = re.search(r"^\{\"dispatches\".*\}$", result.stderr, re.M)
                    dispatches = json.loads(stats_line[0])["dispatches"]
                    runs.append((int(collected[1]), dispatches))
                per = (runs[0][0] - runs[1][0]) / (runs[0][1] - runs[1][1])
                counted = f"{per:.1f}"
            lines.append(f"| {vm} {loop} | {ns:.2f} | {counted} |")
    return "\n".join(lines)


# --- 3. stage 3: the cost of a VM exit ----------------------------------------

def kvm_costs(workdir: Path) -> str:
    getppid = workdir / "getppid"
    subprocess.run(["gcc", "-O2", "-o", getppid, Path(__file__).parent / "getppid.c"], check=True)
    syscall_ns = statistics.median(float(subprocess.run([getppid], capture_output=True, text=True,
                                                        check=True).stdout) for _ in range(5))
    if not (os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.W_OK)):
        return "\n".join([
            "/dev/kvm is missing or not writable here, so no VM exit was measured. (`make "
            "check-nested` runs stage 3 on kvm_amd inside QEMU's software emulation, where "
            "every exit is emulated twice over: its cost there says nothing about KVM's.)", "",
            "| measurement | median | min | max |", "|---|---|---|---|",
            "| one VM exit (ns) | skipped: no KVM here | | |",
            f"| one getppid() system call (ns) | {syscall_ns:.0f} | | |"])
    def stats(*args):
        return json.loads(subprocess.run([KVM_HELLO, "--stats", *args], capture_output=True,
                                         text=True, check=True).stderr.strip().split("\n")[-1])
    hello = [stats(GUESTS / "hello16")["total_ns"] / 1e6 for _ in range(5)]
    exits = 10000 if QUICK else 100000
    per_exit = [stats("--reg", f"cx={exits}", GUESTS / "exits")["guest_ns"] / exits
                for _ in range(REPEATS)]
    module = next((m for m in ("kvm_intel", "kvm_amd", "kvm_pvm")
                   if os.path.isdir(f"/sys/module/{m}")), "unknown")
    return "\n".join([
        f"KVM module: `{module}`.", "",
        "| measurement | median | min | max |", "|---|---|---|---|",
        f"| hello16: process start to guest HLT (ms) | {statistics.median(hello):.3f} | "
        f"{min(hello):.3f} | {max(hello):.3f} |",
        f"| one VM exit (ns; `exits` guest, {exits} port writes) | "
        f"{statistics.median(per_exit):.0f} | {min(per_exit):.0f} | {max(per_exit):.0f} |",
        f"| one getppid() system call (ns) | {syscall_ns:.0f} | | |",
        "", f"One VM exit costs about {statistics.median(per_exit) / syscall_ns:.0f} system calls here."])


# --- 4. stage 4: booting Linux ------------------------------------------------

def wall_seconds(command, timeout=600) -> tuple:
    """Runs command once with no input: (wall seconds, its result)."""
    start = time.monotonic()
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=timeout)
    return time.monotonic() - start, result


def spread(values: list, fmt: str = "{:.0f}") -> str:
    return " | ".join(fmt.format(v) for v in (statistics.median(values), min(values), max(values)))


def qemu_tcg_row(paths: dict) -> str:
    if not shutil.which("qemu-system-x86_64"):
        return "| QEMU TCG (software emulation): to init's end (ms) | skipped: not installed | | |"
    times = []
    for _ in range(REPEATS):
        seconds, result = wall_seconds(["qemu-system-x86_64", "-accel", "tcg", "-M", "pc",
                                        "-m", "128", "-nographic", "-nic", "none", "-no-reboot",
                                        "-kernel", paths["BZIMAGE"], "-initrd", paths["INITRAMFS"],
                                        "-append", GUEST_APPEND])
        if "staged-vms init: the command exited with status 0" not in result.stdout:
            return "| QEMU TCG (software emulation) | failed: init never ran | | |"
        times.append(seconds * 1000)
    return f"| QEMU TCG (software emulation): start to init's reboot (ms) | {spread(times)} |"


def nested_monitor_rows(paths: dict) -> list:
    """kvm-linux on the vmlinux, --stats each run, on kvm_amd nested in QEMU's
    software emulation (tests/nested/run.sh): its memory is its own; its times
    are those of a machine emulated twice over."""
    if QUICK:
        return ["| kvm-linux on kvm_amd nested in QEMU | skipped under BENCH_QUICK | | |"]
    boot = (f"{KVM_LINUX} --kernel {paths['VMLINUX']} --initrd {paths['INITRAMFS']} "
            "--cmdline run=true --timeout 300 --stats </dev/null >/dev/null")
    result = subprocess.run([ROOT / "tests" / "nested" / "run.sh", "sh", "-c",
                             f"for run in $(seq {REPEATS}); do {boot}; done"],
                            capture_output=True, text=True, timeout=1800)
    runs = [json.loads(line.strip()) for line in result.stdout.splitlines()
            if line.strip().startswith('{"end"')]
    if result.returncode != 0 or len(runs) != REPEATS:
        return ["| kvm-linux on kvm_amd nested in QEMU | failed: see build/nested/console.log "
                "| | |"]
    where = "kvm-linux on kvm_amd nested in QEMU"
    return [f"| {where}: monitor RSS excluding guest RAM (KiB; goal < 5120) | "
            f"{spread([r['monitor_rss_kib'] for r in runs])} |",
            f"| {where}: start to init running (ms; emulated twice over, not comparable) | "
            f"{spread([r['boot_to_init_ms'] for r in runs])} |"]


def monitor_rows(paths: dict) -> list:
    """kvm-linux on the vmlinux, --stats each run."""
    runs = []
    for _ in range(REPEATS):
        _, result = wall_seconds([KVM_LINUX, "--kernel", paths["VMLINUX"], "--initrd",
                                  paths["INITRAMFS"], "--cmdline", "run=true", "--timeout", "300",
                                  "--stats"])
        runs.append(json.loads(result.stderr.strip().split("\n")[-1]))
    rows = [f"| kvm-linux: monitor RSS excluding guest RAM (KiB; goal < 5120) | "
            f"{spread([r['monitor_rss_kib'] for r in runs])} |"]
    for key, name in (("kernel_first_output_ms", "kernel's first output"),
                      ("run_init_ms", "kernel's `Run /init`"),
                      ("boot_to_init_ms", "init running (boot timer)"),
                      ("total_ms", "the VM's end")):
        values = [r[key] for r in runs if r[key] is not None]
        rows.append(f"| kvm-linux: start to {name} (ms) | {spread(values)} |" if values else
                    f"| kvm-linux: start to {name} (ms) | never reached on this host | | |")
    return rows


def qemu_microvm_row(paths: dict) -> str:
    if not shutil.which("qemu-system-x86_64"):
        return "| QEMU microvm with KVM | skipped: not installed | | |"
    times = []
    for _ in range(REPEATS):
        seconds, result = wall_seconds(["qemu-system-x86_64", "-M", "microvm", "-enable-kvm",
                                        "-cpu", "host", "-m", "128", "-nodefaults",
                                        "-no-user-config", "-nographic", "-serial", "stdio",
                                        "-no-reboot", "-kernel", paths["VMLINUX"], "-initrd",
                                        paths["INITRAMFS"], "-append", GUEST_APPEND])
        if "staged-vms init: the command exited with status 0" not in result.stdout:
            return "| QEMU microvm with KVM | failed: init never ran | | |"
        times.append(seconds * 1000)
    return f"| QEMU microvm with KVM: start to init's reboot (ms) | {spread(times)} |"


def stage4_boot() -> str:
    made = subprocess.run(["make", "-s", "-C", STAGE4, "kernel-paths"], capture_output=True,
                          text=True, timeout=1800)
    if made.returncode != 0 or not KVM_LINUX.exists():
        return "skipped: the kit's kernel or kvm-linux could not be built (make -C stage04-kvm-linux)"
    paths = dict(line.split("=", 1) for line in made.stdout.split())
    module = next((m for m in ("kvm_intel", "kvm_amd", "kvm_pvm")
                   if os.path.isdir(f"/sys/module/{m}")), "")
    rows = ["| measurement | median | min | max |", "|---|---|---|---|"]
    if not os.path.isdir("/sys/class/misc/kvm"):
        note = ("This host's kernel offers no KVM device, so the monitor cannot run on it "
                "directly. It runs on kvm_amd nested in QEMU's software emulation (as `make "
                "check-nested` does), where its memory is measured as it would be anywhere "
                "and its times are not worth comparing; QEMU's software emulation of the "
                "same boot is the reference.")
        rows += nested_monitor_rows(paths)
    elif module == "kvm_pvm":
        note = ("This host's KVM is `kvm_pvm` (software): the kernel reaches `Run /init` "
                "and no userspace runs, and QEMU with KVM cannot boot at all, so QEMU's "
                "software emulation is the reference.")
        rows += monitor_rows(paths)
        rows.append("| QEMU microvm with KVM | cannot boot on kvm_pvm | | |")
    else:
        note = f"KVM module: `{module}`."
        rows += monitor_rows(paths)
        rows.append(qemu_microvm_row(paths))
    rows.append(qemu_tcg_row(paths))
    return "\n".join([note, "", *rows])


def main() -> int:
    for binary in (STACKVM, REGVM):
        if not binary.exists():
            print(f"bench: error: {binary} is not built: run make", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        table, interp_table = interpreters(workdir)
        sections = [
            "## 1. The interpreters against Lua 5.4, Python 3 and C",
            f"CPU seconds, median of {REPEATS} [fastest-slowest], and the ratio to Lua 5.4"
            + (" (BENCH_QUICK: small sizes)." if QUICK else "."), "", interp_table, "",
            verdicts(table), "",
            "## 2. What one dispatch costs", "", dispatch_cost(table, workdir), "",
            "## 3. Stage 3: a VM exit against a system call", "", kvm_costs(workdir), "",
            "## 4. Stage 4: booting Linux", "",
            "Wall-clock milliseconds, median of {} [fastest-slowest].".format(REPEATS), "",
            stage4_boot(),
        ]
        chart(table)
    text = "\n".join(sections) + "\n"
    print(text)
    (OUT / "results.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
