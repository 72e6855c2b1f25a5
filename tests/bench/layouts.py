#!/usr/bin/python3
"""A change to an interpreter, measured over several placements of its code.

    tests/bench/layouts.py STAGE [--before REV] [--shifts 0,16,32,48] [--rounds N]
                           [--dispatch=switch|threaded] [PROGRAM...]

Builds STAGE (stage01-stackvm or stage02-regvm) twice: as git revision REV has it
(default HEAD) and as the working tree has it.  Each is linked once per shift,
behind that many bytes of padding given to the linker first, so that the whole
program lies that much further on and not one instruction differs.  Then every
build runs every program in rounds, as ab.py runs two.

Why: on a modern CPU where the interpreter's code lies can cost as much as a
technique saves.  Moving this kit's stack machine by 32 bytes made `loop` 13 to
20% slower on the machine of chapter 6.  A change that moves the code measured in one
placement shows the technique and the lottery together; over several, the
spread between placements shows the lottery, and the change is the difference
of the medians (chapter 1, "Where the code lies").
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ab import RunFailed, measure, programs_named

ROOT = Path(__file__).resolve().parent.parent.parent
BINARIES = {"stage01-stackvm": "stackvm", "stage02-regvm": "regvm"}


def padding(workdir: Path, shift: int) -> Path:
    """An object file of shift bytes of code (nops) and nothing else."""
    source = workdir / f"pad{shift}.s"
    source.write_text(f"\t.text\n\t.fill {shift}, 1, 0x90\n"
                      "\t.section .note.GNU-stack,\"\",@progbits\n")
    subprocess.run(["gcc", "-c", "-o", source.with_suffix(".o"), source], check=True)
    return source.with_suffix(".o")


def build(tree: Path, stage: str, shift: int, workdir: Path) -> Path:
    out = workdir / f"{tree.name}-{shift}"
    flags = [f"LDFLAGS={padding(workdir, shift)}"] if shift else []
    subprocess.run(["make", "-s", "-C", tree / stage, f"BUILD={out}", *flags], check=True,
                   stdout=subprocess.DEVNULL)
    return out / BINARIES[stage]


def checkout(rev: str, stage: str, workdir: Path) -> Path:
    """The stage and common/ as rev has them, in workdir/before."""
    tree = workdir / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev, stage, "common"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
    return tree


def spread(medians: list) -> str:
    return (f"{statistics.median(medians):.3f} "
            f"({min(medians):.3f}-{max(medians):.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description="a change measured over code placements")
    parser.add_argument("stage", choices=sorted(BINARIES))
    parser.add_argument("--before", default="HEAD", metavar="REV")
    parser.add_argument("programs", nargs="*", type=Path)
    parser.add_argument("--shifts", default="0,16,32,48",
                        help="bytes of padding before the code, one build each")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dispatch", choices=["switch", "threaded"], default="threaded")
    args = parser.parse_intermixed_args()
    try:
        shifts = [int(s) for s in args.shifts.split(",")]
    except ValueError:
        parser.error(f"--shifts {args.shifts}: not a list of numbers")
    if args.rounds < 1 or not shifts or any(not 0 <= s <= 4096 for s in shifts):
        parser.error("--rounds must be at least 1, each shift 0 to 4096 bytes")
    programs = programs_named(parser, args.programs)
    with tempfile.TemporaryDirectory(prefix="layouts-") as temp:
        workdir = Path(temp)
        try:
            before = checkout(args.before, args.stage, workdir)
            binaries = [build(tree, args.stage, shift, workdir)
                        for tree in (before, ROOT) for shift in shifts]
        except subprocess.CalledProcessError as failure:
            print(f"layouts: error: {' '.join(map(str, failure.cmd))} failed"
                  f"{': ' + failure.stderr.decode().strip() if failure.stderr else ''}",
                  file=sys.stderr)
            return 2
        try:
            times = measure(binaries, programs, args.dispatch, args.rounds)
        except RunFailed as failure:
            print(f"layouts: error: {failure}", file=sys.stderr)
            return 2
    print(f"| program ({args.dispatch}, shifts {args.shifts}, {args.rounds} rounds) "
          f"| {args.before}: median of the builds' medians (range) "
          "| working tree: the same | change |")
    print("| --- | --- | --- | ---: |")
    for program, runs in times.items():
        medians = [statistics.median(r) for r in runs]
        old, new = medians[:len(shifts)], medians[len(shifts):]
        change = statistics.median(new) / statistics.median(old) - 1
        print(f"| {program.stem} | {spread(old)} | {spread(new)} | {change:+.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
