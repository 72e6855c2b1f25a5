"""Stage 1: the stack machine's assembler, disassembler, verifier and interpreter."""
import re
import struct

import pytest

from conftest import ROOT, program, run

STAGE = ROOT / "stage01-stackvm"
EXAMPLES = ["hello", "factorial", "fib", "gcd", "sum", "sieve"]
OPCODES = {name.lower(): number for number, name in enumerate(
    re.findall(r"^\s*X\((\w+),", (STAGE / "src" / "opcodes.h").read_text(), re.M))}


def stackvm(*args, **kwargs):
    return run([program("stage01-stackvm", "stackvm"), *args], **kwargs)


def bytecode(code: bytes, functions=((0, 0, 0),), globals=0, version=1, magic=b"SVMB"):
    """A bytecode file image, laid out as program.h describes."""
    header = magic + struct.pack("<HHIII", version, 0, len(code), len(functions), globals)
    return header + b"".join(struct.pack("<IHH", *f) for f in functions) + code


def op(name, operand=b""):
    return bytes([OPCODES[name]]) + operand


def source(tmp_path, text, name="prog.sasm"):
    path = tmp_path / name
    path.write_text(text)
    return path


def binary(tmp_path, data, name="prog.sbc"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the examples ---------------------------------------------------------

@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_example_prints_its_expected_output(name, dispatch):
    result = stackvm("run", f"--dispatch={dispatch}", STAGE / "examples" / f"{name}.sasm")
    assert result.status == 0, result.err
    assert result.out == (STAGE / "examples" / f"{name}.out").read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_both_dispatch_loops_report_the_same_stats(name):
    path = STAGE / "examples" / f"{name}.sasm"
    switch = stackvm("run", "--stats", "--dispatch=switch", path).stats()
    threaded = stackvm("run", "--stats", "--dispatch=threaded", path).stats()
    assert switch.pop("dispatch") == "switch" and threaded.pop("dispatch") == "threaded"
    assert switch == threaded


@pytest.mark.parametrize("name", EXAMPLES)
def test_asm_dis_asm_gives_back_the_same_bytes(name, tmp_path):
    first, second = tmp_path / "a.sbc", tmp_path / "b.sbc"
    assert stackvm("asm", STAGE / "examples" / f"{name}.sasm", "-o", first).status == 0
    listing = stackvm("dis", first)
    assert listing.status == 0, listing.err
    assert stackvm("asm", source(tmp_path, listing.out, "dis.sasm"), "-o", second).status == 0
    assert first.read_bytes() == second.read_bytes()
    ran = stackvm("run", first)
    assert ran.out == (STAGE / "examples" / f"{name}.out").read_text()


def test_stats_count_dispatches_exactly(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush 2\n\tpush 3\n\tadd\n\tprint\n\thalt\n")
    result = stackvm("run", "--stats", prog)
    assert result.out == "5\n"
    assert result.stats() == {"dispatches": 5, "instructions": 5, "code_bytes": 21,
                              "max_stack": 2, "max_call_depth": 0, "calls": 0,
                              "dispatch": "threaded"}


def test_stats_of_fib(tmp_path):
    stats = stackvm("run", "--stats", STAGE / "examples" / "fib.sasm").stats()
    assert stats["dispatches"] == 3928266
    assert stats["instructions"] == 28 and stats["max_call_depth"] == 24


def test_trace_prints_pc_instruction_and_stack_top(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush 7\n\tpush -2\n\tswap\n\tsub\n\tprint\n\thalt\n")
    result = stackvm("run", "--trace", prog)
    assert result.out == "-9\n"
    assert result.err.splitlines() == [
        "     0  push 7                stack:",
        "     9  push -2               stack: 7",
        "    18  swap                  stack: 7 -2",
        "    19  sub                   stack: -2 7",
        "    20  print                 stack: -9",
        "    21  halt                  stack:",
    ]


# --- arithmetic -----------------------------------------------------------

ARITHMETIC = [
    ("-7", "2", "div", "-3"), ("-7", "2", "mod", "-1"), ("7", "-2", "div", "-3"),
    ("7", "-2", "mod", "1"), ("-9223372036854775808", "-1", "div", "-9223372036854775808"),
    ("-9223372036854775808", "-1", "mod", "0"), ("9223372036854775807", "1", "add",
                                                 "-9223372036854775808"),
    ("-9223372036854775808", "1", "sub", "9223372036854775807"),
    ("0x7fffffffffffffff", "2", "mul", "-2"), ("0xffffffffffffffff", "0", "add", "-1"),
    ("3", "5", "lt", "1"), ("5", "5", "le", "1"), ("5", "3", "gt", "1"), ("3", "5", "ge", "0"),
    ("4", "4", "eq", "1"), ("4", "4", "ne", "0"),
]


@pytest.mark.parametrize("a, b, instruction, expected", ARITHMETIC)
def test_arithmetic_wraps_and_truncates_toward_zero(tmp_path, a, b, instruction, expected):
    prog = source(tmp_path, f".func main 0 0\n\tpush {a}\n\tpush {b}\n\t{instruction}\n"
                            "\tprint\n\thalt\n")
    result = stackvm("run", prog)
    assert (result.status, result.out) == (0, expected + "\n"), result.err


def test_neg_not_and_stack_shuffles(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush -9223372036854775808\n\tneg\n\tprint\n"
                            "\tpush 0\n\tnot\n\tprint\n\tpush 1\n\tpush 2\n\tover\n\tprint\n"
                            "\tdrop\n\tdup\n\tadd\n\tprint\n\thalt\n")
    assert stackvm("run", prog).out == "-9223372036854775808\n1\n1\n2\n"


# Each compare-and-jump on (3, 5), (5, 5) and (5, 3): "j" when it jumps, "-" when not.
COMPARE_JUMPS = [("jeq", "-j-"), ("jne", "j-j"), ("jlt", "j--"), ("jle", "jj-"),
                 ("jgt", "--j"), ("jge", "-jj")]


@pytest.mark.parametrize("instruction, expected", COMPARE_JUMPS)
@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_compare_and_jump_pops_both_and_jumps_when_the_relation_holds(
        tmp_path, instruction, expected, dispatch):
    text = ".func main 0 0\n"
    for n, (a, b) in enumerate([(3, 5), (5, 5), (5, 3)]):
        text += (f"\tpush {a}\n\tpush {b}\n\t{instruction} yes{n}\n\tpush '-'\n"
                 f"\tjmp done{n}\nyes{n}:\n\tpush 'j'\ndone{n}:\n\tputc\n")
    result = stackvm("run", "--stats", f"--dispatch={dispatch}", source(tmp_path, text + "\thalt\n"))
    assert (result.status, result.out) == (0, expected), result.err
    assert result.stats()["max_stack"] == 2


def test_incl_adds_a_signed_byte_to_a_local_and_wraps(tmp_path):
    prog = source(tmp_path, ".func main 0 2\n\tincl 1, -128\n\tloadl 1\n\tprint\n"
                            "\tpush 9223372036854775807\n\tstorel 0\n\tincl 0, 127\n"
                            "\tloadl 0\n\tprint\n\thalt\n")
    result = stackvm("run", "--stats", prog)
    assert result.out == "-128\n-9223372036854775682\n"
    assert result.stats()["max_stack"] == 3     # two locals and one operand: incl pushes none


@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_superinstructions_push_two_values_in_one_dispatch(tmp_path, dispatch):
    prog = source(tmp_path, ".globals 2\n.func main 0 2\n\tpush 7\n\tstorel 1\n\tloadll 1, 0\n"
                            "\tsub\n\tprint\n\tloadlk 1, -9223372036854775808\n\tprint\n\tprint\n"
                            "\tpush 5\n\tstoreg 1\n\tloadgk 1, 9\n\tsub\n\tprint\n"
                            "\tloadlk 0, 0\n\tjeq same\n\thalt\nsame:\n\tpush 'y'\n\tputc\n\thalt\n")
    result = stackvm("run", "--stats", f"--dispatch={dispatch}", prog)
    assert (result.status, result.out) == (0, "7\n-9223372036854775808\n7\n-4\ny"), result.err
    assert result.stats()["dispatches"] == 18
    assert result.stats()["max_stack"] == 4     # two locals and the two values loadlk pushes
    assert stackvm("asm", prog, "-o", tmp_path / "p.sbc").status == 0
    listing = stackvm("dis", tmp_path / "p.sbc").out
    assert "\tloadll 1, 0\n" in listing and "\tloadlk 1, -9223372036854775808\n" in listing
    assert "\tloadgk 1, 9\n" in listing


@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_compare_and_jumps_of_locals_test_without_the_stack(tmp_path, dispatch):
    """jCCll compares two locals, jCClk a local and a constant, and jumps:
    each of the twelve, both ways, in one dispatch and with nothing pushed."""
    # (condition, a value of local 0 for which it holds, one for which it
    # fails, local 1 and the constant)
    tests = [("eq", 3, 2, 3), ("ne", 3, 4, 4), ("lt", -5, 2, 2), ("le", 2, 3, 2),
             ("gt", 9, -9, -9), ("ge", -1, -2, -1)]
    text = ".func main 0 2\n"
    expected = ""
    n = 0
    for cc, holds, fails, b in tests:
        for form, operand in (("ll", "1"), ("lk", str(b))):
            for x in (holds, fails):
                n += 1
                text += (f"\tpush {x}\n\tstorel 0\n\tpush {b}\n\tstorel 1\n"
                         f"\tj{cc}{form} 0, {operand}, yes{n}\n\tpush 0\n\tprint\n"
                         f"\tjmp next{n}\nyes{n}:\n\tpush 1\n\tprint\nnext{n}:\n")
                expected += f"{int(x == holds)}\n"
    prog = source(tmp_path, text + "\thalt\n")
    result = stackvm("run", "--stats", f"--dispatch={dispatch}", prog)
    assert (result.status, result.out) == (0, expected), result.err
    assert result.stats()["max_stack"] == 3     # two locals and one operand: the jumps push none
    assert stackvm("asm", prog, "-o", tmp_path / "p.sbc").status == 0
    listing = stackvm("dis", tmp_path / "p.sbc").out
    assert "\tjeqll 0, 1, L" in listing and "\tjgelk 0, -1, L" in listing


def test_new_instructions_assemble_disassemble_and_trace(tmp_path):
    prog = source(tmp_path, ".func main 0 1\n\tincl 0, -3\n\tloadl 0\n\tpush 0\n"
                            "\tjlt neg\n\thalt\nneg:\n\thalt\n")
    assert stackvm("asm", prog, "-o", tmp_path / "p.sbc").status == 0
    listing = stackvm("dis", tmp_path / "p.sbc").out
    assert "\tincl 0, -3\n" in listing and "\tjlt L20\n" in listing
    trace = stackvm("run", "--trace", prog).err.splitlines()
    assert trace[0] == "     0  incl 0, -3            stack:"
    assert trace[3] == "    14  jlt L20               stack: -3 0"   # the disassembler's spelling


def test_recursion_ten_thousand_deep_works(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush 10000\n\tcall down\n\tprint\n\thalt\n"
                            ".func down 1 1\n\tloadl 0\n\tjz zero\n\tloadl 0\n\tpush 1\n\tsub\n"
                            "\tcall down\n\tpush 1\n\tadd\n\tret\nzero:\n\tpush 0\n\tret\n")
    result = stackvm("run", "--stats", prog)
    assert result.out == "10000\n"
    assert result.stats()["max_call_depth"] == 10001


# What a run shows of the stack, and where the limits fall, to the cell: a change
# to how the interpreter keeps its stack (chapter 1's stack caching) must leave
# them as they are.

@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_trace_shows_the_top_at_an_empty_stack_past_four_values_and_in_a_call(
        tmp_path, dispatch):
    prog = source(tmp_path, ".func main 0 0\n\tpush 1\n\tpush 2\n\tpush 3\n\tpush 4\n"
                            "\tpush 5\n\tcall times10\n\tadd\n\tadd\n\tadd\n\tadd\n\tprint\n\thalt\n"
                            ".func times10 1 2\n\tloadl 0\n\tpush 10\n\tmul\n\tret\n")
    result = stackvm("run", "--trace", f"--dispatch={dispatch}", prog)
    assert result.out == "60\n"
    assert result.err.splitlines() == [
        "     0  push 1                stack:",
        "     9  push 2                stack: 1",
        "    18  push 3                stack: 1 2",
        "    27  push 4                stack: 1 2 3",
        "    36  push 5                stack: 1 2 3 4",
        "    45  call f1               stack: ... 2 3 4 5",
        "    54  loadl 0               stack:",
        "    56  push 10               stack: 5",
        "    65  mul                   stack: 5 10",
        "    66  ret                   stack: 50",
        "    48  add                   stack: ... 2 3 4 50",
        "    49  add                   stack: 1 2 3 54",
        "    50  add                   stack: 1 2 57",
        "    51  add                   stack: 1 59",
        "    52  print                 stack: 60",
        "    53  halt                  stack:",
    ]


@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_calls_at_a_full_operand_stack(tmp_path, dispatch):
    """A call with no arguments at 1,023 values (its result makes 1,024, the
    verifier's limit), then one that takes two of the 1,024."""
    prog = source(tmp_path, ".func main 0 0\n" + "".join(f"\tpush {n}\n" for n in range(1, 1024))
                  + "\tcall seven\n\tcall sum2\n" + "\tadd\n" * 1022 + "\tprint\n\thalt\n"
                  ".func seven 0 0\n\tpush 7\n\tret\n"
                  ".func sum2 2 2\n\tloadll 0, 1\n\tadd\n\tret\n")
    result = stackvm("run", "--stats", f"--dispatch={dispatch}", prog)
    assert (result.status, result.out) == (0, f"{sum(range(1, 1024)) + 7}\n"), result.err
    assert result.stats()["max_stack"] == 1026


def down(n, locals_=1):
    """main calls down(n), which recurses n more times: n + 1 frames below main's."""
    return (f".func main 0 0\n\tpush {n}\n\tcall down\n\tprint\n\thalt\n"
            f".func down 1 {locals_}\n\tloadl 0\n\tjz zero\n\tloadl 0\n\tpush 1\n\tsub\n"
            "\tcall down\n\tpush 1\n\tadd\n\tret\nzero:\n\tpush 0\n\tret\n")


@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_recursion_exactly_at_the_frame_limit(tmp_path, dispatch):
    at_limit = stackvm("run", "--stats", f"--dispatch={dispatch}",
                       source(tmp_path, down(99999), "at.sasm"))
    assert (at_limit.status, at_limit.out) == (0, "99999\n"), at_limit.err
    assert at_limit.stats()["max_call_depth"] == 100000
    assert at_limit.stats()["max_stack"] == 100002
    over = stackvm("run", "--stats", f"--dispatch={dispatch}",
                   source(tmp_path, down(100000), "over.sasm"))
    assert over.status == 1 and over.out == ""
    assert "pc 33 (call): call stack deeper than the limit of 100000 frames" in over.err
    assert over.stats()["dispatches"] == 600002


@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_recursion_exactly_at_the_stack_cell_limit(tmp_path, dispatch):
    """down with 200 locals: the stack's 4,194,304 cells, not the frame
    limit, stop it."""
    at_limit = stackvm("run", "--stats", f"--dispatch={dispatch}",
                       source(tmp_path, down(20970, 200), "at.sasm"))
    assert (at_limit.status, at_limit.out) == (0, "20970\n"), at_limit.err
    assert at_limit.stats()["max_stack"] == 4194202
    over = stackvm("run", "--stats", f"--dispatch={dispatch}",
                   source(tmp_path, down(20971, 200), "over.sasm"))
    assert over.status == 1 and over.out == ""
    assert ("pc 33 (call): call stack full: the frames need more than its 4194304 cells"
            in over.err), over.err
    assert over.stats()["max_call_depth"] == 20971


# --- runtime errors: exit 1, naming pc and instruction --------------------

RUNTIME_ERRORS = [
    ("push 1\n\tpush 0\n\tdiv", "pc 18 (div): division by zero"),
    ("push 1\n\tpush 0\n\tmod", "pc 18 (mod): division by zero"),
    ("push -1\n\tload", "pc 9 (load): memory index -1 out of range (0 to 1048575)"),
    ("push 1048576\n\tpush 5\n\tstore\n\tpush 0", "pc 18 (store): memory index 1048576 out of range"),
]


@pytest.mark.parametrize("body, message", RUNTIME_ERRORS)
def test_runtime_errors_exit_1_with_pc_and_instruction(tmp_path, body, message):
    prog = source(tmp_path, f".func main 0 0\n\t{body}\n\tprint\n\thalt\n")
    result = stackvm("run", prog)
    assert result.status == 1
    assert result.err.startswith(f"stackvm: error: {prog}: {message}")


def test_runaway_recursion_fails_cleanly(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush 1000000\n\tcall down\n\thalt\n"
                            ".func down 1 1\n\tloadl 0\n\tpush 1\n\tsub\n\tcall down\n\tret\n")
    result = stackvm("run", prog)
    assert result.status == 1
    assert "call stack deeper than the limit of 100000 frames" in result.err


def test_step_limit(tmp_path):
    prog = source(tmp_path, ".func main 0 0\nloop:\n\tjmp loop\n")
    result = stackvm("run", "--max-steps", "1000", "--stats", prog)
    assert result.status == 1
    assert "pc 0 (jmp): step limit of 1000 instructions reached" in result.err
    assert result.stats()["dispatches"] == 1000


def test_memory_starts_zeroed_and_keeps_values(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush 1048575\n\tload\n\tprint\n\tpush 1048575\n"
                            "\tpush 42\n\tstore\n\tpush 1048575\n\tload\n\tprint\n\thalt\n")
    assert stackvm("run", prog).out == "0\n42\n"


# --- the verifier: each rejection with its own message, exit 2 -------------

def rejected(tmp_path, prog):
    result = stackvm("run", prog)
    assert result.status == 2, result.out
    assert result.out == ""
    return result.err


VERIFIER_SOURCES = [
    (".func main 0 0\n\tadd\n\thalt\n", "pc 0: add: stack underflow (needs 2 values, has 0"),
    (".func main 0 0\n\tpush 1\n\tjz skip\n\tpush 2\nskip:\n\thalt\n",
     "pc 23: stack depths differ where paths meet (1 from pc 14, 0 from an earlier path)"),
    (".func main 0 0\n" + "\tpush 1\n" * 1025 + "\thalt\n",
     "pc 9216: push: stack deeper than the limit of 1024"),
    (".func main 0 1\n\tloadl 1\n\thalt\n",
     "pc 0: loadl 1: local index out of range (function 0 has 1 locals)"),
    (".func main 0 1\n\tincl 1, 1\n\thalt\n",
     "pc 0: incl 1: local index out of range (function 0 has 1 locals)"),
    (".func main 0 2\n\tloadll 1, 2\n\thalt\n",
     "pc 0: loadll 2: local index out of range (function 0 has 2 locals)"),
    (".func main 0 2\n\tloadlk 2, 1\n\thalt\n",
     "pc 0: loadlk 2: local index out of range (function 0 has 2 locals)"),
    (".globals 1\n.func main 0 0\n\tloadgk 1, 1\n\thalt\n",
     "pc 0: loadgk 1: global index out of range (the program has 1 globals)"),
    (".func main 0 0\n\tpush 1\n\tjlt out\nout:\n\thalt\n",
     "pc 9: jlt: stack underflow (needs 2 values, has 1"),
    (".func main 0 0\n\tloadg 0\n\thalt\n",
     "pc 0: loadg 0: global index out of range (the program has 0 globals)"),
    (".func main 0 0\n\tpush 1\n\tprint\n",
     "pc 9: print: execution falls off the end of the function without ret or halt"),
    (".func main 0 0\n\tjmp there\n.func f 0 0\nthere:\n\thalt\n",
     "pc 0: jmp 5: jump target outside function 0 (0..4)"),
    (".func main 1 1\n\thalt\n", "function 0 is where a run starts and cannot take arguments"),
    (".func main 0 2\n\tjltll 0, 2, out\nout:\n\thalt\n",
     "pc 0: jltll 2: local index out of range (function 0 has 2 locals)"),
    (".func main 0 1\n\tjgelk 1, 5, out\nout:\n\thalt\n",
     "pc 0: jgelk 1: local index out of range (function 0 has 1 locals)"),
    (".func main 0 1\n\tjeqll 0, 0, there\n\thalt\n.func f 0 0\nthere:\n\thalt\n",
     "pc 0: jeqll 8: jump target outside function 0 (0..7)"),
    (".func main 0 1\n\tpush 1\n\tjnelk 0, 1, out\n\tdrop\nout:\n\thalt\n",
     "pc 24: stack depths differ where paths meet (0 from pc 23, 1 from an earlier path)"),
]


@pytest.mark.parametrize("text, message", VERIFIER_SOURCES)
def test_verifier_rejects_unsafe_assembly(tmp_path, text, message):
    prog = source(tmp_path, text)
    assert f"stackvm: error: {prog}: {message}" in rejected(tmp_path, prog)


VERIFIER_BYTECODE = [
    (bytecode(b"\xee"), "pc 0: unknown opcode 0xee"),
    (bytecode(op("push", b"\1\2\3")), "pc 0: push: operand truncated by the end of function 0"),
    (bytecode(op("jmp", struct.pack("<I", 6)) + op("push", bytes(8)) + op("halt")),
     "pc 0: jmp 6: jump into the middle of an instruction"),
    # Code no path reaches is checked all the same: dis must label every target.
    (bytecode(op("halt") + op("jmp", struct.pack("<I", 7)) + op("push", bytes(8)) + op("halt")),
     "pc 1: jmp 7: jump into the middle of an instruction"),
    (bytecode(op("halt") + op("push", bytes(8)) + op("jz", struct.pack("<I", 12)) + op("halt")),
     "pc 10: jz 12: jump into the middle of an instruction"),
    (bytecode(op("call", struct.pack("<H", 3)) + op("halt")),
     "pc 0: call 3: call target is not a function (the program has 1)"),
    (bytecode(op("halt") * 2, functions=((0, 0, 0), (0, 0, 0))),
     "function 1: entry 0 is out of order or outside the code"),
    (bytecode(op("halt"), functions=((0, 0, 0), (1, 2, 1))),
     "function 1: entry 1 is out of order or outside the code"),
    (bytecode(op("halt") * 2, functions=((0, 0, 0), (1, 3, 2))),
     "function 1: 3 arguments and 2 locals"),
    # the compare-and-jumps of locals: the address after the slots (and the
    # constant), checked as every jump's is
    (bytecode(op("jltll", b"\0\0" + struct.pack("<I", 3)) + op("halt"), functions=((0, 0, 1),)),
     "pc 0: jltll 3: jump into the middle of an instruction"),
    (bytecode(op("jltlk", b"\0" + bytes(8) + struct.pack("<I", 5)) + op("halt"),
              functions=((0, 0, 1),)),
     "pc 0: jltlk 5: jump into the middle of an instruction"),
    (bytecode(op("jltlk", b"\0" + bytes(8) + b"\1\2")), "pc 0: jltlk: operand truncated"),
]


@pytest.mark.parametrize("data, message", VERIFIER_BYTECODE)
def test_verifier_rejects_unsafe_bytecode(tmp_path, data, message):
    prog = binary(tmp_path, data)
    assert f"stackvm: error: {prog}: {message}" in rejected(tmp_path, prog)


# --- malformed files ------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b"", "not a bytecode file: 0 bytes is shorter than the 20-byte header"),
    (b"JUNK" + bytes(30), "not a bytecode file: wrong magic number"),
    (bytecode(op("halt"), version=2), "bytecode format version 2 is not supported"),
    (bytecode(op("halt")) + b"x", "the file goes on 1 byte after the code, and not with a line table"),
    (bytecode(op("halt"), functions=()), "bad function count 0"),
    (bytecode(b""), "bad code size 0"),
])
def test_loader_rejects_malformed_files(tmp_path, data, message):
    prog = binary(tmp_path, data)
    assert f"stackvm: error: {prog}: {message}" in rejected(tmp_path, prog)


@pytest.fixture(scope="module")
def gcd_bytecode(tmp_path_factory):
    path = tmp_path_factory.mktemp("gcd") / "gcd.sbc"
    assert stackvm("asm", STAGE / "examples" / "gcd.sasm", "-o", path).status == 0
    return path.read_bytes()


def test_every_truncation_is_rejected(tmp_path, gcd_bytecode):
    for length in range(len(gcd_bytecode)):
        result = stackvm("run", binary(tmp_path, gcd_bytecode[:length]))
        assert result.status == 2 and "error:" in result.err, length


def test_every_bit_flip_is_rejected_or_runs_cleanly(tmp_path, gcd_bytecode):
    for bit in range(len(gcd_bytecode) * 8):
        data = bytearray(gcd_bytecode)
        data[bit // 8] ^= 1 << (bit % 8)
        result = stackvm("run", "--max-steps", "100000", binary(tmp_path, bytes(data)))
        assert result.status in (0, 1, 2), f"bit {bit}: status {result.status}"
        if result.status != 0:
            assert result.err.startswith("stackvm: error: "), f"bit {bit}: {result.err}"


# --- the assembler: errors with file:line:col -----------------------------

ASM_ERRORS = [
    ("\tpush 1\n", "1:2: instruction before the first .func"),
    (".func main 0 0\n\tfrob\n", "2:2: unknown instruction frob"),
    (".func main 0 0\n\tjmp nowhere\n", "2:6: unknown label 'nowhere'"),
    (".func main 0 0\nx:\nx:\n\thalt\n", "3:1: label 'x' is already defined at line 2"),
    (".func main 0 0\n\tpush 12ab\n", "2:7: malformed number"),
    (".func main 0 0\n\tpush 99999999999999999999\n", "2:7: number does not fit in 64 bits"),
    (".func main 0 0\n\tpush 'a\n", "2:7: unterminated character literal"),
    (".func main 0 0\n\thalt halt\n", "2:7: unexpected text after the instruction"),
    (".func main 0 0\n\tloadl 256\n", "2:8: local index must be 0 to 255"),
    (".func main 0 1\n\tincl 0, 128\n", "2:10: constant must be -128 to 127"),
    (".func main 0 1\n\tincl 0 1\n", "2:9: expected ','"),
    (".func main 0 1\n\tloadll 0, 256\n", "2:12: local index must be 0 to 255"),
    (".func main 0 1\n\tloadlk 0 1\n", "2:11: expected ','"),
    (".func main 0 0\n\tloadgk 65536, 1\n", "2:9: global index must be 0 to 65535"),
    (".func main 0 0\n\tcall g\n", "2:7: unknown function 'g'"),
    (".func main 2 1\n", "1:1: a function's arguments are among its locals"),
    (".bogus\n", "1:1: unknown directive .bogus"),
    ("; nothing\n", "2:1: no .func: a program needs at least one function"),
]


@pytest.mark.parametrize("text, message", ASM_ERRORS)
def test_assembler_errors_name_line_and_column(tmp_path, text, message):
    prog = source(tmp_path, text)
    result = stackvm("asm", prog, "-o", tmp_path / "out.sbc")
    position, message = message.split(": ", 1)
    assert result.status == 2
    assert result.err.startswith(f"{prog}:{position}: error: {message}")
    assert not (tmp_path / "out.sbc").exists()


def test_character_literals_and_hex(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush 'A'\n\tputc\n\tpush '\\n'\n\tputc\n"
                            "\tpush 0x41\n\tprint\n\thalt ; done\n")
    assert stackvm("run", prog).out == "A\n65\n"


# --- the command line -----------------------------------------------------

def test_help_goes_to_stdout_and_exits_0():
    result = stackvm("--help")
    assert result.status == 0 and result.out.startswith("usage: stackvm asm")


@pytest.mark.parametrize("args, message", [
    ((), "no command given"),
    (("frob",), "unknown command 'frob'"),
    (("run",), "run needs a program file"),
    (("run", "--bogus", "x.sasm"), "run: unexpected argument '--bogus'"),
    (("run", "--max-steps", "lots", "x.sasm"), "--max-steps needs a whole number"),
    (("asm", "x.sasm"), "asm needs an input file and -o OUTPUT"),
    (("run", "/no/such/file.sbc"), "/no/such/file.sbc: cannot open: No such file or directory"),
])
def test_usage_errors_exit_2(args, message):
    result = stackvm(*args)
    assert result.status == 2
    assert result.err.startswith(f"stackvm: error: {message}")


# --- the chapter's exercises ----------------------------------------------

@pytest.mark.exercise("ex1.1", points=3, hints=[
    (r"runtime error", "abs of INT64_MIN: -x overflows there, which is undefined behaviour in C "
                       "(the grader's sanitizer build stops on it); wrap as neg does, with wrap_sub"),
    (r"got: +'9223372036854775807'", "abs of INT64_MIN wraps to INT64_MIN, like neg: it does "
                                     "not saturate to INT64_MAX"),
])
def test_ex1_1_abs(tmp_path):
    prog = source(tmp_path, ".func main 0 0\n\tpush -5\n\tabs\n\tprint\n\tpush 6\n\tabs\n"
                            "\tprint\n\tpush 0\n\tabs\n\tprint\n\tpush -9223372036854775807\n\tabs\n"
                            "\tprint\n\tpush -9223372036854775808\n\tabs\n\tprint\n\thalt\n")
    result = stackvm("run", prog)
    assert result.out == "5\n6\n0\n9223372036854775807\n-9223372036854775808\n", result.err


@pytest.mark.exercise("ex1.2", points=4, hints=[
    (r"got: +''", "push NAME found no value: directive_const must define the constant"),
    (r"expected: +'10'", "VALUE is any number the assembler reads, a character like '\\n' "
                         "too: read it with lex_number"),
])
def test_ex1_2_named_constants(tmp_path):
    prog = source(tmp_path, ".const LIMIT 100\n.const NL '\\n'\n.const LOW -7\n.func main 0 0\n"
                            "\tpush LIMIT\n\tprint\n\tpush NL\n\tprint\n\tpush LOW\n\tprint\n\thalt\n")
    result = stackvm("run", prog)
    assert result.out == "100\n10\n-7\n", result.err


@pytest.mark.exercise("ex1.2", points=2, hints=[
    (r"already defined", "defining a constant twice is an error at the second name: reuse "
                         "asm_define(), which reports it where you say the name is"),
])
def test_ex1_2_unknown_and_repeated_constants(tmp_path):
    source(tmp_path, ".func main 0 0\n\tpush LIMIT\n\thalt\n", "a.sasm")
    source(tmp_path, ".const A 1\n.const A 2\n.func main 0 0\n\thalt\n", "b.sasm")
    errors = [stackvm("run", name, cwd=tmp_path).err_lines[:1] for name in ("a.sasm", "b.sasm")]
    assert [line for first in errors for line in first] == [
        "a.sasm:2:7: error: unknown constant LIMIT",
        "b.sasm:2:8: error: constant 'A' is already defined at line 1"]


@pytest.mark.exercise("ex1.3", points=5, hints=[
    (r"got: +\[(392810|\d+, 4)\b", "one too many: note_call also runs once with depth 0, for "
                                   "function 0, which no call instruction called"),
    (r"got: +\[0, 0\]", "calls stays 0: count in note_call()"),
])
def test_ex1_3_stats_count_calls():
    runs = [stackvm("run", "--stats", STAGE / "examples" / name) for name in ("fib.sasm", "gcd.sasm")]
    calls = [result.stats()["calls"] for result in runs]
    assert calls == [392809, 3]


def test_code_exactly_at_the_size_limit_loads_and_one_byte_more_is_refused(tmp_path):
    # MAX_CODE_SIZE bytes of halt: the file is larger than the code, and the
    # tool must still read it; one byte more is the loader's error, not a
    # read limit's
    limit = 16 << 20
    at_limit = binary(tmp_path, bytecode(op("halt") * limit), "limit.sbc")
    result = stackvm("run", "--stats", at_limit)
    assert result.status == 0 and result.stats()["code_bytes"] == limit, result.err
    over = binary(tmp_path, bytecode(op("halt") * (limit + 1)), "over.sbc")
    assert f"stackvm: error: {over}: bad code size {limit + 1} (1 to {limit} bytes allowed)" \
        in rejected(tmp_path, over)
