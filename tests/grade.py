#!/usr/bin/python3
"""Grade the book's exercises: run their tests, print a table, write grade.json.

Every exercise test carries a marker with the exercise's id and its points:

    @pytest.mark.exercise("ex1.2", points=3)
    @pytest.mark.exercise("ex1.2", points=2, hint="remember that / truncates toward zero")

An exercise is worth the points of all its tests; a student earns the points of
the tests that pass.  For each failure the table shows the first differing line
of output (tests compare with `assert got == expected`) and a hint where the
mistake is recognisable.

    grade.py                     grade this tree
    grade.py --json FILE         also write the results as JSON (default grade.json)
    grade.py --require-full      exit 1 unless every point is earned (the reference tree);
                                 on a host whose kernel offers no KVM device, the points
                                 of the tests needing it are reported as not gradable
    grade.py --require-zero      exit 1 unless no point is earned (a fresh starter kit)
"""
import argparse
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import NO_KVM_DEVICE

TESTS = Path(__file__).resolve().parent

# Mistakes recognisable from a failure's message, and what to say about them.
HINTS = [
    (r"is not done yet", "the stub is still in place: write your solution between the "
                         "BEGIN EXERCISE and END EXERCISE lines"),
    (r"timed out", "the program never finished: look for a loop that never ends, or a guest "
                   "that never halts"),
    (r"is not built", "the build failed: run make and read its first error"),
    (r"output ends early", "your program stopped before printing everything: check its exit "
                           "status and stderr"),
    (r"Sanitizer|runtime error", "the sanitizers caught a memory or undefined-behaviour bug: read "
                                 "the report's first stack frame"),
]


class Exercise:
    def __init__(self, ident):
        self.ident = ident
        self.possible = 0
        self.earned = 0
        self.ungradable = 0    # points of tests this host cannot run (no KVM)
        self.failures = []


class Collector:
    """A pytest plugin that adds up points per exercise."""

    def __init__(self):
        self.exercises = {}
        self.marks = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            mark = item.get_closest_marker("exercise")
            if mark is None:
                continue
            ident = mark.args[0]
            points = mark.kwargs.get("points", 1)
            self.marks[item.nodeid] = (ident, points, mark.kwargs.get("hint"))
            self.exercises.setdefault(ident, Exercise(ident)).possible += points

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.marks:
            return
        ident, points, hint = self.marks[report.nodeid]
        exercise = self.exercises[ident]
        if report.when == "call" and report.passed:
            exercise.earned += points
        elif report.failed or report.skipped:
            name = report.nodeid.split("::")[-1]
            failure = describe(name, report, hint)
            if report.skipped and NO_KVM_DEVICE in failure["message"][0]:
                exercise.ungradable += points
            exercise.failures.append(failure)


def describe(name: str, report, hint) -> dict:
    """The first telling lines of a failure, and a hint."""
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        return {"test": name, "message": ["skipped: " + reason], "hint": None}
    text = str(report.longrepr.reprcrash.message) if hasattr(report.longrepr, "reprcrash") \
        else str(report.longrepr)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    start = next((i for i, line in enumerate(lines)
                  if re.search("output (differs|ends early|goes on)", line)), None)
    if start is None:
        message = lines[:2]
    else:
        message = lines[start:start + 3]
        message[0] = re.sub(r"^.*?(?=output )", "", message[0])
    if hint is None:
        hint = next((h for pattern, h in HINTS if re.search(pattern, text)), None)
    return {"test": name, "message": message, "hint": hint}


def print_table(exercises: list) -> None:
    print(f"{'exercise':<10} {'points':>6} {'possible':>8}")
    for ex in exercises:
        print(f"{ex.ident:<10} {ex.earned:>6} {ex.possible:>8}")
        for failure in ex.failures:
            print(f"    FAIL {failure['test']}")
            for line in failure["message"]:
                print(f"        {line}")
            if failure["hint"]:
                print(f"        hint: {failure['hint']}")
    earned = sum(ex.earned for ex in exercises)
    possible = sum(ex.possible for ex in exercises)
    print(f"{'total':<10} {earned:>6} {possible:>8}")


def exercise_order(ident: str) -> tuple:
    return tuple(int(n) for n in re.findall(r"\d+", ident))


def main() -> int:
    parser = argparse.ArgumentParser(description="Grade the book's exercises.")
    parser.add_argument("--json", default="grade.json", help="where to write the results")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--require-full", action="store_true", help="fail unless every point is earned")
    target.add_argument("--require-zero", action="store_true", help="fail unless no point is earned")
    args = parser.parse_args()

    collector = Collector()
    pytest.main(["-q", "-m", "exercise", "-p", "no:cacheprovider", "--no-header", "-rN",
                 "--tb=line", str(TESTS)], plugins=[collector])
    exercises = sorted(collector.exercises.values(), key=lambda ex: exercise_order(ex.ident))
    print()
    print_table(exercises)

    earned = sum(ex.earned for ex in exercises)
    possible = sum(ex.possible for ex in exercises)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({
        "earned": earned, "possible": possible,
        "ungradable": sum(ex.ungradable for ex in exercises),
        "exercises": [{"id": ex.ident, "earned": ex.earned, "possible": ex.possible,
                       "failures": ex.failures} for ex in exercises],
    }, indent=2) + "\n")
    if not exercises:
        print("grade: error: no exercise tests found", file=sys.stderr)
        return 2
    ungradable = sum(ex.ungradable for ex in exercises)
    if ungradable:
        print(f"grade: {ungradable} points not gradable on this host: its kernel offers "
              "no KVM device, so those tests were skipped (make check-nested runs them "
              "on kvm_amd nested in QEMU)", file=sys.stderr)
    if args.require_full and earned != possible - ungradable:
        return 1
    if args.require_zero and earned != 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
