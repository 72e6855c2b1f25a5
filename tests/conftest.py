"""Helpers every test file shares: find a stage's programs, run them, read --stats.

Tests run against the builds in each stage's build/ folder, or the folder named by
KIT_BUILD (make asan sets KIT_BUILD=build-asan).
"""
import json
import re
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SANITIZER_REPORT = re.compile(r"(Address|UndefinedBehavior|Leak)Sanitizer|\.c:\d+:\d+: runtime error:")
ROOT = Path(__file__).resolve().parent.parent
BUILD = os.environ.get("KIT_BUILD", "build")
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


def run(cmd, *, input=None, timeout=60, cwd=None, env=None) -> Result:
    """Runs a command (a list; Paths allowed) and captures everything.

    input may be bytes or str. A tool that hangs past timeout fails the test
    rather than the whole run. A sanitizer report always fails the test."""
    if isinstance(input, str):
        input = input.encode()
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run([str(c) for c in cmd], input=input,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, cwd=cwd,
                              env=full_env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"timed out after {timeout} s: {' '.join(map(str, cmd))}")
    err = proc.stderr.decode(errors="replace")
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
    """BZIMAGE, VMLINUX and INITRAMFS: stage 4's guest, built (and the kernel
    cached outside the checkout) when missing."""
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


def first_difference(got: str, expected: str) -> list:
    """Explains got != expected by the first line where they part."""
    got_lines, expected_lines = got.split("\n"), expected.split("\n")
    for number, (g, e) in enumerate(zip(got_lines, expected_lines), start=1):
        if g != e:
            return [f"output differs at line {number}:", f"  expected: {e!r}", f"  got:      {g!r}"]
    number = min(len(got_lines), len(expected_lines)) + 1
    if len(got_lines) < len(expected_lines):
        return [f"output ends early, at line {number}:", f"  expected: {expected_lines[number - 1]!r}"]
    return [f"output goes on past the end, at line {number}:", f"  got:      {got_lines[number - 1]!r}"]


def pytest_assertrepr_compare(op, left, right):
    """`assert got == expected` on two strings names the first line that differs
    (the grader shows it to students)."""
    if op == "==" and isinstance(left, str) and isinstance(right, str):
        return first_difference(left, right)
    return None
