"""The Toy language on both machines: the kit's programs, compile errors with their
exact positions, the back ends' code, and differential testing on generated programs."""
import random

import pytest

from conftest import ROOT, program, run

EXAMPLES = ROOT / "common" / "toy-examples"
PROGRAMS = sorted(path.stem for path in EXAMPLES.glob("*.toy"))
MACHINES = {"stackvm": ("stage01-stackvm", ".sbc", ".sasm"),
            "regvm": ("stage02-regvm", ".rbc", ".rasm")}


def machine(name, *args, **kwargs):
    return run([program(MACHINES[name][0], name), *args], **kwargs)


def expected(name):
    status = EXAMPLES / f"{name}.status"
    return (int(status.read_text()) if status.exists() else 0,
            (EXAMPLES / f"{name}.out").read_text())


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("vm", MACHINES)
@pytest.mark.parametrize("dispatch", ["switch", "threaded"])
def test_every_toy_program_runs_on_both_machines(name, vm, dispatch):
    result = machine(vm, "run", f"--dispatch={dispatch}", EXAMPLES / f"{name}.toy")
    assert (result.status, result.out) == expected(name), result.err


@pytest.mark.parametrize("vm", MACHINES)
def test_runtime_errors_in_toy_name_pc_and_cause(vm):
    result = machine(vm, "run", EXAMPLES / "divzero.toy")
    assert result.status == 1 and "division by zero" in result.err
    result = machine(vm, "run", EXAMPLES / "badindex.toy")
    assert result.status == 1 and "memory index 1048576 out of range" in result.err


@pytest.mark.parametrize("name", ["fib", "queens", "sort"])
@pytest.mark.parametrize("vm", MACHINES)
def test_compile_dis_asm_round_trip(vm, name, tmp_path):
    _, bytecode, assembly = MACHINES[vm]
    first, second = tmp_path / f"a{bytecode}", tmp_path / f"b{bytecode}"
    emitted = tmp_path / f"emitted{assembly}"
    assert machine(vm, "compile", EXAMPLES / f"{name}.toy", "-o", first).status == 0
    listing = machine(vm, "dis", first).out
    (tmp_path / f"dis{assembly}").write_text(listing)
    assert machine(vm, "asm", tmp_path / f"dis{assembly}", "-o", second).status == 0
    assert first.read_bytes() == second.read_bytes()
    # --emit-asm writes the text the assembler turns into the same bytecode
    assert machine(vm, "compile", "--emit-asm", EXAMPLES / f"{name}.toy", "-o", emitted).status == 0
    assert machine(vm, "asm", emitted, "-o", second).status == 0
    assert first.read_bytes() == second.read_bytes()


def emitted_body(vm, tmp_path, source):
    """The instructions of the first function, as the back end emitted them."""
    path = tmp_path / "prog.toy"
    path.write_text(source)
    out = tmp_path / "prog.s"
    result = machine(vm, "compile", "--emit-asm", path, "-o", out)
    assert result.status == 0, result.err
    lines = out.read_text().split(".func f_")[1].splitlines()[1:]
    return [line.split(";")[0].strip() for line in lines
            if line.strip() and not line.startswith(".line")]


def test_register_back_end_adds_a_constant_in_one_instruction(tmp_path):
    body = emitted_body("regvm", tmp_path, "fn f(y) { var x = 0; x = y + 1; return x; }")
    assert body[:3] == ["loadi r1, 0", "addi r1, r0, 1", "ret r1"]


def test_register_back_end_tests_a_loop_with_one_compare_and_jump(tmp_path):
    body = emitted_body("regvm", tmp_path,
                        "fn f(n) { var i = 0; while (i < n) { i = i + 1; } return i; }")
    assert body[:6] == ["loadi r1, 0", "jle r0, r1, L2", "L1:", "addi r1, r1, 1",
                        "jlt r1, r0, L1", "L2:"]


def test_register_back_end_calls_without_moves(tmp_path):
    body = emitted_body("regvm", tmp_path, "fn f(n) { return g(n, 2) + g(1, n); }\n"
                                           "fn g(a, b) { return a - b; }")
    assert body[:9] == ["mov r2, r0", "loadi r3, 2", "call r2, f_g", "loadi r3, 1",
                        "mov r4, r0", "call r3, f_g", "add r1, r2, r3", "ret r1",
                        "loadi r1, 0"]


MAIN_AND_A_FUNCTION = ("var g = 5; var i = 0; var s = 0;\nfn f() { return g; }\n"
                       "while (i < 10) { s = s + i; i = i + 1; }\nprint(s + f());\n")


def test_register_back_end_keeps_main_s_own_variables_in_registers(tmp_path):
    # i and s are the main program's alone: registers; f reads g, a global
    path, main = main_code(tmp_path, MAIN_AND_A_FUNCTION)
    assert main == ["loadi r2, 5", "setg r2, 0", "loadi r0, 0", "loadi r1, 0",
                    "jgei r0, 10, L2", "L1:", "add r1, r1, r0", "addi r0, r0, 1",
                    "jlti r0, 10, L1", "L2:", "call r3, f_f", "add r2, r1, r3", "print r2",
                    "halt"]
    result = machine("regvm", "run", "--stats", path)
    assert result.out == machine("stackvm", "run", path).out == "50\n"
    assert result.stats()["dispatches"] == 41     # 3 a turn: 10 turns and 11 more


def test_stack_back_end_keeps_main_s_own_variables_in_main_s_frame(tmp_path):
    # i and s are the main program's alone: main's locals 0 and 1, so that
    # incl and the superinstructions apply; f reads g, which stays a global
    path, main = main_code(tmp_path, MAIN_AND_A_FUNCTION, vm="stackvm")
    assert ".func main 0 2\n" in (tmp_path / "prog.s").read_text()
    assert main == ["push 5", "storeg 0", "push 0", "storel 0", "push 0", "storel 1",
                    "jmp L2", "L1:", "loadll 1, 0", "add", "storel 1", "incl 0, 1", "L2:",
                    "jltlk 0, 10, L1", "loadl 1", "call f_f", "add", "print", "halt"]
    result = machine("stackvm", "run", "--stats", path)
    assert result.out == machine("regvm", "run", path).out == "50\n"
    assert result.stats()["dispatches"] == 5 * 10 + 15    # 5 a turn: 10 turns, 15 more


def main_code(tmp_path, source, vm="regvm"):
    """The main program's instructions and labels as a back end emits them."""
    path = tmp_path / "prog.toy"
    path.write_text(source)
    out = tmp_path / "prog.s"
    assert machine(vm, "compile", "--emit-asm", path, "-o", out).status == 0
    return path, [line.split(";")[0].strip() for line in out.read_text().split(".func f_")[0]
                  .split(".func main")[1].splitlines()[1:] if line.strip() and line[0] != "."]


def test_register_back_end_gives_constants_to_the_instructions_that_take_them(tmp_path):
    # issue 19's loop: i and s in registers, % 7 in one modk, the wide bound a
    # pool constant of the compare-and-jump: 4 dispatches a turn (it was 12)
    path, main = main_code(tmp_path, "var i = 0; var s = 0;\n"
                           "while (i < 100000) { s = s + i % 7; i = i + 1; }\nprint(s);\n")
    assert main == ["loadi r0, 0", "loadi r1, 0", "jgek r0, 100000, L2", "L1:",
                    "modk r2, r0, 7", "add r1, r1, r2", "addi r0, r0, 1",
                    "jltk r0, 100000, L1", "L2:", "print r1", "halt"]
    result = machine("regvm", "run", "--stats", path)
    assert result.out == machine("stackvm", "run", path).out == f"{sum(i % 7 for i in range(100000))}\n"
    assert result.stats()["dispatches"] == 4 * 100000 + 5


def test_register_back_end_constant_forms_keep_every_result_and_fault(tmp_path):
    # 32-bit constants go into the instruction's second word, wider ones
    # through loadk; x - k is x + -k; a comparison with a 16-bit constant
    # keeps it in the instruction; a zero divisor still faults when it runs
    path, main = main_code(tmp_path, "var x = -7;\nprint(x * 100000 - 2147483648);\n"
                           "print(x / 3 + x % 2147483647 - 4294967296);\n"
                           "if (x >= -30000) { print(1); }\nprint(x % 0);\n")
    assert "mulk r2, r0, 100000" in main and "addk r1, r2, -2147483648" in main
    assert "divk r2, r0, 3" in main and "modk r3, r0, 2147483647" in main
    assert "loadk r3, 4294967296" in main and "jlti r0, -30000, L1" in main
    stack = machine("stackvm", "run", path)
    assert (stack.status, stack.out) == (1, "-2148183648\n-4294967305\n1\n")
    result = machine("regvm", "run", path)
    assert (result.status, result.out) == (stack.status, stack.out)
    assert result.err.startswith(f"{path}:5:9: error:") and "division by zero" in result.err


def test_register_back_end_does_not_reload_a_global_it_just_stored(tmp_path):
    # g is a global (count uses it): g = g + 1 ends in setg r1, and the loop's
    # test reads g from r1, with no getg between; 4 dispatches a turn
    source = ("var g = 0;\nfn count(n) { while (g < n) { g = g + 1; } return g; }\n"
              "print(count(100));\ng = 5;\nprint(g);\nif (g == 5) { g = 7; }\nprint(g);\n")
    functions = emitted_functions("regvm", tmp_path, source)
    assert functions["f_count"][2:6] == ["getg r2, 0", "addi r1, r2, 1", "setg r1, 0",
                                         "jlt r1, r0, L2"]
    # after the if's label (not listed) another path comes in: g is read again
    assert functions["main"][-9:] == ["setg r0, 0", "print r0", "getg r0, 0",
                                      "jnei r0, 5, L1", "loadi r0, 7", "setg r0, 0",
                                      "getg r0, 0", "print r0", "halt"]
    path = tmp_path / "prog.toy"
    result = machine("regvm", "run", "--stats", path)
    assert result.out == machine("stackvm", "run", path).out == "100\n5\n7\n"
    assert result.stats()["dispatches"] == 4 * 100 + 19


def test_register_back_end_takes_a_literal_on_the_left_of_plus_and_times_as_the_constant(tmp_path):
    body = emitted_body("regvm", tmp_path, "fn f(n) { return 3 * n + 1; }\n"
                                           "print(f(5) + 2 * f(1) - (7 - f(0)));\n")
    assert body[:3] == ["mulk r2, r0, 3", "addi r1, r2, 1", "ret r1"]
    assert machine("regvm", "run", tmp_path / "prog.toy").out == \
        machine("stackvm", "run", tmp_path / "prog.toy").out == "18\n"


def test_register_back_end_loads_a_constant_a_loop_stores_once_before_it(tmp_path):
    # mem[i] = 7 on every turn: 7 waits in r2 from before the loop; 3 a turn
    source = ("fn clear(n) { var i = 0; while (i < n) { mem[i] = 7; i = i + 1; } "
              "return mem[n - 1]; }\nprint(clear(100));\n")
    body = emitted_body("regvm", tmp_path, source)
    assert body[:7] == ["loadi r1, 0", "loadi r2, 7", "jle r0, r1, L2", "L1:", "store r1, r2",
                        "addi r1, r1, 1", "jlt r1, r0, L1"]
    result = machine("regvm", "run", "--stats", tmp_path / "prog.toy")
    assert result.out == machine("stackvm", "run", tmp_path / "prog.toy").out == "7\n"
    assert result.stats()["dispatches"] == 3 * 100 + 10


def test_stack_back_end_is_a_tree_walk(tmp_path):
    # loadl 0 / loadl 1 / push 2 / mul / add, whose first pair the peephole fuses
    body = emitted_body("stackvm", tmp_path, "fn f(a, b) { return a + b * 2; }")
    assert body[:5] == ["loadll 0, 1", "push 2", "mul", "add", "ret"]


def test_stack_back_end_fuses_a_local_with_the_next_local_or_constant(tmp_path):
    source = ("fn f(a, b) {\n  var c = a;\n  mem[c] = b;\n  if (a < 3) { c = c * 5; }\n"
              "  return c + g(a, b);\n}\nfn g(x, y) { return x - y; }\n"
              "print(f(2, 9)); print(mem[2]);\n")
    functions = emitted_functions("stackvm", tmp_path, source)
    expected = [
        "loadl 0", "storel 2",                     # alone: no pair to fuse
        "loadll 2, 1", "store",                    # a store's index and value
        "jgelk 0, 3, L1",                          # a comparison against a constant
        "loadlk 2, 5", "mul", "storel 2",
        "loadll 2, 0", "loadl 1",                  # three loads: the first two fuse
        "call f_g", "add", "ret"]
    assert functions["f_f"][:len(expected)] == expected    # (what may follow is ex3.3's)
    result = machine("stackvm", "run", "--stats", tmp_path / "prog.toy")
    assert result.out == machine("regvm", "run", tmp_path / "prog.toy").out == "3\n9\n"
    assert result.stats()["dispatches"] == 24         # 30 unfused: 4 pairs and a triple



# --- compile errors: the same message at the same place from both machines ---

COMPILE_ERRORS = [
    ("var x = 1\nprint(x);", "2:1", "expected ';' after the declaration, found print"),
    ("print(y);", "1:7", "unknown variable 'y'"),
    ("f(1);", "1:1", "unknown function 'f'"),
    ("fn f(a) { return a; }\nprint(f(1, 2));", "2:7", "function 'f' takes 1 argument, 2 given"),
    ("fn f() { var a = 1; var a = 2; }", "1:25", "'a' is already declared in this function"),
    ("fn f(x) { var x = 1; }", "1:15", "'x' is already declared in this function"),
    ("fn f(a, a) { }", "1:9", "parameter 'a' is given twice"),
    ("return 1;", "1:1", "'return' outside a function"),
    ("var g = 1;\nvar g = 2;", "2:5", "global 'g' is already declared"),
    ("fn f() { }\nfn f() { }", "2:4", "function 'f' is already defined at line 1"),
    ("print(1 @ 2);", "1:9", "unexpected character '@'"),
    ("print(9223372036854775808);", "1:7", "integer literal too large"),
    ("print(0x);", "1:7", "malformed number"),
    ("print(g);\nvar g = 1;", "1:7", "unknown variable 'g'"),
    ("1 = 2;", "1:3", "only a variable or mem[...] can be assigned to"),
    ("fn " + "f" * 61 + "() { }", "1:4", "name longer than 60 characters"),
    ("if (1) { print(1);", "1:19", "expected '}' before the end of the file"),
    ("print(" + "(" * 300 + "1" + ")" * 300 + ");", "1:207", "nested too deeply"),
]


@pytest.mark.parametrize("source, position, message", COMPILE_ERRORS)
@pytest.mark.parametrize("vm", MACHINES)
def test_compile_errors_name_file_line_and_column(vm, tmp_path, source, position, message):
    path = tmp_path / "bad.toy"
    path.write_text(source)
    result = machine(vm, "compile", path, "-o", tmp_path / "out")
    assert result.status == 2
    assert result.err.startswith(f"{path}:{position}: error: {message}")
    assert machine(vm, "run", path).err == result.err


def test_an_expression_needing_too_many_registers_is_a_compile_error(tmp_path):
    # each call's 31 first arguments sit in registers while the last one, the
    # next call, is built: ten calls deep need more than 256 registers
    params = ", ".join(f"p{i}" for i in range(32))
    source = f"fn f({params}) {{ return p0; }}\nprint(" + ("f(" + "1, " * 31) * 10 + "1" + \
        ")" * 10 + ");"
    path = tmp_path / "wide.toy"
    path.write_text(source)
    result = machine("regvm", "run", path)
    assert result.status == 2
    assert "expression too complex: it needs more than 256 registers" in result.err
    assert machine("stackvm", "run", path).status == 0


# --- differential testing: random well-formed programs --------------------

class Generator:
    """Seeded random Toy programs that always terminate: loops count to a small
    bound, and a function only calls functions defined before it."""

    OPS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"]

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.loops = 0

    def expr(self, names, functions, depth=0):
        r = self.rng
        choice = r.random()
        if depth > 3 or choice < 0.25:
            # (2147483648: x - it is addk, x + it a loadk and an add)
            return str(r.choice([0, 1, 2, 3, 7, -1, 100, 255, 40000, 2147483648,
                                 0x7fffffffffffffff, r.randint(-300, 300)]))
        if choice < 0.45 and names:
            return r.choice(names)
        if choice < 0.55:
            return f"{r.choice(['-', '!'])}{self.expr(names, functions, depth + 1)}"
        if choice < 0.65 and functions:
            name, arity = r.choice(functions)
            args = ", ".join(self.expr(names, functions, depth + 1) for _ in range(arity))
            return f"{name}({args})"
        if choice < 0.72:
            return f"mem[({self.expr(names, functions, depth + 1)} % 64 + 64) % 64]"
        return (f"({self.expr(names, functions, depth + 1)} {r.choice(self.OPS)} "
                f"{self.expr(names, functions, depth + 1)})")

    def block(self, names, functions, depth, in_function):
        r = self.rng
        lines, names = [], list(names)
        for _ in range(r.randint(1, 4)):
            choice = r.random()
            if choice < 0.2:
                name = f"v{len(names)}_{r.randint(0, 999)}"
                if name not in names:
                    lines.append(f"var {name} = {self.expr(names, functions)};")
                    names.append(name)
            elif choice < 0.35 and names:
                lines.append(f"{r.choice(names)} = {self.expr(names, functions)};")
            elif choice < 0.5:
                lines.append(f"print({self.expr(names, functions)});")
            elif choice < 0.58:
                lines.append(f"mem[({self.expr(names, functions)} % 64 + 64) % 64] = "
                             f"{self.expr(names, functions)};")
            elif choice < 0.7 and depth < 2:
                body = self.block(names, functions, depth + 1, in_function)
                other = self.block(names, functions, depth + 1, in_function)
                lines.append(f"if ({self.expr(names, functions)}) {{ {body} }} "
                             f"else {{ {other} }}")
            elif choice < 0.8 and depth < 2:
                self.loops += 1
                k = f"k{self.loops}"
                body = self.block(names, functions, depth + 1, in_function)
                lines.append(f"var {k} = 0; while ({k} < {r.randint(0, 4)} && "
                             f"{self.expr(names, functions)} >= -1000000000000) "
                             f"{{ {body} {k} = {k} + 1; }}")
            elif choice < 0.85 and in_function:
                lines.append(f"if ({self.expr(names, functions)}) {{ return "
                             f"{self.expr(names, functions)}; }}")
            else:
                lines.append(f"{self.expr(names, functions)};")
        return " ".join(lines)

    def program(self):
        r = self.rng
        globals_ = [f"g{i}" for i in range(r.randint(0, 3))]
        text = [f"var {g} = {self.expr([], [])};" for g in globals_]
        functions = []
        for i in range(r.randint(0, 4)):
            params = [f"p{j}" for j in range(r.randint(0, 3))]
            body = self.block(params + globals_, functions, 0, True)
            text.append(f"fn f{i}({', '.join(params)}) {{ {body} }}")
            functions.append((f"f{i}", len(params)))
        text.append(self.block(globals_, functions, 0, False))
        return "\n".join(text) + "\n"


def test_both_machines_agree_on_generated_programs(tmp_path):
    disagreements = []
    for seed in range(300):
        source = Generator(seed).program()
        path = tmp_path / f"gen{seed}.toy"
        path.write_text(source)
        stack = machine("stackvm", "run", "--max-steps", "10000000", path)
        reg = machine("regvm", "run", "--max-steps", "10000000", path)
        assert stack.status in (0, 1), f"seed {seed}: {stack.err}\n{source}"
        if (stack.status, stack.out) != (reg.status, reg.out):
            disagreements.append(f"seed {seed}:\n{source}\nstack {stack.status} "
                                 f"{stack.out!r}\nregister {reg.status} {reg.out!r}")
    assert not disagreements, disagreements[0]


def test_stack_back_end_compiles_loops_to_compare_and_jump_and_incl(tmp_path):
    source = ("var g = 0;\nfn f(n) {\n  var i = 0;\n  while (i < n) { i = i + 1; g = g + 1; }\n"
              "  if (i >= n) { i = i - 128; }\n  while (n && i) { i = i + 128; n = n - 1; }\n"
              "  return i;\n}\nprint(f(3));\n")
    functions = emitted_functions("stackvm", tmp_path, source)
    expected = [
        "push 0", "storel 1",
        "jmp L2",                                  # a while loop tests at its bottom
        "incl 1, 1",                               # i = i + 1: a local and a small constant
        "loadgk 0, 1", "add", "storeg 0",          # g = g + 1: a global, no incl
        "jltll 1, 0, L1",                          # i < n decides the jump back
        "jltll 1, 0, L3",                          # if (i >= n): jump past when it fails
        "incl 1, -128",
        "jmp L5",
        "loadlk 1, 128", "add", "storel 1",         # i + 128: too big for incl
        "incl 0, -1",
        "loadl 0", "jz L6", "loadl 1", "not", "not", "jmp L7", "push 0",
        "jnz L4",                                  # not a comparison: computed, then tested
        "loadl 1", "ret"]
    # (the dead push 0; ret a stub leaves after the final ret is ex3.3's business)
    assert functions["f_f"][:len(expected)] == expected
    assert machine("stackvm", "run", tmp_path / "prog.toy").out == "259\n"


# --- the chapter's exercises ----------------------------------------------

def emitted(vm, tmp_path, source):
    path = tmp_path / "prog.toy"
    path.write_text(source)
    result = machine(vm, "compile", "--emit-asm", path, "-o", tmp_path / "prog.s")
    assert result.status == 0, result.err
    return [line.split(";")[0].strip() for line in (tmp_path / "prog.s").read_text().splitlines()
            if line.strip() and not line.startswith((";", "."))]


@pytest.mark.exercise("ex3.1", points=3, hints=[
    (r"'neg'", "fold the unary minus of a literal into one push of the negative number"),
    (r"push -[0-9]", "only a minus folds: !N is not -N"),
])
def test_ex3_1_stack_back_end_folds_negative_literals(tmp_path):
    code = emitted("stackvm", tmp_path, "print(-5);\nprint(-9223372036854775807 - 1);\nprint(!7);\n"
                                        "var x = 3;\nprint(-x);")
    assert code[:2] == ["push -5", "print"]
    assert [line for line in code if line == "neg"] == ["neg"]     # -x stays a neg
    assert "not" in code
    assert machine("stackvm", "run", tmp_path / "prog.toy").out == "-5\n-9223372036854775808\n0\n-3\n"


@pytest.mark.exercise("ex3.2", points=3, hints=[
    (r"got: +'loadi r0, -(40000|32769)'", "loadi holds 16 bits: from -32768 to 32767; "
                                          "the others go through loadk"),
    (r"got: +'loadk r0, -32768'", "-32768 still fits loadi's 16 bits"),
])
def test_ex3_2_register_back_end_folds_negative_literals(tmp_path):
    code = emitted("regvm", tmp_path, "print(-5);\nprint(-40000);\nprint(-32768);\nprint(-32769);")
    assert code == ["loadi r0, -5", "print r0", "loadk r0, -40000", "print r0",
                    "loadi r0, -32768", "print r0", "loadk r0, -32769", "print r0", "halt"]
    path = tmp_path / "prog.toy"
    path.write_text("print(-5);\nprint(!7);\nvar x = 3;\nprint(-x);\n")
    assert machine("regvm", "run", path).out == "-5\n0\n-3\n"


def emitted_functions(vm, tmp_path, source):
    """Each function's instructions as the back end emitted them, by name."""
    functions, name = {}, None
    path = tmp_path / "prog.toy"
    path.write_text(source)
    assert machine(vm, "compile", "--emit-asm", path, "-o", tmp_path / "prog.s").status == 0
    for line in (tmp_path / "prog.s").read_text().splitlines():
        if line.startswith(".func"):
            name = line.split()[1]
            functions[name] = []
        elif name and line.strip() and not line.endswith(":") and not line.startswith(".line"):
            functions[name].append(line.split(";")[0].strip())
    return functions


@pytest.mark.exercise("ex3.3", points=4, hints=[
    (r"runtime error|Sanitizer", "a function with an empty body has no last statement"),
    (r"expected: +'push 0'|verif", "a last statement that only contains a return (an if) "
                                   "still lets a path fall off the end: that function needs its "
                                   "push 0; ret"),
])
def test_ex3_3_no_dead_epilogue_after_a_final_return(tmp_path):
    functions = emitted_functions("stackvm", tmp_path,
                                  "fn f(n) { if (n < 2) { return n; } return n - 1; }\n"
                                  "fn g() { print(1); }\nfn e() { }\n"
                                  "fn k(n) { if (n) { return 7; } }\n"
                                  "print(f(5)); g(); e(); print(k(0)); print(k(1));")
    assert functions["f_f"][-3:] == ["loadlk 0, 1", "sub", "ret"]
    assert functions["f_g"] == ["push 1", "print", "push 0", "ret"]    # g falls off its end
    assert functions["f_e"] == ["push 0", "ret"]
    assert functions["f_k"][-2:] == ["push 0", "ret"]                   # so may k
    assert machine("stackvm", "run", tmp_path / "prog.toy").out == "4\n1\n0\n7\n"
