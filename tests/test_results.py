"""Chapter 6's exercises: the measurements that choose a superinstruction
(stackvm run --profile) and the superinstruction itself, in the register
machine's Toy compiler.  All of them run on any host: no KVM, no timing."""
import pytest

from conftest import program, run

PROGRAM = """.func main 0 1
	push 0
	storel 0
loop:
	incl 0, 1
	loadl 0
	push 4
	jlt loop
	loadl 0
	print
	halt
"""


def stackvm(*args):
    return run([program("stage01-stackvm", "stackvm"), *args])


def regvm(*args):
    return run([program("stage02-regvm", "regvm"), *args])


def source(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.exercise("ex6.1", points=3)
def test_ex6_1_profile_counts_each_instruction_most_first(tmp_path):
    result = stackvm("run", "--profile", "--stats", source(tmp_path, "p.sasm", PROGRAM))
    assert result.status == 0 and result.out == "4\n", result.err
    profile = "\n".join(result.err_lines[:-1]) + "\n"
    # equal counts keep the instruction table's order: push before loadl
    assert profile == ("           5   23.8%  push\n"
                       "           5   23.8%  loadl\n"
                       "           4   19.0%  jlt\n"
                       "           4   19.0%  incl\n"
                       "           1    4.8%  halt\n"
                       "           1    4.8%  storel\n"
                       "           1    4.8%  print\n")
    assert result.stats()["dispatches"] == 21


@pytest.mark.exercise("ex6.2", points=3)
def test_ex6_2_profile_pairs_names_the_most_frequent_pairs(tmp_path):
    result = stackvm("run", "--profile=pairs", source(tmp_path, "p.sasm", PROGRAM))
    assert result.status == 0 and result.out == "4\n", result.err
    # nine pairs ran, fewer than ten: all of them, the most frequent first
    assert result.err == ("           4  push jlt\n"
                          "           4  loadl push\n"
                          "           4  incl loadl\n"
                          "           3  jlt incl\n"
                          "           1  push storel\n"
                          "           1  loadl print\n"
                          "           1  storel incl\n"
                          "           1  print halt\n"
                          "           1  jlt loadl\n")


@pytest.mark.exercise("ex6.2", points=1)
def test_ex6_2_profile_pairs_prints_the_ten_most_frequent(tmp_path):
    lines = [f"\tpush {k}\n\tprint\n" for k in range(8)]
    prog = source(tmp_path, "q.sasm", ".func main 0 0\n" + "".join(lines) + "\thalt\n")
    result = stackvm("run", "--profile=pairs", prog)
    assert result.status == 0, result.err
    assert result.err == "           8  push print\n           7  print push\n           1  print halt\n"


COUNTING = """var limit = 3;
fn count(n) {
    var i = 0;
    var sum = 0;
    while (i < n) {
        sum = sum + i;
        i = i + 1;
    }
    return sum;
}
fn other(n) {
    var i = 0;
    while (i <= n) { i = i + 1; }
    while (i < n) { i = i + 2; }
    while (i < 10) { i = i + 1; }
    while (i < limit) { i = i + 1; }
    return i;
}
print(count(1000));
print(other(5));
"""


def loops_of(assembly: str) -> list:
    """Each loop's instructions between its label and the one after it (the
    `.line` directives that say which Toy line they came from left out)."""
    loops, current = [], None
    for line in assembly.splitlines():
        text = line.split(";")[0].strip()
        if text.startswith(".line "):
            continue
        if text.endswith(":"):
            current = []
            loops.append(current)
        elif text and current is not None:
            current.append(text)
    return loops


@pytest.mark.exercise("ex6.3", points=2)
def test_ex6_3_only_a_counting_loop_ends_in_incjlt(tmp_path):
    out = tmp_path / "c.rasm"
    result = regvm("compile", "--fuse", "--emit-asm", source(tmp_path, "c.toy", COUNTING), "-o", out)
    assert result.status == 0, result.err
    assembly = out.read_text()
    assert "exercise ex6.3 is not done yet" not in assembly, "exercise ex6.3 is not done yet"
    loops = loops_of(assembly)
    assert loops[0] == ["add r2, r2, r1", "incjlt r1, r0, L1"], assembly
    # i <= n, a step of 2, a constant or a global bound are not `while i < n { ... i = i + 1; }`
    assert assembly.count("incjlt") == 1, assembly


@pytest.mark.exercise("ex6.3", points=2)
def test_ex6_3_the_fused_loop_saves_a_dispatch_per_turn(tmp_path):
    prog = source(tmp_path, "c.toy", COUNTING)
    fused = regvm("run", "--fuse", "--stats", prog)
    assert fused.status == 0, fused.err
    assert fused.out == stackvm("run", prog).out == "499500\n10\n"
    # 1,000 turns of count's loop at two dispatches each, where addi and jlt took three
    assert fused.stats()["dispatches"] == 2040, (
        "no incjlt: with --fuse, count's loop should end in one (ex6.3)")
    assert regvm("run", "--stats", prog).stats()["dispatches"] == 3040   # without --fuse
