"""The disassembly of every file the verifier accepts assembles back to the same bytes.

A property of both machines, checked on the kit's programs (the examples and the
Toy programs, assembled and compiled to bytecode) mutated at random: for each
mutated file, if `dis` accepts it (dis loads and verifies first), then `asm` of
its output must succeed and give back exactly that file.  A verifier that lets
through something the disassembly cannot write (a jump into the middle of an
instruction in code no path reaches, bits of an instruction word no operand
uses) fails here.  Seeded, so a failure is the same on every run."""
import random
import struct

import pytest

from conftest import ROOT, program, run

TOY = ROOT / "common" / "toy-examples"
CASES = 300
MACHINES = {
    # name: stage, assembly and bytecode suffixes, offset of the code in a file
    "stackvm": ("stage01-stackvm", "sasm", "sbc",
                lambda data: 20 + 8 * struct.unpack_from("<I", data, 12)[0]),
    "regvm": ("stage02-regvm", "rasm", "rbc",
              lambda data: 24 + 8 * sum(struct.unpack_from("<II", data, 12)[0:3:2])),
}


# Code no path reaches, full of jumps: the kit's programs have little of it,
# and a verifier that follows only the paths a run can take never looks there.
DEAD_CODE = {
    "stackvm": ".globals 1\n.func main 0 1\n\tpush 1\n\tprint\n\thalt\nback:\n\tpush 300\n"
               "\tjz back\n\tjmp back\n\tpush -2\n\tjnz back\n\tincl 0, 1\n\tloadll 0, 0\n"
               "\tloadlk 0, -5\n\tloadgk 0, 70000\n\tjmp back\n",
    "regvm": ".func main 0 2\n\tloadi r0, 1\n\tprint r0\n\thalt\nback:\n\tloadk r1, 70000\n"
             "\tjt r1, back\n\tjlt r0, r1, back\n\tjeqi r0, 3, back\n\tmodk r1, r0, 7\n"
             "\tjltk r0, 70000, back\n\tjgti r1, -300, back\n\tjmp back\n",
}


def compiled_programs(name, tmp_path):
    """The kit's programs as bytecode files of this machine, and the dead code."""
    stage, asm_ext, bc_ext, _ = MACHINES[name]
    tool = program(stage, name)
    seeds = []
    dead = tmp_path / f"dead.{asm_ext}"
    dead.write_text(DEAD_CODE[name])
    sources = ([dead] + sorted((ROOT / stage / "examples").glob(f"*.{asm_ext}")) +
               sorted(TOY.glob("*.toy")))
    for source in sources:
        out = tmp_path / f"{source.stem}-{source.suffix[1:]}.{bc_ext}"
        command = "compile" if source.suffix == ".toy" else "asm"
        assert run([tool, command, source, "-o", out]).status == 0, source
        seeds.append(out.read_bytes())
    return tool, seeds


def mutate(rng, data, code_at):
    """One to three small changes: any byte, a byte of the code, or a code byte
    nudged by a little (which moves a jump by a few bytes or words)."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(3)
        if kind == 0 or code_at >= len(data):
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:
            data[rng.randrange(code_at, len(data))] = rng.randrange(256)
        else:
            at = rng.randrange(code_at, len(data))
            data[at] = (data[at] + rng.choice((-8, -4, -2, -1, 1, 2, 4, 8))) & 0xff
    return bytes(data)


@pytest.mark.parametrize("name", MACHINES)
def test_dis_then_asm_gives_back_every_accepted_file(tmp_path, name):
    stage, asm_ext, bc_ext, code_offset = MACHINES[name]
    tool, seeds = compiled_programs(name, tmp_path)
    rng = random.Random(16)
    accepted = 0
    mutated, listing, back = (tmp_path / f"mutated.{bc_ext}", tmp_path / f"listing.{asm_ext}",
                              tmp_path / f"back.{bc_ext}")
    for case in range(CASES):
        seed = seeds[0] if case % 2 == 0 else rng.choice(seeds)
        data = mutate(rng, seed, code_offset(seed))
        mutated.write_bytes(data)
        result = run([tool, "dis", mutated])
        if result.status != 0:
            assert result.status == 2 and result.out == "", (case, result.err)
            continue
        accepted += 1
        listing.write_bytes(result.out_bytes)
        assembled = run([tool, "asm", listing, "-o", back])
        assert assembled.status == 0, (case, data.hex(), assembled.err)
        assert back.read_bytes() == data, (case, data.hex())
    # Enough of the cases get through the verifier for the property to bite.
    assert accepted >= CASES // 10
