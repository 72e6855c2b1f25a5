#!/usr/bin/python3
"""Two builds of one interpreter, before and after a change, on the benchmark programs.

    tests/bench/ab.py BEFORE AFTER [--dispatch=switch|threaded] [--rounds N] [PROGRAM...]

BEFORE and AFTER are two `stackvm` (or two `regvm`) binaries; the programs are
tests/bench/programs/*.toy unless named (a path, or a name there: `fib`).  Each
round runs every program once on each binary, the order turning from round to
round, so that a slow spell of a shared machine falls on all of them alike.
Prints a Markdown table of CPU seconds (user + system, from the child's rusage):
the median, and the fastest and slowest run.  The builds must print the same
output.  (layouts.py measures with the same rounds, over several placements of
each build's code.)
"""
import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from bench import cpu_seconds        # the same measure as make bench's

PROGRAMS = Path(__file__).resolve().parent / "programs"


class RunFailed(Exception):
    """A run failed, or two builds printed different output: the message says which."""


def cell(times: list) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def programs_named(parser: argparse.ArgumentParser, names: list) -> list:
    """Each name as a path, or as a program of tests/bench/programs; all of them if none."""
    programs = [p if p.exists() else PROGRAMS / f"{p}.toy" for p in names]
    for program in programs:
        if not program.is_file():
            parser.error(f"{program}: no such program")
    return programs or sorted(PROGRAMS.glob("*.toy"))


def measure(binaries: list, programs: list, dispatch: str, rounds: int) -> dict:
    """CPU seconds of every run: times[program][i] lists binary i's, one per round."""
    times = {p: [[] for _ in binaries] for p in programs}
    for n in range(rounds):
        print(f"ab: round {n + 1} of {rounds}", file=sys.stderr, flush=True)
        # each round one place further on: of two builds, the other goes first
        order = [(n + i) % len(binaries) for i in range(len(binaries))]
        for program in programs:
            outputs = {}
            for which in order:
                command = [binaries[which], "run", f"--dispatch={dispatch}", program]
                try:
                    seconds, outputs[which] = cpu_seconds(command)
                except (OSError, subprocess.CalledProcessError) as failure:
                    said = (getattr(failure, "stderr", "") or "").rstrip()
                    raise RunFailed(f"{' '.join(map(str, command))}: {failure}"
                                    + (f"\n{said}" if said else "")) from failure
                times[program][which].append(seconds)
            if len(set(outputs.values())) != 1:
                raise RunFailed(f"{program.name}: the builds print different output")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description="two builds of one interpreter, alternating")
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("programs", nargs="*", type=Path)
    parser.add_argument("--dispatch", choices=["switch", "threaded"], default="threaded")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_intermixed_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    programs = programs_named(parser, args.programs)
    try:
        times = measure([args.before, args.after], programs, args.dispatch, args.rounds)
    except RunFailed as failure:
        print(f"ab: error: {failure}", file=sys.stderr)
        return 2
    print(f"| program ({args.dispatch}, {args.rounds} rounds) | before: median (range) "
          "| after: median (range) | change |")
    print("| --- | --- | --- | ---: |")
    for program, (old, new) in times.items():
        change = statistics.median(new) / statistics.median(old) - 1
        print(f"| {program.stem} | {cell(old)} | {cell(new)} | {change:+.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
