"""Toy programs keep their source positions: the line table.

The back ends write `.line L C` (and `.source "file"`) into their assembly; the
assembler records a pc -> line:col table, bytecode files carry it, and every
run-time fault of a program compiled from Toy names `file.toy:line:col` and
the pc, on both machines, run from the .toy file or from a bytecode file
saved earlier.  `dis` writes the table back as directives; `--trace` shows
each instruction's position.  The loader refuses a hostile table, the
assembler a hostile `.line`."""
import re
import struct

import pytest

from conftest import program, run

MACHINES = {"stackvm": ("stage01-stackvm", ".sbc", ".sasm"),
            "regvm": ("stage02-regvm", ".rbc", ".rasm")}


def machine(vm, *args, **kwargs):
    return run([program(MACHINES[vm][0], vm), *args], **kwargs)


# Each fault class of the interpreters (enum fault), caused at a known
# line:col of a Toy program: (source, line, col, message, extra run options).
FAULTS = {
    "div": ("var zero = 0;\nprint(1);\nprint(7 +\n  10 / zero);\n", 4, 6,
            r"pc \d+ \(div\): division by zero", ()),
    "mod": ("var zero = 0;\nvar x = 3;\n   x = x % zero;\n", 3, 10,
            r"pc \d+ \(mod\): division by zero", ()),
    "load": ("var i = 1048576;\nprint(1 + mem[i]);\n", 2, 11,
             r"pc \d+ \(load\): memory index 1048576 out of range \(0 to 1048575\)", ()),
    "store": ("var i = -1;\nprint(0);\n  mem[i] = 5;\n", 3, 3,
              r"pc \d+ \(store\): memory index -1 out of range \(0 to 1048575\)", ()),
    "call depth": ("fn down(n) {\n  return 1 + down(n + 1);\n}\nprint(down(0));\n", 2, 14,
                   r"pc \d+ \(call\): call stack deeper than the limit of 100000 frames", ()),
    "step limit": ("var n = 0;\nwhile (1) {\n  n = n + 1;\n}\n", None, None,
                   r"pc \d+ \(\w+\): step limit of 1000 instructions reached",
                   ("--max-steps", "1000")),
}


def fault_report(path, line, col, message):
    position = rf"{line}:{col}" if line else r"[23]:\d+"
    return rf"{re.escape(str(path))}:{position}: error: {message}\n"


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("vm", MACHINES)
def test_every_fault_names_the_toy_position_and_the_pc(vm, fault, tmp_path):
    source, line, col, message, options = FAULTS[fault]
    path = tmp_path / "prog.toy"
    path.write_text(source)
    for dispatch in ("switch", "threaded"):
        result = machine(vm, "run", f"--dispatch={dispatch}", *options, path)
        assert result.status == 1, result.err
        assert re.fullmatch(fault_report(path, line, col, message), result.err), result.err


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("vm", MACHINES)
def test_the_table_travels_in_a_saved_bytecode_file(vm, fault, tmp_path):
    source, line, col, message, options = FAULTS[fault]
    path = tmp_path / "prog.toy"
    path.write_text(source)
    saved = tmp_path / f"saved{MACHINES[vm][1]}"
    assert machine(vm, "compile", path, "-o", saved).status == 0
    path.unlink()                       # the report needs only the bytecode
    result = machine(vm, "run", *options, saved)
    assert result.status == 1
    assert re.fullmatch(fault_report(path, line, col, message), result.err), result.err


@pytest.mark.parametrize("vm", MACHINES)
def test_hand_written_assembly_without_line_faults_as_before(vm, tmp_path):
    text = {"stackvm": ".func main 0 0\n\tpush 1\n\tpush 0\n\tdiv\n\thalt\n",
            "regvm": ".func main 0 2\n\tloadi r0, 1\n\tloadi r1, 0\n\tdiv r0, r0, r1\n\thalt\n"}
    path = tmp_path / f"p{MACHINES[vm][2]}"
    path.write_text(text[vm])
    result = machine(vm, "run", path)
    assert result.status == 1 and result.err.startswith(f"{vm}: error: {path}: pc "), result.err
    assert machine(vm, "asm", path, "-o", tmp_path / "p.bin").status == 0
    assert b"LINE" not in (tmp_path / "p.bin").read_bytes()   # no table without .line


@pytest.mark.parametrize("vm", MACHINES)
def test_dis_shows_each_position_and_gives_back_the_same_bytes(vm, tmp_path):
    path = tmp_path / "prog.toy"
    path.write_text(FAULTS["div"][0])
    first, second = tmp_path / f"a{MACHINES[vm][1]}", tmp_path / f"b{MACHINES[vm][1]}"
    assert machine(vm, "compile", path, "-o", first).status == 0
    listing = machine(vm, "dis", first).out
    assert f'.source "{path}"\n' in listing
    directives = re.findall(r"^\.line (\d+) (\d+)$", listing, re.M)
    assert directives == [("1", "5"), ("2", "1"), ("3", "1"), ("4", "6")]
    div = listing.index("div")
    assert listing.rindex(".line", 0, div) == listing.index(".line 4 6")
    (tmp_path / f"dis{MACHINES[vm][2]}").write_text(listing)
    assert machine(vm, "asm", tmp_path / f"dis{MACHINES[vm][2]}", "-o", second).status == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("vm", MACHINES)
def test_trace_shows_the_toy_position_of_each_instruction(vm, tmp_path):
    path = tmp_path / "prog.toy"
    # (a divisor in a variable: the register machine divides by a constant
    # with divk, which cannot fault, so it carries no position of its own)
    path.write_text("var x = 6;\nvar two = 2;\nprint(7 - x /\n two);\n")
    lines = machine(vm, "run", "--trace", path).err.splitlines()
    positions = [re.match(r"\s*\d+\s+(\d+:\d+)\s", line)[1] for line in lines]
    assert positions[0] == "1:5" and "3:1" in positions and "3:13" in positions
    div = next(line for line in lines if " div " in line + " ")
    assert re.match(r"\s*\d+\s+3:13\s+div", div), div


# --- hostile .line directives in hand-written assembly -----------------------

BODY = {"stackvm": "\tpush 1\n\tpush 0\n\tdiv\n\thalt\n",
        "regvm": "\tloadi r0, 1\n\tloadi r1, 0\n\tdiv r0, r0, r1\n\thalt\n"}
REGISTERS = {"stackvm": "0", "regvm": "2"}


@pytest.mark.parametrize("directive, message", [
    (".line 0 1", "a .line line must be 1 to 2147483647"),
    (".line 1 0", "a .line column must be 1 to 2147483647"),
    (".line -3 1", "a .line line must be 1 to 2147483647"),
    (".line 2147483648 1", "a .line line must be 1 to 2147483647"),
    (".line 1 99999999999999999999", "number does not fit in 64 bits"),
    (".line", "expected a number"),
    (".line 5", "expected a number"),
    (".line 5 5 5", "unexpected text after the instruction"),
    (".line x 1", "expected a number"),
    ('.source "a\\b"', "a .source name is printable ASCII"),
    ('.source "abc', "unterminated .source name"),
    (".source abc", "expected '\"'"),
    ('.source "' + "n" * 256 + '"', "a .source name is at most 255 bytes"),
])
@pytest.mark.parametrize("vm", MACHINES)
def test_hostile_line_directives_are_refused_at_their_line(vm, directive, message, tmp_path):
    path = tmp_path / f"p{MACHINES[vm][2]}"
    path.write_text(f".func main 0 {REGISTERS[vm]}\n{directive}\n{BODY[vm]}")
    result = machine(vm, "asm", path, "-o", tmp_path / "out")
    assert result.status == 2 and result.err.startswith(f"{path}:2:"), result.err
    assert message in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("vm", MACHINES)
def test_line_directives_may_go_back_and_the_largest_position_works(vm, tmp_path):
    path = tmp_path / f"p{MACHINES[vm][2]}"
    body = BODY[vm].split("\n")
    path.write_text(f'.func main 0 {REGISTERS[vm]}\n.source "orig.toy"\n.line 9 9\n'
                    f"{body[0]}\n.line 3 4\n.line 2147483647 2147483647\n{body[1]}\n"
                    f".line 1 1\n.line 1 1\n{body[2]}\n{body[3]}\n")
    result = machine(vm, "run", path)
    assert result.status == 1 and result.err.startswith("orig.toy:1:1: error: pc"), result.err
    bytecode = tmp_path / f"p{MACHINES[vm][1]}"
    assert machine(vm, "asm", path, "-o", bytecode).status == 0
    listing = machine(vm, "dis", bytecode).out
    assert re.findall(r"^\.line .*$", listing, re.M) == [
        ".line 9 9", ".line 2147483647 2147483647", ".line 1 1"]


# --- hostile line tables in bytecode files ------------------------------------

def table(entries, name=b"t.toy", count=None):
    data = b"LINE" + struct.pack("<IH", len(entries) if count is None else count, len(name))
    return data + name + b"".join(struct.pack("<III", *e) for e in entries)


def plain_bytecode(vm, tmp_path):
    path = tmp_path / f"p{MACHINES[vm][2]}"
    path.write_text(f".func main 0 {REGISTERS[vm]}\n{BODY[vm]}")
    out = tmp_path / f"plain{MACHINES[vm][1]}"
    assert machine(vm, "asm", path, "-o", out).status == 0
    return out.read_bytes()


# code units: the stack program is 20 bytes (push, push, div, halt); the
# register program 4 words.  Instruction starts: 0 9 18 19 and 0 1 2 3.
UNITS = {"stackvm": (20, 9, 5), "regvm": (4, 1, 0)}   # size, a start, not a start


def hostile_tables(vm):
    size, start, inside = UNITS[vm]
    return [
        (b"LIN", "the file goes on 3 bytes after the code, and not with a line table"),
        (b"LINX" + bytes(6), "and not with a line table"),
        (table([]), "bad line table: 0 entries"),
        (table([(0, 1, 1)] * 2, count=size + 1), "bad line table: %d entries" % (size + 1)),
        (table([(0, 1, 1)], count=0x7fffffff), "bad line table"),
        (table([(0, 1, 1)], name=b"x" * 256), "a name of 256 bytes"),
        (table([(0, 1, 1)])[:-1], "the line table is 26 bytes but describes 1 entries"),
        (table([(0, 1, 1)]) + b"\0", "the line table is 28 bytes but describes 1 entries"),
        (table([(0, 1, 1)], name=b"a\x1b[2Jb"), "byte 1 of the source's name is 0x1b"),
        (table([(0, 1, 1)], name=b'a"b'), "byte 1 of the source's name is 0x22"),
        (table([(size, 1, 1)]), "entry 0's pc %d is out of order or outside the code" % size),
        (table([(start, 1, 1), (start, 2, 1)]), "entry 1's pc %d is out of order" % start),
        (table([(start, 1, 1), (0, 2, 1)]), "entry 1's pc 0 is out of order"),
        (table([(0, 0, 1)]), "entry 0's position 0:1 is outside 1 to 2147483647"),
        (table([(0, 1, 0)]), "entry 0's position 1:0 is outside"),
        (table([(0, 0x80000000, 1)]), "entry 0's position 2147483648:1 is outside"),
        (table([(0, 3, 4), (start, 3, 4)]), "entry 1 repeats the position of the one before it"),
        (table([(inside, 1, 1)]) if inside else table([(0, 1, 1), (0xffffffff, 1, 2)]),
         "pc %d is in the middle of an instruction" % inside if inside else "out of order"),
    ]


@pytest.mark.parametrize("vm", MACHINES)
def test_hostile_line_tables_are_refused(vm, tmp_path):
    plain = plain_bytecode(vm, tmp_path)
    path = tmp_path / f"hostile{MACHINES[vm][1]}"
    for extra, message in hostile_tables(vm):
        path.write_bytes(plain + extra)
        for command in (("run",), ("dis",)):
            result = machine(vm, *command, path)
            assert result.status == 2 and result.out == "", (extra, result.err)
            assert result.err.startswith(f"{vm}: error: {path}: ")
            assert message in result.err, (extra, result.err)


@pytest.mark.parametrize("vm", MACHINES)
def test_a_good_table_written_by_hand_is_read(vm, tmp_path):
    size, start, _ = UNITS[vm]
    path = tmp_path / f"good{MACHINES[vm][1]}"
    path.write_bytes(plain_bytecode(vm, tmp_path) + table([(0, 7, 2), (start, 8, 3)], b""))
    result = machine(vm, "run", path)
    assert result.status == 1 and result.err.startswith(f"{path}:8:3: error: pc "), result.err
