#!/usr/bin/python3
"""make bench: every stage measured against what a user would pick instead, in one run.

Prints Markdown tables and writes them, with the interpreters' numbers as
results.json and a chart of them, to build/bench/ at the top of the kit (a
BENCH_QUICK run to build/bench-quick/, so that the book never shows one).  Times are CPU seconds (user + system, from the child's rusage): the median
of REPEATS runs, with the fastest and slowest to show the machine's noise.  The
interpreters run in rounds, every system once per round, so that a slow spell of a
shared machine lands on all of them alike rather than on one system's runs.
BENCH_QUICK=1 shrinks every size and runs each once (for a quick look, and the tests).
`bench.py --interpreters` runs sections 1, 1b and 2 alone (a minute or two, no KVM).
"""
import json
import os
import re
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import charts

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = os.environ.get("KIT_BUILD", "build")   # make asan sets build-asan
PROGRAMS = Path(__file__).resolve().parent / "programs"
QUICK = os.environ.get("BENCH_QUICK") == "1"
OUT = ROOT / "build" / ("bench-quick" if QUICK else "bench")
REPEATS = 1 if QUICK else 5
QUICK_SIZES = {"fib": 22, "loop": 100000, "sieve": 1, "nested": 200, "topsum": 100000,
               "matrix": 20, "trial": 2000}
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
    """The program itself, or under BENCH_QUICK a copy with its SIZE line shrunk:
    the first number on the line that says SIZE."""
    if not QUICK:
        return path
    text = re.sub(r"^(.*?)\b\d+\b(.*SIZE)", rf"\g<1>{QUICK_SIZES[path.stem]}\g<2>",
                  path.read_text(), count=1, flags=re.M)
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
        # the stronger peers: LuaJIT's interpreter alone (its JIT off), a
        # register machine written in assembly; and Gforth's fastest engine,
        # threaded code with superinstructions and stack caching
        "LuaJIT -joff": lambda p: ["luajit", "-joff", sized(p.with_suffix(".lua"), workdir)],
        "gforth-fast": lambda p: ["gforth-fast", sized(p.with_suffix(".fs"), workdir)],
        "Python 3": lambda p: ["/usr/bin/python3", sized(p.with_suffix(".py"), workdir)],
        "C -O2": lambda p: [compile_c(sized(p.with_suffix(".c"), workdir), workdir)],
    }
    missing = {"Lua 5.4": "lua5.4", "LuaJIT -joff": "luajit", "gforth-fast": "gforth-fast",
               "Python 3": "/usr/bin/python3", "C -O2": "gcc"}
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


def median_of(row: dict, system: str):
    cell = row.get(system)
    return cell["median"] if isinstance(cell, dict) else None


def dispatches(vm: Path, program: Path, workdir: Path) -> int:
    stats = subprocess.run([vm, "run", "--stats", sized(program, workdir)], capture_output=True,
                           text=True, check=True).stderr.strip().split("\n")[-1]
    return json.loads(stats)["dispatches"]


# Chapter 1's superinstructions, each with the number of instructions it does
# in one dispatch: loadll is loadl loadl, jltlk is loadl push jlt.
FUSED = {"loadll": 2, "loadlk": 2, "loadgk": 2,
         **{f"j{test}{operands}": 3 for test in ("eq", "ne", "lt", "le", "gt", "ge")
            for operands in ("ll", "lk")}}


def stack_dispatches(program: Path, workdir: Path) -> tuple:
    """The stack machine's dispatches, from its --profile, and what they would
    be had it no superinstructions: each counted as the instructions it
    stands for, the plain stack code Shi et al. compared register code with."""
    profile = subprocess.run([STACKVM, "run", "--profile", sized(program, workdir)],
                             capture_output=True, text=True, check=True).stderr
    counts = [(int(count), name) for count, name in
              re.findall(r"^ *(\d+) +[\d.]+% +(\w+)$", profile, re.M)]
    return (sum(count for count, _ in counts),
            sum(count * FUSED.get(name, 1) for count, name in counts))


def peers(table: dict, workdir: Path) -> str:
    """Each machine against the strongest interpreter of its own kind, with the
    goals of issue 19: the register machine at most LuaJIT's interpreter's time,
    the stack machine at most 1.5 times Gforth's, both never slower than Lua
    5.4, and the register machine 45% fewer dispatches over the suite."""
    lines = ["| program | regvm | LuaJIT -joff | regvm / LuaJIT | stackvm | gforth-fast "
             "| stackvm / gforth | regvm dispatches / stackvm |",
             "|---|---|---|---|---|---|---|---|"]
    ratios = {"luajit": {}, "gforth": {}, "lua": {}}
    total = {"stack": 0, "reg": 0, "unfused": 0}
    for program, row in table.items():
        reg, stack = median_of(row, "regvm threaded"), median_of(row, "stackvm threaded")
        luajit, gforth, lua = (median_of(row, s) for s in ("LuaJIT -joff", "gforth-fast", "Lua 5.4"))
        source = PROGRAMS / f"{program}.toy"
        counts = {"reg": dispatches(REGVM, source, workdir)}
        counts["stack"], counts["unfused"] = stack_dispatches(source, workdir)
        for vm in total:
            total[vm] += counts[vm]
        cells = [f"{reg:.3f}", f"{luajit:.3f}" if luajit else "-",
                 f"{reg / luajit:.2f}" if luajit else "-", f"{stack:.3f}",
                 f"{gforth:.3f}" if gforth else "-", f"{stack / gforth:.2f}" if gforth else "-",
                 f"{counts['reg'] / counts['stack']:.2f}"]
        lines.append(f"| {program} | " + " | ".join(cells) + " |")
        if luajit:
            ratios["luajit"][program] = reg / luajit
        if gforth:
            ratios["gforth"][program] = stack / gforth
        if lua:
            ratios["lua"][program] = max(reg, stack) / lua

    def goal(text, values, limit):
        if len(values) < len(table):
            return f"- {text}: no verdict, a peer is not installed."
        met = all(v <= limit for v in values.values())
        return (f"- {text}: **{'met' if met else 'not met'}** ("
                + ", ".join(f"{p} {v:.2f}" for p, v in values.items()) + ").")
    fewer = 1 - total["reg"] / total["stack"]
    lines += ["", goal("The register machine at most LuaJIT -joff's time on every program",
                       ratios["luajit"], 1.0),
              goal("The stack machine at most 1.5x gforth-fast's time on every program",
                   ratios["gforth"], 1.5),
              goal("Neither machine slower than Lua 5.4 (the slower machine / Lua)",
                   ratios["lua"], 1.0),
              f"- The register machine executes at least 45% fewer dispatches than the stack "
              f"machine over these programs: **{'met' if fewer >= 0.45 else 'not met'}** "
              f"({fewer:.0%} fewer: {total['reg']:,} against {total['stack']:,}). "
              f"Against the stack machine without its superinstructions (each counted as "
              f"the instructions it stands for, the plain stack code of Shi et al.'s 47%): "
              f"{1 - total['reg'] / total['unfused']:.0%} fewer, against "
              f"{total['unfused']:,}."]
    return "\n".join(lines)


def save_results(table: dict, made_by: str) -> None:
    """results.json (the medians, with the machine and date) and its chart."""
    if any(isinstance(cell, str) for row in table.values() for cell in row.values()):
        return                      # a system is missing: nothing to chart
    results = dict(charts.this_machine(), made_by=made_by,
                   interpreters={program: {name: cell["median"] for name, cell in row.items()}
                                 for program, row in table.items()})
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    if charts.have_gnuplot():
        charts.interpreters_chart(results, OUT / "interpreters.png")


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
    return "\n".join([
        f"KVM module: `{kvm_module() or 'unknown'}`.", "",
        "| measurement | median | min | max |", "|---|---|---|---|",
        f"| hello16: process start to guest HLT (ms) | {statistics.median(hello):.3f} | "
        f"{min(hello):.3f} | {max(hello):.3f} |",
        f"| one VM exit (ns; `exits` guest, {exits} port writes) | "
        f"{statistics.median(per_exit):.0f} | {min(per_exit):.0f} | {max(per_exit):.0f} |",
        f"| one getppid() system call (ns) | {syscall_ns:.0f} | | |",
        "", f"One VM exit costs about {statistics.median(per_exit) / syscall_ns:.0f} system calls here."])


# --- 4. stage 4: booting Linux ------------------------------------------------

# What each boot is timed to, seen from outside as lines on the VM's console
# (so that kvm-linux and QEMU are timed alike), and the text that marks it.
MILESTONES = (("the kernel's first output (`Linux version`)", "Linux version"),
              ("the kernel's `Run /init`", "Run /init"),
              ("init running (its first line)", "staged-vms init: Linux"),
              ("the VM's end (init's reboot)", "staged-vms init: the command exited with status 0"))


def watch_boot(command, timeout) -> dict:
    """Runs a VM monitor with its console on a pipe, and notes, in milliseconds
    from its start, when each milestone's line first appears and when it ends.
    QEMU pauses a VM whose KVM_RUN fails and then waits forever: its report of
    the failure ends with the guest's code bytes, and then (or two seconds after
    the report began, should that line never come) it is stopped."""
    start = time.monotonic()
    proc = subprocess.Popen([str(c) for c in command], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    seen, text, stopped = {}, [], None
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        text.append(line)
        now = (time.monotonic() - start) * 1000
        for name, mark in MILESTONES:
            if name not in seen and mark in line:
                seen[name] = now
        if "KVM internal error" in line and stopped is None:
            stopped = now
            watchdog.cancel()
            watchdog = threading.Timer(2, proc.kill)
            watchdog.start()
        elif stopped is not None and line.startswith("Code="):
            proc.kill()
    proc.wait()
    watchdog.cancel()
    # The VM's end is the process's own exit after init's last line: a
    # process killed by the watchdog did not end.
    end = MILESTONES[-1][0]
    if end in seen and proc.returncode == 0:
        seen[end] = (time.monotonic() - start) * 1000
    else:
        seen.pop(end, None)
    run = {"seen": seen, "text": "".join(text), "stopped_ms": stopped}
    stats = run["text"].rfind('{"end"')
    if stats >= 0:
        run["stats"] = json.loads(run["text"][stats:].split("\n")[0])
    return run


def effective_cmdline(paths: dict) -> str:
    """The kernel command line kvm-linux builds for `run=true` (its own
    defaults, and on kvm_pvm the options that host needs), so that QEMU is
    given the very same one."""
    dry = subprocess.run([KVM_LINUX, "--kernel", paths["VMLINUX"], "--initrd",
                          paths["INITRAMFS"], "--cmdline", "run=true", "--dry-run"],
                         capture_output=True, text=True, check=True)
    return re.search(r"command line, \d+ bytes: (.*)", dry.stdout).group(1)


def qemu_stop_reason(run: dict) -> str:
    code = re.search(r"^Code=.*<(\w\w)>((?: \w\w){0,3})", run["text"], re.M)
    where = f" at the instruction bytes `{code.group(1)}{code.group(2)}`" if code else ""
    return f"stopped: KVM internal error{where}, {run['stopped_ms']:.0f} ms in"


def reached(runs: list, milestone: str) -> list:
    """The milestone's times, if every run reached it (else an empty list)."""
    times = [r["seen"][milestone] for r in runs if milestone in r["seen"]]
    return times if runs and len(times) == len(runs) else []


def boot_race(paths: dict, module: str) -> list:
    """kvm-linux against QEMU microvm with KVM, on the same kernel, initramfs
    and command line, in alternating runs: each milestone's time for both and
    the ratio; then the monitor's own memory from its --stats."""
    pvm = module == "kvm_pvm"
    # Under kvm_pvm's emulation a boot to `Run /init` takes minutes: fewer
    # rounds.  BENCH_QUICK gives each boot 30 seconds, whatever it reaches.
    rounds, timeout = (1, 30) if QUICK else (3, 600) if pvm else (REPEATS, 120)
    monitor = [KVM_LINUX, "--kernel", paths["VMLINUX"], "--initrd", paths["INITRAMFS"],
               "--cmdline", "run=true", "--timeout", str(timeout), "--stats"]
    # On kvm_pvm, QEMU's -cpu host aborts before the guest starts (it cannot
    # set the host's MSR 0x10a there); a plain model lets the kernel start.
    # microvm has no keyboard controller: without one, reboot=k spins in the
    # kernel's wait for it (1.5 s under TCG, far longer nested), so QEMU gets
    # an i8042 to reset through, as kvm-linux and Firecracker have.
    qemu = ["qemu-system-x86_64", "-M", "microvm", "-enable-kvm", "-cpu",
            "qemu64" if pvm else "host", "-device", "i8042", "-m", "128", "-nodefaults",
            "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot",
            "-kernel", paths["VMLINUX"], "-initrd", paths["INITRAMFS"],
            "-append", effective_cmdline(paths)]
    has_qemu = shutil.which("qemu-system-x86_64") is not None
    runs = {"kvm-linux": [], "QEMU": []}
    for _ in range(rounds):
        progress("stage 4: kvm-linux boots")
        runs["kvm-linux"].append(watch_boot(monitor, timeout + 10))
        if has_qemu:
            progress("stage 4: QEMU microvm boots")
            runs["QEMU"].append(watch_boot(qemu, timeout))
    rows = [f"Alternating runs, {rounds} of each, each given {timeout} s; milliseconds from "
            "the process's start to the line on the VM's console, median [fastest-slowest].",
            "",
            "| milestone | kvm-linux | QEMU microvm with KVM | QEMU / kvm-linux |",
            "|---|---|---|---|"]
    said_why = False
    for name, _ in MILESTONES:
        ours, theirs = reached(runs["kvm-linux"], name), reached(runs["QEMU"], name)
        if not has_qemu:
            qemu_cell = "skipped: not installed"
        elif theirs:
            qemu_cell = ranged(theirs)
        elif runs["QEMU"][0]["stopped_ms"] is not None and not said_why:
            qemu_cell, said_why = f"not reached ({qemu_stop_reason(runs['QEMU'][0])})", True
        else:
            qemu_cell = "not reached"
        ratio = (f"{statistics.median(theirs) / statistics.median(ours):.2f}x"
                 if ours and theirs else "")
        rows.append(f"| {name} | {ranged(ours) if ours else 'not reached'} | {qemu_cell} "
                    f"| {ratio} |")
    rss = [r["stats"]["monitor_rss_kib"] for r in runs["kvm-linux"] if "stats" in r]
    ends = sorted({r["stats"]["end"] for r in runs["kvm-linux"] if "stats" in r})
    rows += ["", "| kvm-linux, from its --stats | median | min | max |", "|---|---|---|---|",
             f"| monitor RSS excluding guest RAM (KiB; goal < 5120) | {spread(rss)} |"
             if rss else "| monitor RSS excluding guest RAM (KiB) | no --stats printed | | |",
             f"| how the VM ended | {', '.join(ends)} | | |"]
    return rows


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


def wall_seconds(command, timeout=600) -> tuple:
    """Runs command once with no input: (wall seconds, its result)."""
    start = time.monotonic()
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=timeout)
    return time.monotonic() - start, result


def ranged(values: list, fmt: str = "{:.0f}") -> str:
    """One cell: the median, then the fastest and slowest (or least and most)."""
    return (f"{fmt.format(statistics.median(values))} "
            f"[{fmt.format(min(values))}-{fmt.format(max(values))}]")


def spread(values: list, fmt: str = "{:.0f}") -> str:
    return " | ".join(fmt.format(v) for v in (statistics.median(values), min(values), max(values)))


RACE_BEGIN, RACE_END = "bench: the race's tables follow", "bench: the race's tables end"


def in_nested_vm(option: str, begin: str, end: str) -> list:
    """Runs `bench.py OPTION` on kvm_amd nested in QEMU's software emulation
    (tests/nested/run.sh) and returns its rows: they come back over the
    nested VM's serial console, between the two marker lines, with its CR LF
    line ends."""
    if QUICK:
        return ["Skipped under BENCH_QUICK (a nested run takes minutes)."]
    result = subprocess.run([ROOT / "tests" / "nested" / "run.sh", "/usr/bin/python3",
                             "tests/bench/bench.py", option],
                            capture_output=True, text=True, timeout=3600)
    lines = [line.rstrip("\r") for line in result.stdout.splitlines()]
    if result.returncode != 0 or begin not in lines or end not in lines:
        return ["The nested run failed: see build/nested/console.log."]
    return lines[lines.index(begin) + 1:lines.index(end)]


def nested_race() -> list:
    """The same race on kvm_amd nested, for a host that offers no KVM device."""
    return in_nested_vm("--stage4-race", RACE_BEGIN, RACE_END)


SMP_BEGIN, SMP_END = "bench: the vCPU table follows", "bench: the vCPU table ends"


def smp_boot(paths: dict) -> list:
    """The kit's kernel booted to init's end with 1, 2 and 4 vCPUs, in
    alternating rounds: --stats's boot_to_init_ms and the monitor's RSS."""
    boots = {cpus: [] for cpus in (1, 2, 4)}
    for _ in range(REPEATS):
        for cpus in boots:
            progress(f"stage 4: Linux on {cpus} vCPU{'s' if cpus > 1 else ''}")
            run = watch_boot([KVM_LINUX, "--kernel", paths["VMLINUX"], "--initrd",
                              paths["INITRAMFS"], "--cpus", str(cpus), "--cmdline", "run=true",
                              "--timeout", "300", "--stats"], 310)
            stats = run.get("stats", {})
            if stats.get("end") != "reboot" or stats.get("boot_to_init_ms") is None:
                return [f"kvm-linux --cpus {cpus} did not reach init and reboot: "
                        f"{run['text'].strip()[-300:]!r}"]
            boots[cpus].append(stats)
    return [f"The kit's kernel to init (`run=true`), {REPEATS} runs each, from the "
            "monitor's `--stats`:", "",
            "| vCPUs | to init (ms): median | min | max | monitor RSS (KiB): median | min "
            "| max |", "|---|---|---|---|---|---|---|",
            *(f"| {cpus} | {spread([s['boot_to_init_ms'] for s in runs])} "
              f"| {spread([s['monitor_rss_kib'] for s in runs])} |"
              for cpus, runs in boots.items())]


def nested_smp() -> list:
    """smp_boot() on kvm_amd nested, for a host whose KVM cannot start an
    application processor (kvm_pvm) or that has none."""
    rows = in_nested_vm("--stage4-smp", SMP_BEGIN, SMP_END)
    return ["On kvm_amd nested in QEMU's software emulation (`make check-nested`'s VM): "
            "every exit is emulated twice over, so compare the rows with each other, not "
            "with a real machine.", "", *rows]


def stage4_smp() -> str:
    paths = kit_kernel()
    if not paths:
        return "skipped: the kit's kernel or kvm-linux could not be built (make -C stage04-kvm-linux)"
    if kvm_module() in ("kvm_intel", "kvm_amd"):
        return "\n".join(smp_boot(paths))
    return "\n".join(nested_smp())


def kit_kernel() -> dict:
    """The kit's kernel and initramfs (built if need be), or {} if they cannot be."""
    made = subprocess.run(["make", "-s", "-C", STAGE4, "kernel-paths"], capture_output=True,
                          text=True, timeout=1800)
    if made.returncode != 0 or not KVM_LINUX.exists():
        return {}
    return dict(line.split("=", 1) for line in made.stdout.split())


def kvm_module() -> str:
    return next((m for m in ("kvm_intel", "kvm_amd", "kvm_pvm")
                 if os.path.isdir(f"/sys/module/{m}")), "")


def stage4_boot() -> str:
    paths = kit_kernel()
    if not paths:
        return "skipped: the kit's kernel or kvm-linux could not be built (make -C stage04-kvm-linux)"
    module = kvm_module()
    if not os.path.isdir("/sys/class/misc/kvm"):
        note = ("This host's kernel offers no KVM device, so neither monitor can run on it. "
                "Both run on kvm_amd nested in QEMU's software emulation (as `make "
                "check-nested` does): memory and exit counts there are as anywhere, but "
                "every exit is emulated twice over, so the times are not worth comparing "
                "with a real machine's.")
        race = nested_race()
    elif module == "kvm_pvm":
        note = ("This host's KVM is `kvm_pvm`: it emulates the guest kernel one instruction "
                "at a time and mis-delivers user programs' system calls, so kvm-linux "
                "reaches `Run /init` and no userspace runs (chapter 5). QEMU does not "
                "complete the instructions kvm_pvm cannot emulate, as kvm-linux does, so "
                "it stops where the table says.")
        race = boot_race(paths, module)
    else:
        note = f"KVM module: `{module}`."
        race = boot_race(paths, module)
    tcg = ["The software reference, QEMU without KVM (TCG) on the kit's bzImage, median of "
           f"{REPEATS}:", "", "| measurement | median | min | max |", "|---|---|---|---|",
           qemu_tcg_row(paths)]
    return "\n".join([note, "", *race, "", *tcg])


def spinning_guest(path: Path) -> Path:
    """A 64-bit ELF whose one segment, at 16 MiB, is `jmp .`: a guest that needs no
    Linux and runs until the monitor's --timeout, its other vCPUs waiting for a SIPI."""
    code, address, headers = b"\xeb\xfe", 0x1000000, 64 + 56   # ELF header, one segment's
    segment = struct.pack("<IIQQQQQQ", 1, 7, headers, address, address, len(code), 0x1000,
                          0x1000)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, address, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    path.write_bytes(header + segment + code)
    return path


def spinning_rss(command: list) -> int:
    """Runs kvm-linux on the spinning guest until its --timeout ends it and
    returns the monitor's RSS from --stats; raises RuntimeError, with
    kvm-linux's last words, if it ended any other way."""
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=120)
    if result.returncode != 1 or '"end": "timeout"' not in result.stderr:
        raise RuntimeError(result.stderr.strip()[-300:])
    return json.loads(result.stderr.strip().split("\n")[-1])["monitor_rss_kib"]


def vcpu_memory(workdir: Path) -> str:
    """kvm-linux's own RSS (its --stats, guest RAM excluded) with 1, 2 and 4 vCPUs."""
    if not (os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.W_OK)):
        return "/dev/kvm is missing or not writable here, so no vCPU was started."
    if not KVM_LINUX.exists():
        return "skipped: kvm-linux is not built (make -C stage04-kvm-linux)"
    guest = spinning_guest(workdir / "spin.elf")
    rss = {}
    for cpus in (1, 2, 4):
        progress(f"stage 4: RSS with {cpus} vCPU{'s' if cpus > 1 else ''}")
        try:
            rss[cpus] = [spinning_rss([KVM_LINUX, "--kernel", guest, "--cpus", str(cpus),
                                       "--timeout", "1", "--stats"]) for _ in range(REPEATS)]
        except RuntimeError as error:
            return f"kvm-linux --cpus {cpus} failed: {error}"
    per_vcpu = (statistics.median(rss[4]) - statistics.median(rss[1])) / 3
    devices = device_memory(guest, workdir)
    return "\n".join([
        "The monitor's RSS excluding guest RAM (KiB, from `--stats` as the VM ends) on a "
        "guest that needs no Linux: vCPU 0 spins in `jmp .` until `--timeout 1`, the others "
        f"wait for a SIPI; median of {REPEATS}.", "",
        "| vCPUs | median | min | max |", "|---|---|---|---|",
        *(f"| {cpus} | {spread(values)} |" for cpus, values in rss.items()), "",
        f"Each vCPU after the first: {per_vcpu:+.0f} KiB (the medians of 4 and of 1, over 3).",
        "", devices])


def device_memory(guest: Path, workdir: Path) -> str:
    """The same on 1 vCPU with two disks and a network device on a TAP in a
    namespace of its own, each way of notifying: the devices' threads and
    buffers are the monitor's too (goal, Firecracker's: under 5 MiB)."""
    disks = [workdir / "disk0.img", workdir / "disk1.img"]
    for disk in disks:
        disk.write_bytes(bytes(1 << 20))
    rss = {}
    for notify in ("exit", "eventfd"):
        progress(f"stage 4: RSS with two disks and a network device, {notify}")
        command = in_tap_namespace(
            [KVM_LINUX, "--kernel", guest, "--disk", disks[0], "--disk", f"{disks[1]},ro",
             "--net", "tap=svm0", f"--virtio-notify={notify}", "--timeout", "1", "--stats"],
            workdir)
        try:
            rss[notify] = [spinning_rss(command) for _ in range(REPEATS)]
        except RuntimeError as error:
            return f"kvm-linux with two disks and --net failed: {error}"
    worst = max(max(values) for values in rss.values())
    return "\n".join([
        "With two disks (1 MiB each, one read-only) and a network device, on 1 vCPU "
        f"(median of {REPEATS}):", "",
        "| notification | median | min | max |", "|---|---|---|---|",
        *(f"| {notify} | {spread(values)} |" for notify, values in rss.items()), "",
        f"The most: {worst} KiB, {'under' if worst < 5 * 1024 else 'OVER'} the goal of 5 MiB."])


VIRTIO_BEGIN, VIRTIO_END = "bench: the virtio tables follow", "bench: the virtio tables end"
DISK_MIB = 64
TAP_NAMESPACE = [ROOT / "tests" / "tap_namespace.py", "svm0", "10.0.2.1/24", "/dev/null"]


def in_tap_namespace(command: list, workdir: Path) -> list:
    """command, run in a network namespace of its own that holds a TAP
    named svm0 (tests/tap_namespace.py): for a monitor with --net tap=svm0."""
    return ["/usr/bin/python3", *TAP_NAMESPACE, workdir / "tap.json", "--", *command]


def disk_read(paths: dict, workdir: Path, notify: str, mib: int) -> dict:
    """Boots the kit's kernel from a copy of its root file system, with a
    second, read-only disk of DISK_MIB MiB and a network device, and reads
    mib MiB of the second disk with dd (0: none, though the kernel still
    probes it), timed by the guest's clock (busybox's dd does not say how long
    it took).  Returns --stats, with those seconds and the console's bytes."""
    rootfs, data = workdir / "rootfs.ext2", workdir / "data.img"
    shutil.copyfile(paths["ROOTFS"], rootfs)
    if not data.exists():
        data.write_bytes(bytes(range(256)) * (DISK_MIB << 12))
    command = (f"read start rest < /proc/uptime; dd if=/dev/vdb of=/dev/null bs=1M count={mib}; "
               "read end rest < /proc/uptime; echo read from $start to $end")
    run = watch_boot(in_tap_namespace(
        [KVM_LINUX, "--kernel", paths["VMLINUX"], "--disk", rootfs, "--disk", f"{data},ro",
         "--net", "tap=svm0", f"--virtio-notify={notify}", "--timeout", "300", "--stats",
         "--cmdline", f'root=/dev/vda run="{command}"'], workdir), 310)
    stats = run.get("stats", {})
    timed = re.search(r"read from ([0-9.]+) to ([0-9.]+)", run["text"])
    if stats.get("end") != "reboot" or not timed or f"{mib}+0 records out" not in run["text"]:
        raise RuntimeError(f"kvm-linux --virtio-notify={notify} did not read the disk: "
                           f"{run['text'].strip()[-300:]!r}")
    # /proc/uptime counts hundredths: a read shorter than one counts as one.
    stats["dd_seconds"] = max(float(timed.group(2)) - float(timed.group(1)), 0.01)
    stats["console_bytes"] = run["text"].rfind('{"end"')
    return stats


def virtio_reads(paths: dict, workdir: Path) -> list:
    """The second disk read whole, REPEATS times each way, and a boot that
    reads nothing: its exits are subtracted, to leave the read's."""
    rows = []
    for notify in ("exit", "eventfd"):
        progress(f"stage 4: reading a disk by way of {notify}")
        try:
            idle = disk_read(paths, workdir, notify, 0)
            busy = [disk_read(paths, workdir, notify, DISK_MIB) for _ in range(REPEATS)]
        except RuntimeError as error:
            return [str(error)]
        read = [{key: b["virtio"]["vdb"][key] - idle["virtio"]["vdb"][key]
                 for key in ("reads", "mmio_exits", "irq_line_ioctls", "irqfd_signals")}
                for b in busy]
        rows.append(" | ".join([
            f"| {notify}", ranged([DISK_MIB / b["dd_seconds"] for b in busy]),
            ranged([r["reads"] for r in read]),
            ranged([r["mmio_exits"] / DISK_MIB for r in read], "{:.1f}"),
            ranged([r["mmio_exits"] / r["reads"] for r in read], "{:.2f}"),
            ranged([r["irq_line_ioctls"] + r["irqfd_signals"] for r in read]),
            ranged([b["exits"]["io"] / b["console_bytes"] for b in busy], "{:.2f}"),
            ranged([b["monitor_rss_kib"] for b in busy])]) + " |")
    return [f"The kit's kernel boots from a virtio disk, with a second, read-only disk of "
            f"{DISK_MIB} MiB and a network device on a TAP, and `dd` reads the second disk "
            f"whole (`bs=1M`); {REPEATS} runs each way, median, min and max. The counts are "
            "the second disk's, less those of a boot that reads nothing; the UART's are the "
            "whole boot's port exits per console byte; the RSS is the monitor's own, guest "
            "RAM excluded, with the two disks and the network device.", "",
            "Each cell: median [min-max].", "",
            "| notification | MiB/s (dd) | requests | MMIO exits per MiB | exits per request "
            "| interrupt signals | UART exits per byte | monitor RSS (KiB) |",
            "|---|---|---|---|---|---|---|---|", *rows]


def nested_virtio() -> list:
    rows = in_nested_vm("--stage4-virtio", VIRTIO_BEGIN, VIRTIO_END)
    return ["On kvm_amd nested in QEMU's software emulation (`make check-nested`'s VM): the "
            "counts are as on any machine, the MiB/s only rank the two ways.", "", *rows]


def stage4_virtio(workdir: Path) -> str:
    paths = kit_kernel()
    if not paths:
        return "skipped: the kit's kernel or kvm-linux could not be built (make -C stage04-kvm-linux)"
    if kvm_module() in ("kvm_intel", "kvm_amd"):
        return "\n".join(virtio_reads(paths, workdir))
    return "\n".join(nested_virtio())


# --- 5. assemblers and compilers: time against input size ------------------

SCALING_SIZES = [1 << 10, 1 << 14, 1 << 18, 1 << 22, (16 << 20) - 64]


def scaling_input(kind: str, size: int) -> str:
    """A legal program of about size bytes, every line a new symbol or a use of one."""
    if kind == "asm":                     # a label and a jump to the next, per line pair
        parts, total, i = [".func main 0 0\n"], 15, 0
        while total < size - 40:
            part = f"L{i}:\n\tjmp L{i + 1}\n"
            parts.append(part)
            total += len(part)
            i += 1
        return "".join(parts) + f"L{i}:\n\thalt\n"
    # Toy: a global and a function of if statements per unit, each calling the last
    unit = ("var g{i} = {i};\nfn f{i}(a) {{\n" +
            "\tif (a < g{i}) {{ a = a + g{i}; }} else if (a == 7) {{ a = f{j}(a - 1); }}\n" * 8 +
            "\treturn a;\n}}\n")
    parts, total, i = [], 0, 0
    while total + len(unit) + 64 < size:
        part = unit.format(i=i, j=max(i - 1, 0))
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts) + "print(f0(3));\n"


def scaling(workdir: Path) -> str:
    """CPU seconds to assemble or compile inputs from 1 KB to 16 MB: linear is flat per MB."""
    sizes = SCALING_SIZES[:3] if QUICK else SCALING_SIZES
    tools = [("stackvm asm", STACKVM, "asm", ".sasm", ".sbc"),
             ("regvm asm", REGVM, "asm", ".rasm", ".rbc"),
             ("stackvm compile", STACKVM, "toy", ".toy", ".sbc"),
             ("regvm compile", REGVM, "toy", ".toy", ".rbc")]
    lines = ["| input | " + " | ".join(f"{name} (s)" for name, *_ in tools) + " |",
             "|---" * (len(tools) + 1) + "|"]
    per_mb = {name: [] for name, *_ in tools}
    for size in sizes:
        cells = []
        for name, binary, kind, suffix, out in tools:
            source = workdir / f"scale{suffix}"
            source.write_text(scaling_input(kind, size))
            command = [binary, "asm" if kind == "asm" else "compile", source,
                       "-o", workdir / f"scale{out}"]
            progress(f"scaling: {name}, {size} bytes")
            seconds = min(cpu_seconds(command)[0] for _ in range(1 if size > 1 << 20 else 3))
            cells.append(f"{seconds:.3f}")
            if size >= 1 << 20:
                per_mb[name].append(seconds / (size / (1 << 20)))
        label = f"{round(size / (1 << 20))} MB" if size >= 1 << 20 else f"{size >> 10} KB"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if not QUICK:
        lines.append("| s per MB, 4 MB and 16 MB | " + " | ".join(
            " / ".join(f"{v:.3f}" for v in per_mb[name]) for name, *_ in tools) + " |")
    return "\n".join(lines)


def main() -> int:
    if sys.argv[1:] == ["--stage4-smp"]:    # nested_smp() runs this in the nested VM
        paths = kit_kernel()
        if not paths:
            print("bench: error: the kit's kernel or kvm-linux is not built", file=sys.stderr)
            return 2
        print("\n".join([SMP_BEGIN, *smp_boot(paths), SMP_END]))
        return 0
    if sys.argv[1:] == ["--stage4-virtio"]:  # nested_virtio() runs this in the nested VM
        paths = kit_kernel()
        if not paths:
            print("bench: error: the kit's kernel or kvm-linux is not built", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join([VIRTIO_BEGIN, *virtio_reads(paths, Path(tmp)), VIRTIO_END]))
        return 0
    if sys.argv[1:] == ["--stage4-race"]:   # nested_race() runs this in the nested VM
        paths = kit_kernel()
        if not paths:
            print("bench: error: the kit's kernel or kvm-linux is not built", file=sys.stderr)
            return 2
        print("\n".join([RACE_BEGIN, *boot_race(paths, kvm_module()), RACE_END]))
        return 0
    for binary in (STACKVM, REGVM):
        if not binary.exists():
            print(f"bench: error: {binary} is not built: run make", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    only_interpreters = sys.argv[1:] == ["--interpreters"]
    if sys.argv[1:] and not only_interpreters:
        print("usage: bench.py [--interpreters]", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        table, interp_table = interpreters(workdir)
        sections = [
            "## 1. The interpreters against Lua 5.4, Python 3 and C",
            f"CPU seconds, median of {REPEATS} [fastest-slowest], and the ratio to Lua 5.4"
            + (" (BENCH_QUICK: small sizes)." if QUICK else "."), "", interp_table, "",
            verdicts(table), "",
            "## 1b. Against the strongest interpreters of each kind",
            "The threaded loops' CPU seconds (medians from section 1) against LuaJIT 2.1's "
            "interpreter (`luajit -joff`) and Gforth's `gforth-fast`; the last column counts "
            "dispatches from --stats. The top-level programs (topsum, matrix) are written as "
            "a student writes Toy, every variable a global; Lua's and Forth's as those "
            "languages are written.", "", peers(table, workdir), "",
            "## 2. What one dispatch costs", "", dispatch_cost(table, workdir), "",
        ]
        sections += [] if only_interpreters else [
            "## 3. Stage 3: a VM exit against a system call", "", kvm_costs(workdir), "",
            "## 4. Stage 4: booting Linux", "", stage4_boot(), "",
            "### The monitor's memory per vCPU", "", vcpu_memory(workdir), "",
            "### Booting on several vCPUs", "", stage4_smp(), "",
            "### virtio: a disk read, notified by exit and by eventfd", "",
            stage4_virtio(workdir), "",
            "## 5. Assembling and compiling: CPU seconds against input size",
            "Programs of labels and jumps for the assemblers; globals, functions and "
            "if statements for the Toy compilers. Time per MB that stays flat is linear.",
            "", scaling(workdir),
        ]
        save_results(table, "BENCH_QUICK=1 make bench" if QUICK else
                     "tests/bench/bench.py --interpreters" if only_interpreters else "make bench")
    text = "\n".join(sections) + "\n"
    print(text)
    (OUT / "results.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
