#!/usr/bin/python3
"""Two builds of one interpreter, before and after a change, on the benchmark programs.

    tests/bench/ab.py BEFORE AFTER [--dispatch=switch|threaded] [--rounds N] [PROGRAM...]

BEFORE and AFTER are two `stackvm` (or two `regvm`) binaries; the programs are
tests/bench/programs/*.toy unless named (a path, or a name there: `fib`).  Each round runs every program once on
each binary, the two alternating and the one that goes first swapping from round
to round, so that a slow spell of a shared machine falls on both alike.  Prints a
Markdown table of CPU seconds (user + system, from the child's rusage): the median,
and the fastest and slowest run.  The two must print the same output.
"""
import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from bench import cpu_seconds        # the same measure as make bench's

PROGRAMS = Path(__file__).resolve().parent / "programs"


def cell(times: list) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


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
    programs = [p if p.exists() else PROGRAMS / f"{p}.toy" for p in args.programs]
    programs = programs or sorted(PROGRAMS.glob("*.toy"))
    for program in programs:
        if not program.is_file():
            parser.error(f"{program}: no such program")
    binaries = (args.before, args.after)
    times = {p: ([], []) for p in programs}
    for n in range(args.rounds):
        print(f"ab: round {n + 1} of {args.rounds}", file=sys.stderr, flush=True)
        for program in programs:
            order = (0, 1) if n % 2 == 0 else (1, 0)
            outputs = {}
            for which in order:
                command = [binaries[which], "run", f"--dispatch={args.dispatch}", program]
                try:
                    seconds, outputs[which] = cpu_seconds(command)
                except (OSError, subprocess.CalledProcessError) as failure:
                    print(f"ab: error: {' '.join(map(str, command))}: {failure}\n"
                          f"{getattr(failure, 'stderr', '') or ''}", end="", file=sys.stderr)
                    return 2
                times[program][which].append(seconds)
            if outputs[0] != outputs[1]:
                print(f"ab: {program.name}: the two builds print different output",
                      file=sys.stderr)
                return 1
    print(f"| program ({args.dispatch}, {args.rounds} rounds) | before: median (range) "
          "| after: median (range) | change |")
    print("| --- | --- | --- | ---: |")
    for program, (old, new) in times.items():
        change = statistics.median(new) / statistics.median(old) - 1
        print(f"| {program.stem} | {cell(old)} | {cell(new)} | {change:+.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
