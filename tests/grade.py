#!/usr/bin/python3
"""Grade the book's exercises: build, run their tests, print a table, write grade.json.

Every exercise test carries a marker with the exercise's id and its points, and
may name hints for the traps its statement warns about (regex on the failure's
text, and what to say):

    @pytest.mark.exercise("ex1.2", points=3)
    @pytest.mark.exercise("ex1.3", points=5, hints=[(r"got: +392810", "...")])

An exercise is worth the points of all its tests; a student earns the points of
the tests that pass.  The grader first builds each stage holding a solution
region, with AddressSanitizer and UndefinedBehaviorSanitizer, unoptimised (in
build-grade/: the sanitizers build five times faster at -O0, and the exercise
tests run in seconds either way), so that an answer with undefined behaviour
loses its points; a stage that does not build costs only its own exercises.

    grade.py                     grade the tree this tests/ folder sits in
    grade.py --root DIR          grade the tree DIR with these tests (a teacher's
                                 clean copy of tests/, against a student's tree)
    grade.py --exercise ex1.1    grade only that exercise (repeatable)
    grade.py --json FILE         where to write the results (default grade.json);
                                 written afresh on every run, even when nothing
                                 could be graded
    grade.py --require-full      exit 1 unless every point is earned (the reference tree);
                                 on a host whose kernel offers no KVM device, the points
                                 of the tests needing it are reported as not gradable
    grade.py --require-zero      exit 1 unless no point is earned (a fresh starter kit)

grade.json (schema 2), for course tools: schema, graded_at (UTC, ISO 8601),
commit ("not a git checkout" outside one), tests_sha256 (of the tests that
graded), build, error (why nothing could be graded, else null), earned,
possible, not_gradable_here (points of tests needing a KVM device this host's
kernel does not offer), and exercises: a list of {id, stage, status (passed,
failed, not done, ungradable), reason, earned, possible, tests: a list of {name,
points, outcome (passed, failed, not done, not built, no KVM, skipped),
difference (lines: expected against got), hint}}.  No message holds a
temporary path or a memory address.

Exit status: 0 when graded (and a --require-* holds), 1 when a --require-* fails,
2 when nothing could be graded or on bad usage.
"""
import argparse
import contextlib
import datetime
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SCHEMA = 2
GRADE_BUILD = "build-grade"
GRADE_FLAGS = ["SANITIZE=1", "CFLAGS=-O0 -g"]
SOURCE_SUFFIXES = {".c", ".h", ".S"}
REGION = re.compile(r"BEGIN EXERCISE (ex\d+\.\d+)\b")

# Mistakes recognisable from any failure's text, and what to say about them.
HINTS = [
    (r"is not done yet", "the stub is still in place: write your solution between the "
                         "BEGIN EXERCISE and END EXERCISE lines"),
    (r"timed out", "the program never finished: look for a loop that never ends, or a guest "
                   "that never halts"),
    (r"is not built", "the build failed: run make and read its first error"),
    (r"output ends early", "your program stopped before printing everything: check its exit "
                           "status and stderr"),
    (r"Sanitizer|runtime error", "the sanitizers caught a memory or undefined-behaviour bug: read "
                                 "the report's first line (file:line: runtime error)"),
]


class Exercise:
    def __init__(self, ident, stage):
        self.ident = ident
        self.stage = stage          # the stage folder holding its solution, or None
        self.tests = []             # dicts: name, points, outcome, difference, hint
        self.stubs_ran = False      # a failing test saw this exercise's stub run
        self.build_error = None     # the compiler's first error line, if its stage does not build

    @property
    def possible(self):
        return sum(test["points"] for test in self.tests)

    @property
    def earned(self):
        return sum(test["points"] for test in self.tests if test["outcome"] == "passed")

    @property
    def no_kvm_points(self):
        """Points of tests this host cannot run: its kernel offers no KVM device."""
        return sum(test["points"] for test in self.tests if test["outcome"] == "no KVM")

    def status(self):
        """(status, reason): passed, failed, not done, or ungradable with its reason."""
        if self.build_error:
            return "ungradable", f"{self.stage} does not build: {self.build_error}"
        if self.earned == self.possible:
            return "passed", None
        if self.stubs_ran:
            return "not done", f"the stub of {self.ident} is still in place"
        if self.earned + self.no_kvm_points == self.possible:
            return "ungradable", "its tests need /dev/kvm, and this host's kernel offers none"
        return "failed", None


def scrub(text: str, root: Path) -> str:
    """A message without the machine's paths or memory addresses, so the same
    mistake reads the same for every student."""
    text = text.replace(str(root) + "/", "")
    text = re.sub(r"/tmp/pytest-of-[^/\s]+/pytest-\d+/[^/\s]+/", "", text)
    text = re.sub(r"(/tmp|/var/tmp)/[\w.+-]+/", "", text)
    text = re.sub(r"\bat 0x[0-9a-f]{6,}\b", "", text)
    return re.sub(r"\b0x[0-9a-f]{9,}\b", "0x...", text)


def difference(text: str) -> list:
    """The lines of a failure that show what was expected and what came (as
    conftest.py's pytest_assertrepr_compare words them), and the program's
    diagnostic if it printed one."""
    lines = [line.strip().removeprefix("AssertionError: ")
             for line in text.split("\n") if line.strip()]
    start = next((i for i, line in enumerate(lines)
                  if re.search(r"(output (differs|ends early|goes on)|value differs)", line)), None)
    diagnostic = next((line for line in lines[:start] if re.search(r"(: error: |runtime error:)", line)),
                      None)
    if start is not None:
        found = re.search(r"(output (differs|ends early|goes on)|value differs)", lines[start])
        shown = [lines[start][found.start():]]
        for line in lines[start + 1:]:
            if not re.match(r"(expected:|got:|line \d+, the same)", line):
                break
            shown.append("  " + line)
        return shown + ([f"stderr: {diagnostic}"] if diagnostic else [])
    if diagnostic:
        return [diagnostic]
    telling = next((line for line in lines if re.search(r"Sanitizer|not done yet|timed out|"
                                                        r"is not built", line)), None)
    first = lines[0] if lines else "failed"
    return [telling or first]


class Collector:
    """A pytest plugin: keeps the selected exercises' tests, records each outcome."""

    def __init__(self, exercises: dict, root: Path, no_kvm_reason: str):
        self.exercises = exercises
        self.root = root
        self.no_kvm_reason = no_kvm_reason
        self.marks = {}

    def pytest_collection_modifyitems(self, config, items):
        kept, dropped = [], []
        for item in items:
            mark = item.get_closest_marker("exercise")
            exercise = self.exercises.get(mark.args[0]) if mark else None
            if exercise is None:
                dropped.append(item)
                continue
            test = {"name": item.name, "points": mark.kwargs.get("points", 1),
                    "outcome": "not run", "difference": [], "hint": None}
            exercise.tests.append(test)
            if exercise.build_error:
                test["outcome"] = "not built"
                test["difference"] = [f"{exercise.stage} does not build: {exercise.build_error}"]
                test["hint"] = "fix the first compiler error: run make -C " + exercise.stage
                dropped.append(item)
                continue
            self.marks[item.nodeid] = (exercise, test, mark.kwargs.get("hints", []))
            kept.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.marks:
            return
        exercise, test, hints = self.marks[report.nodeid]
        if report.when == "call" and report.passed:
            test["outcome"] = "passed"
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            test["outcome"] = "no KVM" if self.no_kvm_reason in reason else "skipped"
            test["difference"] = ["skipped: " + scrub(reason.removeprefix("Skipped: "), self.root)]
        elif report.failed:
            stubs = dict(report.user_properties).get("stubs_seen", [])
            text = scrub(str(report.longrepr.reprcrash.message)
                         if hasattr(report.longrepr, "reprcrash") else str(report.longrepr),
                         self.root)
            test["outcome"] = "failed"
            test["difference"] = difference(text)
            test["hint"] = next((h for pattern, h in hints + HINTS if re.search(pattern, text)), None)
            if exercise.ident in stubs:
                exercise.stubs_ran = True
                test["outcome"] = "not done"
                test["difference"] = [f"exercise {exercise.ident} is not done yet (its stub ran)"]
                test["hint"] = HINTS[0][1]


def solution_stages(root: Path) -> dict:
    """Which stage folder holds each exercise's solution region."""
    stages = {}
    for stage in sorted(root.glob("stage0*")):
        for path in sorted((stage / "src").rglob("*")):
            if path.suffix in SOURCE_SUFFIXES:
                for ident in REGION.findall(path.read_text(errors="replace")):
                    stages[ident] = stage.name
    return stages


def build(root: Path, stage: str):
    """Builds a stage for grading; None, or the compiler's first error line."""
    try:
        made = subprocess.run(["make", "-C", str(root / stage), f"BUILD={GRADE_BUILD}",
                               *GRADE_FLAGS, "all"], capture_output=True, text=True,
                              timeout=1800)
    except subprocess.TimeoutExpired:
        return "make did not finish within 30 minutes"
    if made.returncode == 0:
        return None
    lines = (made.stdout + made.stderr).split("\n")
    first = next((line for line in lines if re.search(r"\berror\b", line)),
                 next((line for line in reversed(lines) if line.strip()), "make failed"))
    return scrub(first.strip(), root / stage)


def commit_of(root: Path) -> str:
    if not (root / ".git").exists():
        return "not a git checkout"
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                          capture_output=True, text=True)
    if head.returncode != 0:
        return "not a git checkout"
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if dirty else "")


def tests_checksum() -> str:
    """SHA-256 over the names and contents of the test files that grade (compare
    it with a clean copy's to know the tests were not edited)."""
    digest = hashlib.sha256()
    for path in sorted(TESTS.glob("*.py")) + [TESTS / "pytest.ini"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as temp:
        temp.write(text)
    os.replace(temp.name, path)


def print_table(exercises: list, header: list) -> None:
    for line in header:
        print(line)
    print(f"{'exercise':<10} {'points':>6} {'possible':>8}  status")
    for ex in exercises:
        status, reason = ex.status()
        print(f"{ex.ident:<10} {ex.earned:>6} {ex.possible:>8}  {status}"
              + (f": {reason}" if reason and status != "not done" else ""))
        if status == "not done":
            continue        # its stub ran: the tests' details say nothing more
        for test in ex.tests:
            if test["outcome"] in ("passed", "not built"):
                continue
            print(f"    {test['outcome'].upper()} {test['name']} ({test['points']} points)")
            for line in test["difference"]:
                print(f"        {line}")
            if test["hint"]:
                print(f"        hint: {test['hint']}")
    earned = sum(ex.earned for ex in exercises)
    possible = sum(ex.possible for ex in exercises)
    print(f"{'total':<10} {earned:>6} {possible:>8}")


def exercise_order(ident: str) -> tuple:
    return tuple(int(n) for n in re.findall(r"\d+", ident))


def grade(args, root: Path, result: dict) -> list:
    """Builds and runs the tests; fills result; returns the exercises graded."""
    os.environ["KIT_ROOT"] = str(root)
    os.environ["KIT_BUILD"] = GRADE_BUILD
    sys.path.insert(0, str(TESTS))
    import pytest
    from conftest import NO_KVM_DEVICE

    stages = solution_stages(root)
    wanted = set(args.exercise or [])
    exercises = ExerciseTable(wanted)
    for stage in sorted(set(stages.values())):
        idents = [i for i in stages if stages[i] == stage and (not wanted or i in wanted)]
        if not idents:
            continue
        print(f"grade: building {stage} (sanitizers on, in {GRADE_BUILD}/)", file=sys.stderr)
        error = build(root, stage)
        for ident in idents:
            exercises[ident] = Exercise(ident, stage)
            exercises[ident].build_error = error
    collector = Collector(exercises, root, NO_KVM_DEVICE)
    log = io.StringIO()     # pytest's own report: the table says it better
    with contextlib.redirect_stdout(log):
        status = pytest.main(["-q", "-m", "exercise", "-p", "no:cacheprovider", "--no-header",
                              "-rN", "--tb=short", str(TESTS)], plugins=[collector])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                      pytest.ExitCode.NO_TESTS_COLLECTED):
        print(log.getvalue()[-5000:], file=sys.stderr)
        raise GradeError(f"pytest could not run the tests (exit status {int(status)})")
    unknown = wanted - {ident for ident, ex in exercises.items() if ex.tests}
    if unknown:
        raise GradeError(f"no tests for {', '.join(sorted(unknown))}")
    return sorted((ex for ex in exercises.values() if ex.tests),
                  key=lambda ex: exercise_order(ex.ident))


class ExerciseTable(dict):
    """The exercises to grade, by id; one whose tests need no solution region
    (a question answered in a file, say) joins when its first test is collected."""

    def __init__(self, wanted: set):
        super().__init__()
        self.wanted = wanted

    def get(self, ident, default=None):
        if self.wanted and ident not in self.wanted:
            return default
        return self.setdefault(ident, Exercise(ident, None))


class GradeError(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description="Grade the book's exercises.")
    parser.add_argument("--json", default="grade.json", help="where to write the results")
    parser.add_argument("--root", help="the tree to grade (default: the one holding these tests)")
    parser.add_argument("--exercise", action="append", metavar="ID",
                        help="grade only this exercise (repeatable)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--require-full", action="store_true", help="fail unless every point is earned")
    target.add_argument("--require-zero", action="store_true", help="fail unless no point is earned")
    args = parser.parse_args()

    root = Path(args.root or TESTS.parent).resolve()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    result = {"schema": SCHEMA, "graded_at": now.isoformat().replace("+00:00", "Z"),
              "commit": commit_of(root), "tests_sha256": tests_checksum(),
              "build": f"{GRADE_BUILD}: AddressSanitizer and UndefinedBehaviorSanitizer, -O0",
              "error": None, "earned": 0, "possible": 0, "not_gradable_here": 0,
              "exercises": []}
    exercises = []
    try:
        if not root.is_dir():
            raise GradeError(f"{root} is not a folder")
        exercises = grade(args, root, result)
        if not exercises:
            raise GradeError("no exercise tests found")
    except GradeError as err:
        result["error"] = str(err)
    finally:
        result["earned"] = sum(ex.earned for ex in exercises)
        result["possible"] = sum(ex.possible for ex in exercises)
        result["not_gradable_here"] = sum(ex.no_kvm_points for ex in exercises)
        result["exercises"] = [
            {"id": ex.ident, "stage": ex.stage, "status": ex.status()[0], "reason": ex.status()[1],
             "earned": ex.earned, "possible": ex.possible, "tests": ex.tests}
            for ex in exercises]
        write_atomically(Path(args.json), json.dumps(result, indent=2) + "\n")

    print()
    commit = result["commit"]
    print_table(exercises, [f"graded {result['graded_at']}: commit {commit}",
                            f"tests sha256 {result['tests_sha256']}"])
    if result["error"]:
        print(f"grade: error: {result['error']}", file=sys.stderr)
        return 2
    if result["not_gradable_here"]:
        print(f"grade: {result['not_gradable_here']} points not gradable on this host: its kernel "
              "offers no KVM device, so those tests were skipped (make check-nested runs them "
              "on kvm_amd nested in QEMU)", file=sys.stderr)
    if args.require_full and result["earned"] != result["possible"] - result["not_gradable_here"]:
        return 1
    if args.require_zero and result["earned"] != 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
