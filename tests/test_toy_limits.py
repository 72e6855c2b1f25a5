"""Toy programs at the edges: chains and nesting as long and deep as the input
limit allows, tens of thousands of symbols, and every limit of the two machines,
which a compiled program meets with an error at a line and column of its .toy file.

The class of bug: anything that walks the syntax tree by recursion, once per
operand, runs out of C stack on a long chain; anything that looks a name up in
a list turns a large program quadratic. So the programs here are generated,
one per operator and statement form, at sizes near the limits."""
import re

import pytest

from conftest import program, run

MACHINES = {"stackvm": "stage01-stackvm", "regvm": "stage02-regvm"}
OPS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"]
SOURCE_LIMIT = 16 << 20        # TOY_MAX_SOURCE
NESTING_LIMIT = 200            # TOY_MAX_NESTING


def machine(vm, *args, **kwargs):
    return run([program(MACHINES[vm], vm), *args], **kwargs)


def fold(op, values):
    """The value of a left-associative chain, as Toy computes it."""
    result = values[0]
    for v in values[1:]:
        result = {"+": result + v, "-": result - v, "*": result * v,
                  "/": int(result / v), "%": result % v,
                  "==": int(result == v), "!=": int(result != v), "<": int(result < v),
                  "<=": int(result <= v), ">": int(result > v), ">=": int(result >= v),
                  "&&": int(bool(result) and bool(v)), "||": int(bool(result) or bool(v))}[op]
    return result


def run_toy(vm, tmp_path, source, name="prog.toy", **kwargs):
    path = tmp_path / name
    path.write_text(source)
    return path, machine(vm, "run", path, **kwargs)


def assert_toy_error(path, result, line, col, message):
    """Exit 2 and one diagnostic at a real line and column of the source."""
    assert result.status == 2, result.err
    match = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): error: (.*)", result.err)
    assert match, result.err
    lines = path.read_text().split("\n")
    got_line, got_col = int(match[1]), int(match[2])
    assert got_line == line and col in (None, got_col), result.err
    assert got_col <= len(lines[got_line - 1]) + 1
    assert message in match[3], result.err


# --- long chains: compiled and run, in values and in conditions -------------

@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("vm", MACHINES)
def test_a_chain_of_200000_operands_compiles_and_runs(vm, op, tmp_path):
    # (the loop's condition is a shorter chain; every operand of a long && or
    # || chain jumps to its end, which the register machine's compare-and-jump
    # forms reach however far it is)
    terms = 200_000
    chain, short = (f" {op} ".join(["x"] * n) for n in (terms, 5000))
    source = (f"var x = 1;\nprint({chain});\n"
              f"if ({chain}) {{ print(1); }} else {{ print(0); }}\n"
              f"var n = 0;\nwhile (n < 2 && ({short})) {{ n = n + 1; }}\nprint(n);\n")
    value, loops = fold(op, [1] * terms), 2 if fold(op, [1] * 5000) else 0
    _, result = run_toy(vm, tmp_path, source)
    assert (result.status, result.out) == (0, f"{value}\n{int(value != 0)}\n{loops}\n"), \
        result.err


@pytest.mark.parametrize("vm", MACHINES)
def test_chains_inside_chains_inside_chains(vm, tmp_path):
    # every level of parentheses holds a chain of its own; a local as the
    # target that the chain's operands read must be read before it is written.
    # (100 levels: the register machine keeps two registers for each.)
    inner = " + ".join(["y"] * 1000)
    expr = "y"
    for _ in range(NESTING_LIMIT // 2):
        expr = f"({inner} - {expr})"
    source = f"fn f(y) {{ y = {expr} + y; return y; }}\nprint(f(1));\n"
    _, result = run_toy(vm, tmp_path, source)
    assert (result.status, result.out) == (0, "2\n"), result.err


@pytest.mark.parametrize("vm", MACHINES)
def test_a_long_else_if_chain(vm, tmp_path):
    arms = 3_000        # within reach of the register machine's 16-bit jmp
    source = "var x = %d;\nif (x == 0) { print(0); }\n" % (arms - 1) + "".join(
        f"else if (x == {i}) {{ print({i}); }}\n" for i in range(1, arms)) + \
        "else { print(-1); }\n"
    _, result = run_toy(vm, tmp_path, source)
    assert (result.status, result.out) == (0, f"{arms - 1}\n"), result.err


@pytest.mark.parametrize("vm", MACHINES)
def test_100000_else_ifs_run_or_meet_a_limit_at_their_line(vm, tmp_path):
    arms = 100_000
    source = "var x = 7;\nif (x == 0) { print(0); }\n" + "".join(
        f"else if (x == {i}) {{ print({i}); }}\n" for i in range(1, arms))
    # on the register machine: 67,232 numbers from 32768 on need the constant
    # pool, past the 65,536 a compare-and-jump reaches, and the jumps reach
    # past 32,767 words
    _, result = run_toy(vm, tmp_path, source)
    assert (result.status, result.out) == (0, "7\n"), result.err


@pytest.mark.parametrize("vm", MACHINES)
def test_a_chain_at_the_input_size_limit_is_refused_at_its_line(vm, tmp_path):
    # 16 MiB of 1+1+...: the front end takes it, the code would not fit
    terms = (SOURCE_LIMIT - 16) // 2
    path, result = run_toy(vm, tmp_path, "print(" + "+".join(["1"] * terms) + ");",
                           timeout=300)
    limit = "16777216 bytes" if vm == "stackvm" else "4194304 words"
    assert_toy_error(path, result, 1, 1, "the compiled program exceeds a limit of the "
                     f"machine: program too large (the code may be {limit})")


@pytest.mark.parametrize("vm", MACHINES)
def test_many_statements_and_ifs(vm, tmp_path):
    statements = 300_000
    source = "fn f() { var x = 0;\n" + "if (x < 1000000) { x = x + 1; }\n" * statements + \
        "return x; }\nprint(f());\n"
    _, result = run_toy(vm, tmp_path, source, timeout=120)
    assert (result.status, result.out) == (0, f"{statements}\n"), result.err


# --- nesting: every kind at the limit runs, one more is an error -------------

NESTINGS = {
    "parentheses": lambda n: "print(" + "(" * n + "1" + ")" * n + ");",
    "minus": lambda n: "print(" + "- " * n + "1);",
    "not": lambda n: "print(" + "!" * n + "0);",
    "mem": lambda n: "print(" + "mem[" * n + "0" + "]" * n + ");",
    "calls": lambda n: "fn f(a) { return a; }\nprint(" + "f(" * n + "1" + ")" * n + ");",
    "blocks": lambda n: "if (1) { " * n + "print(1);" + " }" * n,
    "loops": lambda n: "var i = 0; " + "while (i < 1) { " * n + "i = 1; print(1);" + " }" * n,
    "else blocks": lambda n: "if (0) { } else { " * n + "print(1);" + " }" * n,
}


@pytest.mark.parametrize("kind", NESTINGS)
@pytest.mark.parametrize("vm", MACHINES)
def test_nesting_at_the_limit_runs_and_one_more_is_an_error(vm, kind, tmp_path):
    deepest = next(n for n in range(NESTING_LIMIT, 0, -1)
                   if machine(vm, "run", write(tmp_path, NESTINGS[kind](n))).status != 2)
    result = machine(vm, "run", write(tmp_path, NESTINGS[kind](deepest)))
    assert result.status == 0 and result.out.strip() in ("0", "1", "-1"), result.err
    assert deepest >= NESTING_LIMIT // 2 - 1
    path = write(tmp_path, NESTINGS[kind](NESTING_LIMIT + 1))
    result = machine(vm, "run", path)
    assert result.status == 2 and result.err.startswith(f"{path}:"), result.err
    assert "nested too deeply (more than 200 levels)" in result.err


def write(tmp_path, source):
    path = tmp_path / "deep.toy"
    path.write_text(source)
    return path


# --- many symbols: the documented maxima compile and run ---------------------

@pytest.mark.parametrize("vm", MACHINES)
def test_65536_globals_and_65535_functions(vm, tmp_path):
    globals_ = "".join(f"var g{i} = {i};\n" for i in range(65536))
    source = globals_ + "".join(f"fn f{i}() {{ return g{i}; }}\n" for i in range(65535)) + \
        "print(f0() + f65534() + g65535);\n"
    _, result = run_toy(vm, tmp_path, source, timeout=120)
    assert (result.status, result.out) == (0, f"{65534 + 65535}\n"), result.err


def test_80000_labels_in_stack_assembly(tmp_path):
    body = "".join(f"L{i}:\n\tjmp L{i + 1}\n" for i in range(80_000))
    path = tmp_path / "labels.sasm"
    path.write_text(f".func main 0 0\n{body}L80000:\n\tpush 7\n\tprint\n\thalt\n")
    result = machine("stackvm", "run", path)
    assert (result.status, result.out) == (0, "7\n"), result.err


# --- the machines' limits, met by a compiled program, cite the .toy file -----

@pytest.mark.parametrize("vm", MACHINES)
def test_too_many_functions_is_a_front_end_error_at_the_extra_function(vm, tmp_path):
    source = "".join(f"fn f{i}() {{ }}\n" for i in range(65536))
    path, result = run_toy(vm, tmp_path, source)
    assert_toy_error(path, result, 65536, 4, "too many functions (at most 65535)")


@pytest.mark.parametrize("vm", MACHINES)
def test_too_many_globals_is_an_error_at_the_extra_global(vm, tmp_path):
    source = "".join(f"var g{i} = 0;\n" for i in range(65537))
    path, result = run_toy(vm, tmp_path, source)
    assert_toy_error(path, result, 65537, 5, "too many globals (at most 65536)")


def test_stack_machine_operand_stack_limit_at_the_expression(tmp_path):
    # 31 arguments wait on the stack at each of 40 nested calls: 1240 values
    params = ", ".join(f"p{i}" for i in range(32))
    call = "f(" + "1, " * 31
    source = f"fn f({params}) {{ return p0; }}\nprint({call * 40}1{')' * 40});\n"
    path, result = run_toy("stackvm", tmp_path, source)
    col = len("print(") + len(call) * 33 + len("f(1, ") + 1   # the 1025th value
    assert_toy_error(path, result, 2, col, "expression too complex: it needs more than "
                     "the 1024 values of the machine's operand stack")


def test_register_machine_registers_limit_at_the_expression(tmp_path):
    params = ", ".join(f"p{i}" for i in range(32))
    source = f"fn f({params}) {{ return p0; }}\nprint({('f(' + '1, ' * 31) * 10}1{')' * 10});\n"
    path, result = run_toy("regvm", tmp_path, source)
    col = len("print(") + len("f(" + "1, " * 31) * 8 + 1     # the ninth call
    assert_toy_error(path, result, 2, col, "expression too complex: it needs "
                     "more than 256 registers")


@pytest.mark.parametrize("vm", MACHINES)
def test_70000_distinct_wide_constants_run_on_both_machines(vm, tmp_path):
    # each number too wide for loadi is one pool entry on the register
    # machine: loadk reaches the first 65,536, loadkx the rest, and a
    # compare-and-jump against a constant past them compares registers
    wide = [10_000_000_000 + 1_000_003 * i for i in range(70_000)]
    source = "var s = 0;\nvar i = 0;\n" + "".join(
        f"if (i != {k}) {{ s = s + {k} % 1000; }}\ni = i + 1;\n" for k in wide) + "print(s);\n"
    _, result = run_toy(vm, tmp_path, source)
    assert (result.status, result.out) == (0, f"{sum(k % 1000 for k in wide)}\n"), result.err


@pytest.mark.parametrize("form", [
    "var x = 1;\nif (x) {\n%s}\n",                        # a test over the body
    "var x = 1;\nif (x == 1) { print(1); } else {\n%s}\n",  # jmp over the else
    "var x = 0;\nwhile (x < 2) {\n%s x = x + 1; }\n",          # back to the body
    "var x = 2;\nwhile (x) {\n%s x = x - 1; }\n",
])
def test_blocks_longer_than_a_16_bit_jump_run_on_both_machines(tmp_path, form):
    # 17,000 statements of two words each: past sBx's 32,767 words.  The
    # register back end tests a value with jnei/jeqi, whose offset is a word,
    # and jmp's sJ reaches any word; both machines print the same.
    source = form % ("print(1);\n" * 17000)
    _, stack = run_toy("stackvm", tmp_path, source)
    _, reg = run_toy("regvm", tmp_path, source)
    assert stack.status == 0, stack.err
    assert (reg.status, reg.out) == (stack.status, stack.out), reg.err


def test_register_machine_code_size_limit_at_the_statement(tmp_path):
    # a call and an add: two words for each f()+ of four bytes; 2.1M of them
    calls = "+".join(["f()"] * 2_100_000)
    source = f"fn f() {{ return 1; }}\nvar x = 0;\nx = {calls};\n"
    path, result = run_toy("regvm", tmp_path, source, timeout=300)
    # (at a column of the statement's line: a call, which can fault, cites
    # its own position, so the error names the call where the code ran out)
    assert_toy_error(path, result, 3, None, "the compiled program exceeds a limit of the "
                     "machine: program too large (the code may be 4194304 words)")


def test_compile_and_run_report_a_limit_the_same_way(tmp_path):
    # 2M terms: 20 MB of stack-machine code, 2M words of register-machine code
    source = "var x = 1;\nprint(" + "+".join(["1"] * 2_000_000) + ");\n"
    path, ran = run_toy("stackvm", tmp_path, source, timeout=300)
    compiled = machine("stackvm", "compile", path, "-o", tmp_path / "out", timeout=300)
    assert_toy_error(path, compiled, 2, 1, "exceeds a limit of the machine: program too large")
    assert ran.err == compiled.err and not (tmp_path / "out").exists()
    _, ran = run_toy("regvm", tmp_path, source, timeout=300)
    assert (ran.status, ran.out) == (0, "2000000\n"), ran.err
