"""The course's bookkeeping: every exercise has a statement, a solution and tests,
and a starter kit generated from this tree builds and scores zero."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, run

sys.path.insert(0, str(ROOT / "book" / "tools"))
from starter_kit import MarkerError, strip_solutions  # noqa: E402

SOURCE_SUFFIXES = {".c", ".h", ".S"}


def tracked(pattern: str) -> list:
    names = subprocess.run(["git", "-C", ROOT, "ls-files", pattern], capture_output=True,
                           text=True, check=True).stdout.split()
    return [ROOT / name for name in names]


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
])
def test_starter_kit_rejects_broken_markers(text, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(text, "f.c")


@pytest.mark.slow
@pytest.mark.skipif(BUILD != "build", reason="the starter kit is checked once, with the normal build")
def test_starter_kit_builds_and_scores_zero(tmp_path):
    kit = tmp_path / "kit"
    made = run(["/usr/bin/python3", ROOT / "book" / "tools" / "starter_kit.py", kit])
    assert made.status == 0, made.err
    for path in kit.rglob("*"):
        if path.suffix in SOURCE_SUFFIXES:
            assert "STUB ex" not in path.read_text(), f"{path} still holds a stub block"
    build = run(["make", "-C", kit, "test-inputs"], timeout=1200)
    assert build.status == 0, build.out[-3000:] + build.err[-3000:]
    grade = run(["/usr/bin/python3", kit / "tests" / "grade.py", "--require-zero",
                 "--json", tmp_path / "grade.json"], timeout=1200, cwd=kit)
    assert grade.status == 0, grade.out[-5000:]
    assert re.search(r"^total\s+0\s+[1-9]\d*$", grade.out, re.M), grade.out[-2000:]
