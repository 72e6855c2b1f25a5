"""make bench's programs compute the same thing in every language, and the
benchmark runs to the end at small sizes.  (Nothing here asserts a time.)"""
import json

import pytest

from conftest import BUILD, ROOT, run

BENCH = ROOT / "tests" / "bench"


@pytest.mark.skipif(BUILD != "build", reason="benchmarks measure the normal build "
                    "(valgrind cannot run sanitizer builds)")
def test_bench_runs_at_small_sizes_and_every_system_agrees():
    result = run(["/usr/bin/python3", BENCH / "bench.py"], env={"BENCH_QUICK": "1"}, timeout=300)
    assert result.status == 0, result.err[-3000:]
    assert "disagree" not in result.out
    for section in ("## 1. The interpreters", "## 1b. Against the strongest interpreters",
                    "## 2. What one dispatch costs",
                    "## 3. Stage 3", "## 4. Stage 4", "### virtio: a disk read",
                    "With two disks (1 MiB each, one read-only) and a network device"):
        assert section in result.out
    # a quick run writes apart, so that the book never shows its few-ms timings
    quick = ROOT / "build" / "bench-quick"
    assert (quick / "results.md").exists()
    results = json.loads((quick / "results.json").read_text())
    assert results["made_by"] == "BENCH_QUICK=1 make bench" and results["date"]
    assert set(results["interpreters"]) == set(PROGRAMS)
    for row in results["interpreters"].values():
        assert {"LuaJIT -joff", "gforth-fast", "Lua 5.4"} <= set(row)


PROGRAMS = ["fib", "loop", "sieve", "nested", "topsum", "matrix", "trial"]


@pytest.mark.parametrize("program", PROGRAMS)
def test_each_program_exists_in_every_language(program):
    for suffix in (".toy", ".lua", ".py", ".c", ".fs"):
        text = (BENCH / "programs" / f"{program}{suffix}").read_text()
        assert "SIZE" in text, f"{program}{suffix} marks no SIZE line"


@pytest.mark.parametrize("program", PROGRAMS)
def test_lua_and_luajit_print_the_same_at_full_size(program):
    """LuaJIT's numbers are doubles, Lua 5.4's integers: a large result may
    print differently (4.49999985e+14) where the small sizes above agree."""
    path = BENCH / "programs" / f"{program}.lua"
    lua = run(["lua5.4", path], timeout=120)
    luajit = run(["luajit", path], timeout=120)          # its JIT on: quick
    assert lua.status == 0 and luajit.status == 0, lua.err + luajit.err
    assert lua.out == luajit.out
