"""Both machines link into one binary: every name a stage exports carries its
prefix (stack_, reg_), so a comparison or a fuzz harness can hold both.

The test compiles tests/link/'s two halves, each against its own stage's
headers, and links them with every object of both stages but main.o and with
common/'s objects once: a name defined twice fails the link."""
import pytest

from conftest import ROOT, build_dir, run

LINK = ROOT / "tests" / "link"
FLAGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", str(ROOT / "common")]


def sanitizers():
    """The sanitizer build's objects need its flags to link (make asan)."""
    return ["-fsanitize=address,undefined"] if "asan" in build_dir("stage01-stackvm").name else []


def library(stage):
    objects = sorted(build_dir(stage).glob("*.o"))
    if not objects:
        pytest.fail(f"{build_dir(stage)} has no objects: run make first")
    return [o for o in objects if o.name != "main.o"]


def test_both_machines_link_into_one_binary_and_run(tmp_path):
    sides = []
    for stage, side in (("stage01-stackvm", "stack_side"), ("stage02-regvm", "reg_side")):
        out = tmp_path / f"{side}.o"
        result = run(["cc", *FLAGS, *sanitizers(), "-I", str(ROOT / stage / "src"), "-c",
                      LINK / f"{side}.c", "-o", out])
        assert result.status == 0, result.err
        sides.append(out)
    # the objects of common/ the two stages use, once: stage 1 links all of them
    common = sorted((build_dir("stage01-stackvm") / "common").rglob("*.o"))
    binary = tmp_path / "both"
    result = run(["cc", *sanitizers(), "-o", binary, LINK / "both.c", *sides, *library("stage01-stackvm"),
                  *library("stage02-regvm"), *common])
    assert result.status == 0, result.err
    result = run([binary])
    assert (result.status, result.out) == (0, "7\n7\n"), result.err
