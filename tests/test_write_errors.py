"""Output that cannot be written is an error, in every tool of the kit.

Each tool checks at its end that what it wrote to stdout got there (common/base/diag.c,
check_stdout_at_exit).  Here every tool and subcommand that writes to stdout runs
with stdout on /dev/full (ENOSPC) and with stdout closed (EBADF): each must say
`program: error: write error: REASON` as the last line of stderr (only --stats'
object comes after it, as that option promises) and exit 2, and
a tool that writes nothing to stdout must still succeed, with stdout closed too,
and must not write into a file it opened in stdout's place."""
import json
import subprocess

import pytest

from conftest import PENDING_LINE, ROOT, SANITIZER_REPORT, program

TOY = ROOT / "common" / "toy-examples"
STDOUT = {
    "full": ("/dev/full", "No space left on device"),
    "closed": ("&-", "Bad file descriptor"),
}
MACHINES = {
    "stackvm": ("stage01-stackvm", "sasm", "sbc"),
    "regvm": ("stage02-regvm", "rasm", "rbc"),
}


def run_with_stdout(where, cmd, timeout=60):
    """Runs cmd with stdout on /dev/full or closed; returns (status, stderr)."""
    target, _ = STDOUT[where]
    shell = 'exec "$@" >' + target
    proc = subprocess.run(["sh", "-c", shell, "sh", *map(str, cmd)], stdin=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=timeout)
    err = proc.stderr.decode(errors="replace")
    assert not SANITIZER_REPORT.search(err), err
    return proc.returncode, PENDING_LINE.sub("", err)   # a starter kit's stubs speak too


def assert_write_error(where, name, cmd):
    status, err = run_with_stdout(where, cmd)
    assert status == 2, err
    assert err.splitlines()[-1] == f"{name}: error: write error: {STDOUT[where][1]}", err
    return err


def machine_commands(name, tmp_path):
    """Every way the machine's tool writes to stdout, on the kit's programs."""
    stage, asm_ext, bc_ext = MACHINES[name]
    tool = program(stage, name)
    source = ROOT / stage / "examples" / f"hello.{asm_ext}"
    bytecode = tmp_path / f"hello.{bc_ext}"
    subprocess.run([tool, "asm", source, "-o", bytecode], check=True)
    return tool, {
        "help": ["--help"],
        "run assembly": ["run", source],
        "run bytecode": ["run", bytecode],
        "run toy": ["run", TOY / "sieve.toy"],
        "run switch": ["run", "--dispatch=switch", TOY / "queens.toy"],
        "run trace": ["run", "--trace", source],
        "run max-steps": ["run", "--max-steps", "1000000", TOY / "fib.toy"],
        "dis": ["dis", bytecode],
        "asm to stdout": ["asm", source, "-o", "/dev/stdout"],
        "compile to stdout": ["compile", TOY / "gcd.toy", "-o", "/dev/stdout"],
        "compile emit-asm": ["compile", TOY / "gcd.toy", "-o", "/dev/stdout", "--emit-asm"],
    }


@pytest.mark.parametrize("where", STDOUT)
@pytest.mark.parametrize("name", MACHINES)
def test_every_subcommand_reports_a_write_error(tmp_path, name, where):
    tool, commands = machine_commands(name, tmp_path)
    for label, args in commands.items():
        status, err = run_with_stdout(where, [tool, *args])
        assert status == 2, (label, err)
        if "/dev/stdout" in args:   # fails in the write itself, naming the path
            assert err.startswith(f"{name}: error: /dev/stdout: cannot write: "), (label, err)
        else:
            assert err.splitlines()[-1] == f"{name}: error: write error: {STDOUT[where][1]}", \
                (label, err)


@pytest.mark.parametrize("where", STDOUT)
@pytest.mark.parametrize("name", MACHINES)
def test_the_stats_stay_whole_and_last_after_the_write_error(name, where):
    stage, asm_ext, _ = MACHINES[name]
    status, err = run_with_stdout(where, [program(stage, name), "run", "--stats",
                                          ROOT / stage / "examples" / f"fib.{asm_ext}"])
    lines = err.splitlines()
    assert status == 2 and len(lines) == 2, err
    assert lines[0] == f"{name}: error: write error: {STDOUT[where][1]}"
    assert json.loads(lines[1])["dispatches"] > 0


@pytest.mark.parametrize("where", STDOUT)
@pytest.mark.parametrize("name", MACHINES)
def test_a_write_error_outranks_a_guest_failure(name, where):
    """Exit 1 means the guest failed; output lost on the way is exit 2 all the same."""
    stage = MACHINES[name][0]
    err = assert_write_error(where, name, [program(stage, name), "run", TOY / "divzero.toy"])
    assert "division by zero" in err


@pytest.mark.parametrize("where", STDOUT)
@pytest.mark.parametrize("name", MACHINES)
def test_much_output_to_a_full_stdout_ends(tmp_path, name, where):
    """A program printing a million lines into the void stops when it is done."""
    source = tmp_path / "many.toy"
    source.write_text("var i = 0;\nwhile (i < 1000000) { print(i); i = i + 1; }\n")
    assert_write_error(where, name, [program(MACHINES[name][0], name), "run", source])


@pytest.mark.parametrize("where", STDOUT)
@pytest.mark.parametrize("name", MACHINES)
def test_a_tool_that_writes_nothing_to_stdout_succeeds(tmp_path, name, where):
    """asm and compile -o FILE use no stdout: no error, and the file they open
    does not take a closed stdout's place and receive its bytes."""
    stage, asm_ext, bc_ext = MACHINES[name]
    tool = program(stage, name)
    source = ROOT / stage / "examples" / f"gcd.{asm_ext}"
    subprocess.run([tool, "asm", source, "-o", tmp_path / "expected"], check=True)
    for args in (["asm", source, "-o", tmp_path / f"out.{bc_ext}"],
                 ["compile", TOY / "gcd.toy", "-o", tmp_path / "gcd.asm", "--emit-asm"]):
        status, err = run_with_stdout(where, [tool, *args])
        assert (status, err) == (0, "")
    assert (tmp_path / f"out.{bc_ext}").read_bytes() == (tmp_path / "expected").read_bytes()


@pytest.mark.parametrize("where", STDOUT)
def test_mkcpio_reports_a_write_error(tmp_path, where):
    (tmp_path / "list").write_text("dir /dev 0755\n")
    assert_write_error(where, "mkcpio", [program("stage04-kvm-linux", "mkcpio"),
                                         tmp_path / "list"])


@pytest.mark.parametrize("where", STDOUT)
def test_kvm_linux_dry_run_and_help_report_a_write_error(tmp_path, where):
    from test_stage04_monitor import bzimage
    kernel = tmp_path / "kernel"
    kernel.write_bytes(bzimage())
    tool = program("stage04-kvm-linux", "kvm-linux")
    assert_write_error(where, "kvm-linux", [tool, "--kernel", kernel, "--dry-run"])
    assert_write_error(where, "kvm-linux", [tool, "--help"])


@pytest.mark.parametrize("where", STDOUT)
def test_kvm_hello_help_reports_a_write_error(where):
    assert_write_error(where, "kvm-hello", [program("stage03-kvm-hello", "kvm-hello"), "--help"])


@pytest.mark.parametrize("where", STDOUT)
@pytest.mark.parametrize("guest", ["hello16", "flood"])
def test_kvm_hello_guest_output_reports_a_write_error(kvm, where, guest):
    tool = program("stage03-kvm-hello", "kvm-hello")
    assert_write_error(where, "kvm-hello", [tool, tool.parent / "guests" / guest])
