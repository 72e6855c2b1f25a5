"""Stage 2: the register machine's assembler, disassembler, verifier and interpreter."""
import re
import struct

import pytest

from conftest import ROOT, program, run

STAGE = ROOT / "stage02-regvm"
EXAMPLES = ["hello", "factorial", "fib", "gcd", "sum", "sieve"]
OPCODES = {name.lower(): number for number, name in enumerate(
    re.findall(r"^\s*X\((\w+),", (STAGE / "src" / "opcodes.h").read_text(), re.M))}


def regvm(*args, **kwargs):
    return run([program("stage02-regvm", "regvm"), *args], **kwargs)


def bytecode(words, functions=((0, 0, 1),), globals=0, constants=(), version=1, magic=b"RVMB"):
    """A bytecode file image, laid out as program.h describes."""
    header = magic + struct.pack("<HHIIII", version, 0, len(words), len(functions),
                                 globals, len(constants))
    return (header + b"".join(struct.pack("<IHH", *f) for f in functions) +
            b"".join(struct.pack("<q", k) for k in constants) +
            b"".join(struct.pack("<I", w) for w in words))


def word(name, a=0, b=0, c=0):
    return OPCODES[name] | a << 8 | b << 16 | c << 24


def source(tmp_path, text, name="prog.rasm"):
    path = tmp_path / name
    path.write_text(text)
    return path


def binary(tmp_path, data, name="prog.rbc"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the examples: the same outputs as the stack machine ------------------

@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_example_prints_its_expected_output(name, dispatch):
    result = regvm("run", f"--dispatch={dispatch}", STAGE / "examples" / f"{name}.rasm")
    assert result.status == 0, result.err
    assert result.out == (STAGE / "examples" / f"{name}.out").read_text()
    assert result.out == (ROOT / "stage01-stackvm" / "examples" / f"{name}.out").read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_both_dispatch_loops_report_the_same_stats(name):
    path = STAGE / "examples" / f"{name}.rasm"
    switch = regvm("run", "--stats", "--dispatch=switch", path).stats()
    threaded = regvm("run", "--stats", "--dispatch=threaded", path).stats()
    assert switch.pop("dispatch") == "switch" and threaded.pop("dispatch") == "threaded"
    assert switch == threaded


@pytest.mark.parametrize("name", EXAMPLES)
def test_asm_dis_asm_gives_back_the_same_bytes(name, tmp_path):
    first, second = tmp_path / "a.rbc", tmp_path / "b.rbc"
    assert regvm("asm", STAGE / "examples" / f"{name}.rasm", "-o", first).status == 0
    listing = regvm("dis", first)
    assert listing.status == 0, listing.err
    assert regvm("asm", source(tmp_path, listing.out, "dis.rasm"), "-o", second).status == 0
    assert first.read_bytes() == second.read_bytes()


def test_stats_count_dispatches_exactly(tmp_path):
    prog = source(tmp_path, ".func main 0 2\n\tloadi r0, 2\n\taddi r1, r0, 3\n\tprint r1\n\thalt\n")
    result = regvm("run", "--stats", prog)
    assert result.out == "5\n"
    assert result.stats() == {"dispatches": 4, "instructions": 4, "code_bytes": 16,
                              "max_registers": 2, "max_call_depth": 0, "dispatch": "threaded"}


def test_fib_makes_fewer_dispatches_than_on_the_stack_machine():
    reg = regvm("run", "--stats", STAGE / "examples" / "fib.rasm").stats()
    assert reg["dispatches"] == 1767705 and reg["max_call_depth"] == 24
    assert reg["max_registers"] == 3


def test_trace_prints_pc_instruction_and_registers(tmp_path):
    prog = source(tmp_path, ".func main 0 3\n\tloadi r0, 7\n\tloadi r1, -2\n\tsub r2, r1, r0\n"
                            "\tprint r2\n\thalt\n")
    result = regvm("run", "--trace", prog)
    assert result.out == "-9\n"
    assert result.err.splitlines() == [
        "     0  loadi r0, 7                   r0=0",
        "     1  loadi r1, -2                  r1=0",
        "     2  sub r2, r1, r0                r2=0 r1=-2 r0=7",
        "     3  print r2                      r2=-9",
        "     4  halt",
    ]


# --- arithmetic, calls, memory ----------------------------------------------

ARITHMETIC = [
    ("-7", "2", "div", "-3"), ("-7", "2", "mod", "-1"), ("7", "-2", "mod", "1"),
    ("-9223372036854775808", "-1", "div", "-9223372036854775808"),
    ("-9223372036854775808", "-1", "mod", "0"),
    ("9223372036854775807", "1", "add", "-9223372036854775808"),
    ("0x7fffffffffffffff", "2", "mul", "-2"), ("3", "5", "lt", "1"), ("5", "5", "le", "1"),
    ("4", "4", "eq", "1"), ("4", "4", "ne", "0"),
]


@pytest.mark.parametrize("a, b, instruction, expected", ARITHMETIC)
def test_arithmetic_wraps_and_truncates_toward_zero(tmp_path, a, b, instruction, expected):
    prog = source(tmp_path, f".func main 0 3\n\tloadk r0, {a}\n\tloadk r1, {b}\n"
                            f"\t{instruction} r2, r0, r1\n\tprint r2\n\thalt\n")
    result = regvm("run", prog)
    assert (result.status, result.out) == (0, expected + "\n"), result.err


def test_immediate_forms_and_compare_and_jump(tmp_path):
    prog = source(tmp_path, ".func main 0 2\n\tloadi r0, -5\n\taddi r0, r0, -100\n\tprint r0\n"
                            "\tjgei r0, 0, no\n\tjlti r0, -105, no\n\tjeqi r0, -105, yes\nno:\n"
                            "\tloadi r1, 0\n\tprint r1\n\thalt\nyes:\n\tloadi r1, 1\n"
                            "\tprint r1\n\thalt\n")
    assert regvm("run", prog).out == "-105\n1\n"


def test_recursion_ten_thousand_deep_works(tmp_path):
    prog = source(tmp_path, ".func main 0 1\n\tloadi r0, 10000\n\tcall r0, down\n\tprint r0\n"
                            "\thalt\n.func down 1 2\n\tjeqi r0, 0, zero\n\taddi r1, r0, -1\n"
                            "\tcall r1, down\n\taddi r0, r1, 1\nzero:\n\tret r0\n")
    result = regvm("run", "--stats", prog)
    assert result.out == "10000\n"
    assert result.stats()["max_call_depth"] == 10001


RUNTIME_ERRORS = [
    ("loadi r0, 1\n\tloadi r1, 0\n\tdiv r0, r0, r1", "pc 2 (div): division by zero"),
    ("loadi r0, 1\n\tloadi r1, 0\n\tmod r0, r0, r1", "pc 2 (mod): division by zero"),
    ("loadi r1, -1\n\tload r0, r1", "pc 1 (load): memory index -1 out of range (0 to 1048575)"),
    ("loadk r0, 1048576\n\tstore r0, r1", "pc 1 (store): memory index 1048576 out of range"),
]


@pytest.mark.parametrize("body, message", RUNTIME_ERRORS)
def test_runtime_errors_exit_1_with_pc_and_instruction(tmp_path, body, message):
    prog = source(tmp_path, f".func main 0 2\n\t{body}\n\thalt\n")
    result = regvm("run", prog)
    assert result.status == 1
    assert result.err.startswith(f"regvm: error: {prog}: {message}")


def test_runaway_recursion_fails_cleanly(tmp_path):
    prog = source(tmp_path, ".func main 0 1\n\tcall r0, down\n\thalt\n"
                            ".func down 1 1\n\tcall r0, down\n\tret r0\n")
    result = regvm("run", prog)
    assert result.status == 1
    assert "call stack deeper than the limit of 100000 frames" in result.err


@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_register_windows_fill_the_cells_before_the_frame_limit(tmp_path, dispatch):
    """Each frame of down moves the window 199 registers up and needs 200: the
    4,194,304 cells run out at depth 21,076, long before 100,000 frames, and
    the report says which limit it was."""
    prog = source(tmp_path, ".func main 0 1\n\tcall r0, down\n\thalt\n"
                            ".func down 1 200\n\tcall r199, down\n\tret r0\n")
    result = regvm("run", "--stats", f"--dispatch={dispatch}", prog)
    assert result.status == 1 and result.out == ""
    assert ("pc 2 (call): call stack full: the frames need more than its 4194304 cells"
            in result.err), result.err
    assert result.stats()["max_call_depth"] == 21076


def test_step_limit(tmp_path):
    prog = source(tmp_path, ".func main 0 0\nloop:\n\tjmp loop\n")
    result = regvm("run", "--max-steps", "1000", "--stats", prog)
    assert result.status == 1
    assert "pc 0 (jmp): step limit of 1000 instructions reached" in result.err
    assert result.stats()["dispatches"] == 1000


# --- the verifier -----------------------------------------------------------

def rejected(prog):
    result = regvm("run", prog)
    assert result.status == 2, result.out
    return result.err


VERIFIER_SOURCES = [
    (".func main 0 1\n\tmov r0, r1\n\thalt\n", "pc 0: mov: register 1 out of range (0 to 0)"),
    (".func main 0 1\n\tgetg r0, 0\n\thalt\n", "pc 0: getg: global 0 out of range (0 to -1)"),
    (".func main 0 1\n\tloadi r0, 1\n", "pc 0: loadi: execution falls off the end of function 0"),
    (".func main 0 1\n\tjmp there\n.func f 0 1\nthere:\n\thalt\n",
     "pc 0: jmp: jump target 1 outside function 0 (0..0)"),
    (".func main 0 2\n\tcall r1, f\n\thalt\n.func f 2 2\n\tret r0\n",
     "pc 0: call r1, function 1: its 2 arguments run past the 2 registers of function 0"),
    (".func main 1 1\n\thalt\n", "function 0 is where a run starts and cannot take arguments"),
]


@pytest.mark.parametrize("text, message", VERIFIER_SOURCES)
def test_verifier_rejects_unsafe_assembly(tmp_path, text, message):
    prog = source(tmp_path, text)
    assert f"regvm: error: {prog}: {message}" in rejected(prog)


VERIFIER_BYTECODE = [
    (bytecode([0xee]), "pc 0: unknown opcode 0xee"),
    (bytecode([word("loadk", 0, 5, 0), word("halt")]),
     "pc 0: loadk: constant 5 out of range (0 to -1)"),
    (bytecode([word("call", 0, 3, 0), word("halt")]),
     "pc 0: call 3: call target is not a function (the program has 1)"),
    (bytecode([word("jlt", 0, 0), 1, word("halt")]),
     "pc 0: jlt: jump target 3 outside function 0 (0..2)"),
    (bytecode([word("jlt", 0, 0), 0xffffffff, word("halt")]),
     "pc 0: jlt: jump into the middle of an instruction (word 1)"),
    (bytecode([word("halt"), word("jlt", 0, 0)], functions=((0, 0, 1), (1, 0, 1))),
     "pc 1: jlt: its offset word is cut off by the end of function 1"),
    (bytecode([word("halt")], functions=((0, 0, 300),)), "function 0: 0 arguments and 300 registers"),
    # Bits an instruction's format leaves unused must be zero, or dis could
    # not write them and asm would not give the same file back.
    (bytecode([word("halt", 1)]), "pc 0: halt: unused bits 0x00000100 of the instruction word"),
    (bytecode([word("ret", 0, 0, 2), word("halt")]),
     "pc 0: ret: unused bits 0x02000000 of the instruction word are not zero"),
    (bytecode([word("mov", 0, 0, 0xff), word("halt")]),
     "pc 0: mov: unused bits 0xff000000 of the instruction word are not zero"),
    # (jmp has no unused bits: its offset, sJ, fills A and B and C)
    (bytecode([word("jmp", 3), word("halt")]),
     "pc 0: jmp: jump target 4 outside function 0 (0..1)"),
    (bytecode([word("jlt", 0, 0, 0x80), 0, word("halt")]),
     "pc 0: jlt: unused bits 0x80000000 of the instruction word are not zero"),
    (bytecode([word("mulk", 0, 0, 1), 5, word("halt")]),
     "pc 0: mulk: unused bits 0x01000000 of the instruction word are not zero"),
    # the constant forms: a pool index inside the pool, a divisor not 0
    (bytecode([word("jltk", 0, 1, 0), 0, word("halt")], constants=(7,)),
     "pc 0: jltk: constant 1 out of range (0 to 0)"),
    (bytecode([word("modk", 0, 0), 0, word("halt")]),
     "pc 0: modk: division by the constant 0"),
    (bytecode([word("divk", 0, 0), 0, word("halt")]),
     "pc 0: divk: division by the constant 0"),
    (bytecode([word("addk", 0, 1), 5, word("halt")]),
     "pc 0: addk: register 1 out of range (0 to 0)"),
    # loadkx: its pool index is the whole second word
    (bytecode([word("loadkx", 0), 1, word("halt")], constants=(7,)),
     "pc 0: loadkx: constant 1 out of range (0 to 0)"),
    (bytecode([word("loadkx", 0, 0, 1), 0, word("halt")], constants=(7,)),
     "pc 0: loadkx: unused bits 0x01000000 of the instruction word are not zero"),
    (bytecode([word("halt"), word("loadkx", 0)], functions=((0, 0, 1), (1, 0, 1)),
              constants=(7,)),
     "pc 1: loadkx: its index word is cut off by the end of function 1"),
]


def test_a_pool_past_65536_constants_loads_with_loadkx_and_comes_back_from_dis(tmp_path):
    """loadk reaches the first 65,536 constants of the pool (Bx); the
    assembler writes loadkx, whose index is a word of its own, for the rest,
    and dis gives the same file back.  A compare-and-jump cannot reach them
    and says so."""
    pool = "".join(f"\tloadk r0, {40000 + i}\n" for i in range(65536))
    source = tmp_path / "big.rasm"
    source.write_text(f".func main 0 1\n{pool}\tloadk r0, 12345678901\n\tprint r0\n\thalt\n")
    prog = tmp_path / "big.rbc"
    assert regvm("asm", source, "-o", prog).status == 0
    result = regvm("run", "--stats", prog)
    assert result.out == "12345678901\n" and result.stats()["dispatches"] == 65536 + 3
    listing = regvm("dis", prog).out
    assert "\tloadkx r0, 12345678901\n" in listing and listing.count("loadkx") == 1
    again = tmp_path / "again.rasm"
    again.write_text(listing)
    assert regvm("asm", again, "-o", tmp_path / "again.rbc").status == 0
    assert (tmp_path / "again.rbc").read_bytes() == prog.read_bytes()
    source.write_text(f".func main 0 1\n{pool}\tjltk r0, 12345678901, L1\nL1:\n\thalt\n")
    result = regvm("asm", source, "-o", prog)
    assert result.status == 2 and f"{source}:65538:" in result.err
    assert ("jltk reaches the first 65536 constants of the pool, and 12345678901 is "
            "number 65536: compare with a register loaded by loadk") in result.err


@pytest.mark.parametrize("data, message", VERIFIER_BYTECODE)
def test_verifier_rejects_unsafe_bytecode(tmp_path, data, message):
    prog = binary(tmp_path, data)
    assert f"regvm: error: {prog}: {message}" in rejected(prog)


@pytest.mark.parametrize("data, message", [
    (b"", "not a bytecode file: 0 bytes is shorter than the 24-byte header"),
    (b"JUNK" + bytes(30), "not a bytecode file: wrong magic number"),
    (bytecode([word("halt")], version=9), "bytecode format version 9 is not supported"),
    (bytecode([word("halt")]) + b"x", "the file goes on 1 byte after the code, and not with a line table"),
    (bytecode([word("halt")], functions=()), "bad counts: 0 functions"),
    (bytecode([]), "bad code size 0 words"),
])
def test_loader_rejects_malformed_files(tmp_path, data, message):
    prog = binary(tmp_path, data)
    assert f"regvm: error: {prog}: {message}" in rejected(prog)


@pytest.fixture(scope="module")
def gcd_bytecode(tmp_path_factory):
    path = tmp_path_factory.mktemp("gcd") / "gcd.rbc"
    assert regvm("asm", STAGE / "examples" / "gcd.rasm", "-o", path).status == 0
    return path.read_bytes()


def test_every_truncation_is_rejected(tmp_path, gcd_bytecode):
    for length in range(len(gcd_bytecode)):
        result = regvm("run", binary(tmp_path, gcd_bytecode[:length]))
        assert result.status == 2 and "error:" in result.err, length


def test_every_bit_flip_is_rejected_or_runs_cleanly(tmp_path, gcd_bytecode):
    for bit in range(len(gcd_bytecode) * 8):
        data = bytearray(gcd_bytecode)
        data[bit // 8] ^= 1 << (bit % 8)
        result = regvm("run", "--max-steps", "100000", binary(tmp_path, bytes(data)))
        assert result.status in (0, 1, 2), f"bit {bit}: status {result.status}"
        if result.status != 0:
            assert result.err.startswith("regvm: error: "), f"bit {bit}: {result.err}"


# --- the assembler and the command line ------------------------------------

ASM_ERRORS = [
    ("\tloadi r0, 1\n", "1:2: instruction before the first .func"),
    (".func main 0 1\n\tfrob r0\n", "2:2: unknown instruction frob"),
    (".func main 0 1\n\tjmp nowhere\n", "2:6: unknown label 'nowhere'"),
    (".func main 0 1\n\tmov r0 r0\n", "2:9: expected ','"),
    (".func main 0 1\n\tmov r0, x0\n", "2:10: expected a register (r0 to r255)"),
    (".func main 0 1\n\tmov r0, r256\n", "2:10: expected a register (r0 to r255)"),
    (".func main 0 1\n\taddi r0, r0, 200\n", "2:15: constant must be -128 to 127"),
    (".func main 0 1\n\tloadi r0, 40000\n", "2:12: constant must be -32768 to 32767"),
    (".func main 0 1\nL:\tjlti r0, 32768, L\n", "2:13: constant must be -32768 to 32767"),
    (".func main 0 1\n\tmulk r0, r0, 2147483648\n", "2:15: constant must be -2147483648 to "
                                                     "2147483647"),
    (".func main 0 1\n\tcall r0, g\n", "2:11: unknown function 'g'"),
    (".func main 2 1\n", "1:1: arguments arrive in registers"),
]


@pytest.mark.parametrize("text, message", ASM_ERRORS)
def test_assembler_errors_name_line_and_column(tmp_path, text, message):
    prog = source(tmp_path, text)
    result = regvm("asm", prog, "-o", tmp_path / "out.rbc")
    position, message = message.split(": ", 1)
    assert result.status == 2
    assert result.err.startswith(f"{prog}:{position}: error: {message}")


def test_help_and_usage():
    assert regvm("--help").out.startswith("usage: regvm asm")
    result = regvm("run")
    assert result.status == 2 and result.err.startswith("regvm: error: run needs a program file")


# --- the chapter's exercises ----------------------------------------------

@pytest.mark.exercise("ex2.1", points=3, hints=[
    (r"expected: +'-4'", "min compares the registers as signed numbers: -4 is less than 9"),
])
def test_ex2_1_min(tmp_path):
    prog = source(tmp_path, ".func main 0 3\n\tloadi r0, -4\n\tloadi r1, 9\n\tmin r2, r0, r1\n"
                            "\tprint r2\n\tmin r2, r1, r0\n\tprint r2\n\tmin r2, r1, r1\n\tprint r2\n"
                            "\thalt\n")
    result = regvm("run", prog)
    assert result.out == "-4\n-4\n9\n", result.err


@pytest.mark.exercise("ex2.2", points=3, hints=[
    (r"value differs", "incjlt does the increment and the test in one dispatch: a loop of "
                       "1,000 turns costs 1,004 dispatches"),
    (r"runtime error", "the increment must wrap around like addi (wrap_add): in C, "
                       "INT64_MAX + 1 is undefined behaviour"),
    (r"expected: +'1000'", "incjlt jumps while the incremented register is less than the other, "
                           "to the label's offset as jlt does"),
])
def test_ex2_2_incjlt_superinstruction(tmp_path):
    prog = source(tmp_path, ".func main 0 2\n\tloadi r0, 0\n\tloadi r1, 1000\nloop:\n"
                            "\tincjlt r0, r1, loop\n\tprint r0\n\thalt\n")
    result = regvm("run", "--stats", prog)
    assert result.out == "1000\n", result.err
    assert result.stats()["dispatches"] == 1004


@pytest.mark.exercise("ex2.2", points=1, hints=[
    (r"runtime error", "the increment must wrap around like addi (wrap_add): in C, "
                       "INT64_MAX + 1 is undefined behaviour"),
])
def test_ex2_2_incjlt_wraps_around(tmp_path):
    # From INT64_MAX the increment wraps to INT64_MIN, which is less than r1:
    # two more turns, as addi and jlt would make them.
    prog = source(tmp_path, ".func main 0 2\n\tloadk r0, 9223372036854775807\n"
                            "\tloadk r1, -9223372036854775806\nloop:\n"
                            "\tincjlt r0, r1, loop\n\tprint r0\n\thalt\n")
    result = regvm("run", prog)
    assert result.out == "-9223372036854775806\n", result.err


@pytest.mark.exercise("ex2.3", points=3, hints=[
    (r"got: +'\\tcall [^\\']*; ", "the comment follows a tab, not a space: '\\t; arguments'"),
])
def test_ex2_3_dis_shows_argument_windows(tmp_path):
    prog = source(tmp_path, ".func main 0 3\n\tloadi r1, 5\n\tcall r1, f1\n\tcall r2, f0\n"
                            "\tprint r1\n\thalt\n.func f1 1 1\n\tret r0\n.func f0 0 1\n\tloadi r0, 2\n"
                            "\tret r0\n")
    assert regvm("asm", prog, "-o", tmp_path / "p.rbc").status == 0
    calls = [line for line in regvm("dis", tmp_path / "p.rbc").out.splitlines() if "call" in line]
    assert calls == ["\tcall r1, f1\t; arguments r1..r1", "\tcall r2, f2\t; no arguments"]
    assert regvm("asm", STAGE / "examples" / "fib.rasm", "-o", tmp_path / "f.rbc").status == 0
    calls = [line for line in regvm("dis", tmp_path / "f.rbc").out.splitlines() if "call" in line]
    assert calls == ["\tcall r1, f1\t; arguments r1..r1", "\tcall r1, f1\t; arguments r1..r1",
                     "\tcall r2, f1\t; arguments r2..r2"]


def test_code_exactly_at_the_size_limit_loads_and_one_word_more_is_refused(tmp_path):
    # MAX_CODE_WORDS words of halt: the file is larger than 16 MiB, and the
    # tool must still read it; one word more is the loader's error
    limit = 4 << 20
    at_limit = binary(tmp_path, bytecode([word("halt")] * limit), "limit.rbc")
    result = regvm("run", "--stats", at_limit)
    assert result.status == 0 and result.stats()["code_bytes"] == 4 * limit, result.err
    over = binary(tmp_path, bytecode([word("halt")] * (limit + 1)), "over.rbc")
    result = regvm("run", over)
    assert result.status == 2
    assert f"regvm: error: {over}: bad code size {limit + 1} words (1 to {limit} allowed)" \
        in result.err


def test_const_names_a_value_as_on_the_stack_machine(tmp_path):
    # .const NAME VALUE, as in stage 1: a name wherever a number goes; here it
    # also takes a pool entry, which dis writes back as .const k<index>
    prog = source(tmp_path, ".const BIG 10000000000\n.const LOW -5\n.func main 0 2\n"
                            "\tloadk r0, BIG\n\taddi r0, r0, LOW\n\tprint r0\n"
                            "\tloadi r1, LOW\n\tjlti r1, LOW, done\n\tprint r1\ndone:\n\thalt\n")
    result = regvm("run", prog)
    assert (result.status, result.out) == (0, "9999999995\n-5\n"), result.err
    assert regvm("asm", prog, "-o", tmp_path / "p.rbc").status == 0
    listing = regvm("dis", tmp_path / "p.rbc").out
    assert ".const k0 10000000000\n.const k1 -5\n" in listing
    (tmp_path / "back.rasm").write_text(listing)
    assert regvm("asm", tmp_path / "back.rasm", "-o", tmp_path / "back.rbc").status == 0
    assert (tmp_path / "back.rbc").read_bytes() == (tmp_path / "p.rbc").read_bytes()


@pytest.mark.parametrize("text, message", [
    (".const 5\n", "1:8: error: expected a name after .const"),
    (".const A 5\n.const A 6\n", "2:8: error: constant 'A' is already defined at line 1"),
    (".const A\n", "1:9: error: expected a number"),
    (".func main 0 1\n\tloadk r0, NOPE\n", "2:12: error: unknown constant NOPE"),
    (".const BIG 1000\n.func main 0 1\n\taddi r0, r0, BIG\n", "constant must be -128 to 127"),
    (".globals 1\n.globals 2\n", "2:1: error: .globals is given twice"),
])
def test_directives_mean_what_they_mean_on_the_stack_machine(tmp_path, text, message):
    prog = source(tmp_path, text + ".func f 0 1\n\thalt\n")
    result = regvm("run", prog)
    assert result.status == 2 and message in result.err, result.err
