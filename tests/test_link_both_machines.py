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
    """The stage's objects but main.o: one per source of its src/ (a build
    folder may still hold objects of sources that have since moved)."""
    objects = [build_dir(stage) / f"{c.stem}.o" for c in sorted((ROOT / stage / "src").glob("*.c"))
               if c.name != "main.c"]
    missing = [o for o in objects if not o.exists()]
    if missing:
        pytest.fail(f"{missing[0]} is not built: run make first")
    return objects


def test_both_machines_link_into_one_binary_and_run(tmp_path):
    sides = []
    for stage, side in (("stage01-stackvm", "stack_side"), ("stage02-regvm", "reg_side")):
        out = tmp_path / f"{side}.o"
        result = run(["cc", *FLAGS, *sanitizers(), "-I", str(ROOT / stage / "src"), "-c",
                      LINK / f"{side}.c", "-o", out])
        assert result.status == 0, result.err
        sides.append(out)
    # the objects of common/ the two stages use, once: stage 1 links all of them
    built = build_dir("stage01-stackvm") / "common"
    common = [o for o in sorted(built.rglob("*.o"))
              if (ROOT / "common" / o.relative_to(built)).with_suffix(".c").exists()]
    binary = tmp_path / "both"
    result = run(["cc", *sanitizers(), "-o", binary, LINK / "both.c", *sides, *library("stage01-stackvm"),
                  *library("stage02-regvm"), *common])
    assert result.status == 0, result.err
    result = run([binary])
    assert (result.status, result.out) == (0, "7\n7\n"), result.err
