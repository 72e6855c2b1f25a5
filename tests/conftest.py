"""Helpers every test file shares: find a stage's programs, run them, read --stats.

Tests run against the builds in each stage's build/ folder, or the folder named by
KIT_BUILD (make asan sets KIT_BUILD=build-asan), of the tree these tests sit in or the
one named by KIT_ROOT (a teacher grading a student's tree with a clean copy of tests/).
"""
import json
import re
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SANITIZER_REPORT = re.compile(r"(Address|UndefinedBehavior|Leak)Sanitizer|\.[ch]:\d+:\d+: runtime error:")
ROOT = Path(os.environ.get("KIT_ROOT") or Path(__file__).resolve().parent.parent).resolve()
BUILD = os.environ.get("KIT_BUILD", "build")
# What an exercise's stub prints when its code runs (common/base/diag.c), and the
# whole line exercise_pending() prints for a stub that lets the program go on.
NOT_DONE = re.compile(r"exercise (ex\d+\.\d+) is not done yet")
PENDING_LINE = re.compile(r"^[\w.-]+: exercise ex\d+\.\d+ is not done yet: see its statement "
                          r"in book/\n", re.M)
# The exercises whose stubs ran during the current test; grade.py reads them
# from the report to tell "not done" from "wrong".
stubs_seen = set()
sys.path.insert(0, str(ROOT / "common"))
import console_watch  # noqa: E402


def stage_dir(stage: str) -> Path:
    return ROOT / stage


def build_dir(stage: str) -> Path:
    return ROOT / stage / BUILD


def program(stage: str, name: str) -> Path:
    """The path of a stage's built program; fails the test if it is missing."""
    path = build_dir(stage) / name
    if not path.exists():
        pytest.fail(f"{path} is not built: run make first")
    return path


@dataclass
class Result:
    status: int
    out: str
    err: str
    out_bytes: bytes

    def stats(self) -> dict:
        """The JSON object --stats prints as the last line of stderr."""
        lines = self.err.rstrip("\n").split("\n")
        return json.loads(lines[-1])

    @property
    def err_lines(self) -> list:
        return [line for line in self.err.split("\n") if line]


PIPE_BUFFER = 65536      # what Linux's pipe holds before a writer waits


def run(cmd, *, input=None, timeout=60, cwd=None, env=None) -> Result:
    """Runs a command (a list; Paths allowed) and captures everything.

    input may be bytes or str. A tool that hangs past timeout fails the test
    rather than the whole run. A sanitizer report always fails the test.
    Which exercises' stubs ran is noted for grade.py, and their notices taken
    out of stderr."""
    if isinstance(input, str):
        input = input.encode()
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    stdin = subprocess.DEVNULL if input is None else None
    if input is not None and len(input) <= PIPE_BUFFER:
        # All of it in the pipe before the program starts, writer closed: a
        # program that looks for input at once (a status port, a poll) finds
        # it there, rather than racing subprocess's writer thread.
        stdin, write_end = os.pipe()
        os.write(write_end, input)
        os.close(write_end)
        input = None
    try:
        proc = subprocess.run([str(c) for c in cmd], input=input, stdin=stdin,
                              capture_output=True, timeout=timeout, cwd=cwd,
                              env=full_env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"timed out after {timeout} s: {' '.join(map(str, cmd))}")
    finally:
        if isinstance(stdin, int) and stdin >= 0:
            os.close(stdin)
    err = proc.stderr.decode(errors="replace")
    stubs_seen.update(NOT_DONE.findall(err))
    # In a starter kit a stub that lets the program go on says so on stderr; the
    # tests that are not its exercise's read stderr as if it had not.
    err = PENDING_LINE.sub("", err)
    assert not SANITIZER_REPORT.search(err), err
    return Result(proc.returncode, proc.stdout.decode(errors="replace"), err,
                  proc.stdout)


def boot(cmd, *, host: str, idle: float = 600, limit: float = 1800) -> Result:
    """Runs a VM for as long as its console keeps moving (a software KVM or a
    busy machine boots in minutes, not seconds).  When it stops moving for idle
    seconds, or runs limit seconds in all, fails the test saying how far the
    kernel got and why this host is slow.  host: "kvm" or "tcg"."""
    watched = console_watch.watch(cmd, idle=idle, limit=limit, capture_stderr=True)
    if watched.gave_up:
        pytest.fail(f"{watched.how_far(host)}\nThe console's end:\n{watched.text[-2000:]}")
    err = watched.err.decode(errors="replace")
    assert not SANITIZER_REPORT.search(err), err
    return Result(watched.status, watched.out.decode(errors="replace"), err, watched.out)


@pytest.fixture(scope="session")
def kernel_paths() -> dict:
    """BZIMAGE, VMLINUX, INITRAMFS and ROOTFS: stage 4's guest, built (and the kernel
    cached outside the checkout) when missing.  KIT_SKIP_KERNEL=1 skips the tests
    needing it instead (a check that must not spend many minutes building a kernel)."""
    if os.environ.get("KIT_SKIP_KERNEL") == "1":
        pytest.skip("KIT_SKIP_KERNEL=1: the kit's kernel is not built")
    result = subprocess.run(["make", "-s", "-C", ROOT / "stage04-kvm-linux", "kernel-paths"],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(line.split("=", 1) for line in result.stdout.split())


def kvm_available() -> bool:
    return os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.R_OK | os.W_OK)


def kvm_offered() -> bool:
    """Does the host kernel offer a KVM device at all?  (A module can be
    loaded and still decline, e.g. kvm_pvm inside a kvm_pvm guest.)"""
    return os.path.isdir("/sys/class/misc/kvm")


# The skip reason that marks a test as impossible on this host, rather than
# failed or unrun: grade.py counts such tests as not gradable here.
NO_KVM_DEVICE = "this host's kernel offers no KVM device"


def kvm_missing_reason() -> str:
    if not kvm_offered():
        return (f"/dev/kvm is missing: {NO_KVM_DEVICE} "
                "(no /sys/class/misc/kvm; in a VM, nested virtualization is off)")
    return "/dev/kvm is missing or not accessible"


@pytest.fixture
def kvm():
    """Use in tests that need /dev/kvm: skips without it, fails when REQUIRE_KVM=1."""
    if not kvm_available():
        reason = kvm_missing_reason()
        if os.environ.get("REQUIRE_KVM") == "1":
            pytest.fail(f"REQUIRE_KVM=1 but {reason}")
        pytest.skip(reason)


def kvm_module() -> str:
    """Which kernel module serves /dev/kvm: kvm_intel, kvm_amd, kvm_pvm, or ''."""
    if not kvm_offered():
        return ""
    for name in ("kvm_intel", "kvm_amd", "kvm_pvm"):
        if os.path.isdir(f"/sys/module/{name}"):
            return name
    return ""


def git_files(pattern: str = "*") -> list:
    """The files of the kit matching pattern: those git tracks in a checkout, and
    every file but build outputs in a starter kit (which has no .git)."""
    if (ROOT / ".git").exists():
        names = subprocess.run(["git", "-C", ROOT, "ls-files", pattern], capture_output=True,
                               text=True, check=True).stdout.split()
        return [ROOT / name for name in names if (ROOT / name).exists()]   # not deleted
    return sorted(path for path in ROOT.glob(pattern if "/" in pattern else "**/" + pattern)
                  if path.is_file() and not any(part.startswith("build") or part == "__pycache__"
                                                for part in path.relative_to(ROOT).parts))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each report names the exercises whose stubs ran in the test (for grade.py)."""
    if call.when == "setup":
        stubs_seen.clear()
    outcome = yield
    if call.when == "call":
        outcome.get_result().user_properties.append(("stubs_seen", sorted(stubs_seen)))


def first_difference(got, expected) -> list:
    """Explains got != expected (two texts, or two lists of lines) by the first
    line where they part, after the line before it (the same in both) for context."""
    got_lines = got.split("\n") if isinstance(got, str) else got
    expected_lines = expected.split("\n") if isinstance(expected, str) else expected
    context = []
    for number, (g, e) in enumerate(zip(got_lines, expected_lines), start=1):
        if g != e:
            return [f"output differs at line {number}:", *context,
                    f"  expected: {e!r}", f"  got:      {g!r}"]
        context = [f"  line {number}, the same in both: {g!r}"]
    number = min(len(got_lines), len(expected_lines)) + 1
    if len(got_lines) < len(expected_lines):
        return [f"output ends early, at line {number}:", *context,
                f"  expected: {expected_lines[number - 1]!r}", "  got:      nothing more"]
    return [f"output goes on past the end, at line {number}:", *context,
            "  expected: nothing more", f"  got:      {got_lines[number - 1]!r}"]


def pytest_assertrepr_compare(op, left, right):
    """`assert got == expected` names the first difference as text (the grader
    shows it to students): for strings and lists of lines the first line that
    differs, for other values both values."""
    if op != "==":
        return None
    if isinstance(left, str) and isinstance(right, str):
        return first_difference(left, right)
    if isinstance(left, list) and isinstance(right, list) and \
            all(isinstance(line, str) for line in left + right):
        return first_difference(left, right)
    return ["value differs:", f"  expected: {right!r}", f"  got:      {left!r}"]
