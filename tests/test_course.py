"""The course's bookkeeping: every exercise has a statement, a solution and tests
worth the points it claims; a starter kit generated from this tree builds, scores
zero and fails no test but the exercises'; every wrong answer kept in
tests/course/wrong-answers loses points."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, git_files, run

sys.path.insert(0, str(ROOT / "book" / "tools"))
from starter_kit import MarkerError, strip_solutions  # noqa: E402

SOURCE_SUFFIXES = {".c", ".h", ".S"}


WRONG_ANSWERS = ROOT / "tests" / "course" / "wrong-answers"
sys.path.insert(0, str(ROOT / "tests"))
from grade import GRADE_BUILD, GRADE_FLAGS  # noqa: E402
STAGES = ["stage01-stackvm", "stage02-regvm", "stage03-kvm-hello", "stage04-kvm-linux"]


def tracked(pattern: str) -> list:
    return git_files(pattern)


def ids_in(paths, regex) -> set:
    found = set()
    for path in paths:
        found |= set(re.findall(regex, path.read_text(), re.M))
    return found


def exercise_ids():
    sources = [p for p in tracked("*") if p.suffix in SOURCE_SUFFIXES]
    return {
        "statements": ids_in(tracked("book/*.md"), r"^### (ex\d+\.\d+)\b"),
        "solutions": ids_in(sources, r"BEGIN EXERCISE (ex\d+\.\d+)\b"),
        "tests": ids_in(tracked("tests/*.py"), r"mark\.exercise\(\s*\"(ex\d+\.\d+)\""),
    }


def test_every_exercise_has_a_statement_a_solution_and_tests():
    ids = exercise_ids()
    every = set().union(*ids.values())
    missing = [f"{ident}: no {kind[:-1]}" for ident in sorted(every)
               for kind, found in ids.items() if ident not in found]
    assert not missing, "\n".join(missing)


def statement_points() -> dict:
    """The points each exercise's statement claims: "(N points)" in its section."""
    claimed = {}
    for chapter in tracked("book/*.md"):
        for ident, body in re.findall(r"^### (ex\d+\.\d+)\b(.*?)(?=^#)", chapter.read_text() + "\n#",
                                      re.M | re.S):
            found = re.findall(r"\((\d+) points?\)", body)
            claimed[ident] = int(found[-1]) if found else None
    return claimed


def test_points_claimed_by_each_statement_are_its_tests_points():
    tested = {}
    for path in tracked("tests/test_*.py"):
        for ident, points in re.findall(r"mark\.exercise\(\s*\"(ex\d+\.\d+)\",\s*points=(\d+)",
                                        path.read_text()):
            tested[ident] = tested.get(ident, 0) + int(points)
    claimed = statement_points()
    wrong = [f"{ident}: the statement claims {claimed.get(ident)} points, its tests give "
             f"{tested.get(ident)}" for ident in sorted(set(claimed) | set(tested))
             if claimed.get(ident) != tested.get(ident)]
    assert not wrong, "\n".join(wrong)


def test_starter_kit_replaces_a_solution_by_its_stub():
    text = ("int f(void)\n{\n/* BEGIN EXERCISE ex9.1 */\n\treturn 42;\n/* STUB ex9.1\n"
            "\texercise_todo(\"ex9.1\");\nEND STUB */\n/* END EXERCISE ex9.1 */\n}\n")
    stubbed, found = strip_solutions(text, "f.c")
    assert found == ["ex9.1"]
    assert stubbed == ("int f(void)\n{\n/* BEGIN EXERCISE ex9.1 */\n\texercise_todo(\"ex9.1\");\n"
                       "/* END EXERCISE ex9.1 */\n}\n")


@pytest.mark.parametrize("text, message", [
    ("/* BEGIN EXERCISE ex9.1 */\nx\n", "ex9.1 is never closed"),
    ("/* END EXERCISE ex9.1 */\n", "marker outside a BEGIN/END pair"),
    ("/* BEGIN EXERCISE ex9.1 */\n/* END EXERCISE ex9.2 */\n", "does not close ex9.1"),
    ("/* BEGIN EXERCISE ex9.1 */\n/* STUB ex9.2\nEND STUB */\n/* END EXERCISE ex9.1 */\n",
     "STUB names another exercise"),
    ("/* BEGIN EXERCISE ex9.1 */\nreturn 1;\n/* END EXERCISE ex9.1 */\n",
     "ex9.1 has no STUB block"),
])
def test_starter_kit_rejects_broken_markers(text, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(text, "f.c")


def test_every_stub_says_which_exercise_is_not_done():
    """Each stub, when its code runs, names its exercise on stderr (exercise_todo
    or exercise_pending, common/base/diag.c), so that the grader can report it as
    not done rather than wrong."""
    silent = []
    for path in tracked("*"):
        if path.suffix not in SOURCE_SUFFIXES:
            continue
        for ident, stub in re.findall(r"/\* STUB (ex\d+\.\d+)\n(.*?)END STUB \*/", path.read_text(),
                                      re.S):
            if not re.search(r'exercise_(todo|pending)\("' + re.escape(ident) + '"\\)', stub):
                silent.append(f"{path.relative_to(ROOT)}: the stub of {ident} does not say so")
    assert not silent, "\n".join(silent)


def make_kit(tmp_path) -> Path:
    kit = tmp_path / "kit"
    made = run(["/usr/bin/python3", ROOT / "book" / "tools" / "starter_kit.py", kit])
    assert made.status == 0, made.err
    return kit


needs_git = pytest.mark.skipif(not (ROOT / ".git").exists(),
                               reason="a starter kit has no solutions to strip, nor the git "
                                      "history starter_kit.py reads")
once = pytest.mark.skipif(BUILD != "build", reason="checked once, with the normal build")


@pytest.mark.slow
@needs_git
@once
def test_starter_kit_builds_and_scores_zero(tmp_path):
    kit = make_kit(tmp_path)
    for path in kit.rglob("*"):
        if path.suffix in SOURCE_SUFFIXES:
            assert "STUB ex" not in path.read_text(), f"{path} still holds a stub block"
    grade = run(["/usr/bin/python3", kit / "tests" / "grade.py", "--require-zero",
                 "--json", tmp_path / "grade.json"], timeout=1800, cwd=kit)
    assert grade.status == 0, grade.out[-5000:]
    assert re.search(r"^total\s+0\s+[1-9]\d*$", grade.out, re.M), grade.out[-2000:]
    graded = json.loads((tmp_path / "grade.json").read_text())
    assert graded["commit"] == "not a git checkout"
    statuses = {ex["id"]: ex["status"] for ex in graded["exercises"]}
    assert statuses == {ident: "not done" for ident in statuses}, statuses
    # the messages a course tool shows name no temporary path and no address
    text = json.dumps(graded)
    assert str(tmp_path) not in text and "/tmp/" not in text
    assert not re.search(r"0x[0-9a-f]{9,}", text), text


@pytest.mark.slow
@needs_git
@once
def test_in_a_fresh_starter_kit_only_exercise_tests_fail(tmp_path):
    kit = make_kit(tmp_path)
    build = run(["make", "-C", kit, "all"], timeout=1800)
    assert build.status == 0, build.out[-3000:] + build.err[-3000:]
    # The tests needing the kit's Linux kernel (built from source: many minutes)
    # skip, and so does the benchmark, which needs it too; none is an exercise's.
    tests = run(["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE",
                 "-m", "not slow", "--deselect=test_bench_programs.py::test_bench_runs_at_small_sizes"
                 "_and_every_system_agrees", "tests"],
                timeout=1800, cwd=kit, env={"KIT_SKIP_KERNEL": "1"})
    assert tests.status in (0, 1), tests.out[-3000:] + tests.err[-3000:]
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", tests.out, re.M)
    assert failed, "a fresh kit passes every exercise test?"
    exercise_tests = set(run(["/usr/bin/python3", "-m", "pytest", "-q", "--collect-only",
                              "-p", "no:cacheprovider", "-m", "exercise", "tests"],
                             cwd=kit).out.split())
    # (pytest names a test from the rootdir, tests/, or from where it was run)
    exercise_tests = {name.removeprefix("tests/") for name in exercise_tests}
    strangers = [name for name in failed if name.removeprefix("tests/") not in exercise_tests]
    assert not strangers, "\n".join(strangers)


def patched_tree(tmp_path_factory) -> Path:
    """A copy of this tree with the sanitizer builds grade.py uses, so that a
    patch rebuilds only what it changes."""
    for stage in STAGES:
        made = run(["make", "-C", ROOT / stage, f"BUILD={GRADE_BUILD}", *GRADE_FLAGS, "all"],
                   timeout=1800)
        assert made.status == 0, made.err[-3000:]
    copy = tmp_path_factory.mktemp("wrong") / "tree"
    for path in tracked("*"):
        target = copy / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    for stage in STAGES:
        shutil.copytree(ROOT / stage / GRADE_BUILD, copy / stage / GRADE_BUILD, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return patched_tree(tmp_path_factory)


def test_every_exercise_has_wrong_answers_to_reject():
    with_regions = exercise_ids()["solutions"]
    covered = {path.name.split("-")[0] for path in WRONG_ANSWERS.glob("*.patch")}
    assert sorted(with_regions - covered) == []
    assert sorted(covered - with_regions) == []


@pytest.mark.slow
@once
@pytest.mark.parametrize("patch", sorted(WRONG_ANSWERS.glob("*.patch")), ids=lambda p: p.stem)
def test_a_wrong_answer_loses_points(tree, patch, tmp_path):
    ident = patch.name.split("-")[0]
    applied = run(["patch", "-p1", "-s", "-d", tree, "-i", patch])
    assert applied.status == 0, applied.out + applied.err
    try:
        grade = run(["/usr/bin/python3", tree / "tests" / "grade.py", "--exercise", ident,
                     "--json", tmp_path / "grade.json"], timeout=600)
    finally:
        reverted = run(["patch", "-p1", "-R", "-s", "-d", tree, "-i", patch])
        assert reverted.status == 0, reverted.out + reverted.err
    assert grade.status == 0, grade.out[-3000:] + grade.err[-3000:]
    text = (tmp_path / "grade.json").read_text()
    [graded] = json.loads(text)["exercises"]
    assert graded["id"] == ident
    # what a student reads names no temporary path, no memory address
    assert str(tree) not in text and "/tmp/" not in text and not re.search(r"0x[0-9a-f]{9,}", text)
    assert graded["status"] == "failed", grade.out[-3000:]
    assert graded["earned"] < graded["possible"], grade.out[-3000:]


@pytest.mark.slow
@once
def test_a_stage_that_does_not_build_costs_only_its_own_exercises(tree, tmp_path):
    source = tree / "stage02-regvm" / "src" / "dis.c"
    original = source.read_text()
    report = tmp_path / "grade.json"
    report.write_text('{"earned": 58, "stale": true}\n')
    source.write_text(original + "\nstatic int unused_and_warned;\n")   # -Werror stops it
    try:
        grade = run(["/usr/bin/python3", tree / "tests" / "grade.py", "--exercise", "ex2.1",
                     "--exercise", "ex1.3", "--json", report], timeout=600)
    finally:
        source.write_text(original)
    assert grade.status == 0, grade.out[-3000:] + grade.err[-3000:]
    graded = json.loads(report.read_text())
    assert graded["schema"] == 2 and "stale" not in graded
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", graded["graded_at"])
    assert graded["commit"] == "not a git checkout"
    by_id = {ex["id"]: ex for ex in graded["exercises"]}
    assert (by_id["ex1.3"]["status"], by_id["ex1.3"]["earned"]) == ("passed", 5)
    assert (by_id["ex2.1"]["status"], by_id["ex2.1"]["earned"]) == ("ungradable", 0)
    assert re.fullmatch(r"stage02-regvm does not build: src/dis\.c:\d+:\d+: error: .*unused_and_warned.*",
                        by_id["ex2.1"]["reason"]), by_id["ex2.1"]["reason"]
    assert str(tree) not in report.read_text() and "/tmp/" not in report.read_text()
    assert re.search(r"^ex2\.1\s+0\s+3\s+ungradable: stage02-regvm does not build", grade.out, re.M)


def test_nothing_to_grade_still_writes_a_fresh_grade_json(tmp_path):
    report = tmp_path / "grade.json"
    report.write_text('{"earned": 58, "stale": true}\n')
    grade = run(["/usr/bin/python3", ROOT / "tests" / "grade.py", "--exercise", "ex9.9",
                 "--json", report], timeout=600)
    assert grade.status == 2
    assert grade.err_lines[-1] == "grade: error: no tests for ex9.9"
    graded = json.loads(report.read_text())
    assert (graded["error"], graded["exercises"], graded["possible"]) == ("no tests for ex9.9", [], 0)


@pytest.mark.slow
@once
def test_a_clean_copy_of_the_tests_grades_a_tree_whose_tests_were_edited(tree, tmp_path):
    patch = WRONG_ANSWERS / "ex1.3-counts-the-first-call.patch"
    tests = tree / "tests" / "test_stage01_stackvm.py"
    original = tests.read_text()
    assert run(["patch", "-p1", "-s", "-d", tree, "-i", patch]).status == 0
    tests.write_text(original.replace("[392809, 3]", "[392810, 4]"))   # the student's "fix"
    try:
        own = run(["/usr/bin/python3", tree / "tests" / "grade.py", "--exercise", "ex1.3",
                   "--json", tmp_path / "own.json"], timeout=600)
        clean = run(["/usr/bin/python3", ROOT / "tests" / "grade.py", "--root", tree,
                     "--exercise", "ex1.3", "--json", tmp_path / "clean.json"], timeout=600)
    finally:
        tests.write_text(original)
        assert run(["patch", "-p1", "-R", "-s", "-d", tree, "-i", patch]).status == 0
    assert own.status == 0 and clean.status == 0, own.err[-2000:] + clean.err[-2000:]
    own, clean = (json.loads((tmp_path / name).read_text()) for name in ("own.json", "clean.json"))
    assert own["exercises"][0]["status"] == "passed"
    assert clean["exercises"][0]["status"] == "failed"
    reference = run(["/usr/bin/python3", "-c", "import grade; print(grade.tests_checksum())"],
                    cwd=ROOT / "tests").out.strip()
    assert clean["tests_sha256"] == reference != own["tests_sha256"]
