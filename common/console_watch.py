#!/usr/bin/python3
"""Run a VM with its serial console shown, for as long as it makes progress.

    console_watch.py [--idle SECONDS] [--limit SECONDS] [--host kvm|tcg]
                     [--pulse FILE SECONDS [--when-stale SHELL-COMMAND]] -- COMMAND...

make demo and the stage 4 boot tests run their VMs through this (it lives in
common/ because stage 4's Makefile, which must need nothing but common/, uses it).  It does two
things a plain pipe would not:

- It waits as long as the console keeps moving: it gives up only when the guest
  has printed nothing for --idle seconds, or after --limit seconds in all.  A
  software KVM (kvm_pvm) boots in minutes, a busy machine slower still, and a
  fixed timeout either fails a boot that was getting there or waits far too long
  for one that hung.  When it gives up it says how far the kernel got (its last
  line and its own clock) and why this host is slow.  A VM that writes a pulse
  to a file of its own every so often (make check-nested's) is also given up
  when that file has not grown for --pulse's SECONDS: the VM itself stopped,
  which its console alone could not tell from a slow test.  --when-stale
  runs a command then (to read the VM's state from its emulator, and to try
  to wake it); if the pulse moves again within SECONDS, the VM goes on.
- It passes the guest's output on without the escape sequences that would
  reset, clear or reconfigure the user's terminal: firmware such as QEMU's
  SeaBIOS writes ESC c, ESC [2J and ESC [?7l (line wrap off) to the serial
  console.  Only colour (SGR, ESC [...m) is kept.

Exit status: the command's own, or 124 when it was stopped for making no
progress (as timeout(1) does), 2 for bad usage.
"""
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

# An escape sequence: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), or
# a two-byte one such as ESC c.  The last alternatives match a sequence cut off
# at the end of what has arrived so far, to be completed by the next read.
ESCAPE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-~])")
UNFINISHED = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[ -/]*)$")
KERNEL_CLOCK = re.compile(r"^\[\s*(\d+\.\d+)\]")


class TerminalSafe:
    """Removes every escape sequence but colour, across reads."""

    def __init__(self):
        self.held = b""

    def filter(self, data: bytes) -> bytes:
        data = self.held + data
        cut = UNFINISHED.search(data)
        self.held = data[cut.start():] if cut and len(data) - cut.start() < 256 else b""
        data = data[:len(data) - len(self.held)]
        return ESCAPE.sub(lambda m: m[0] if m[0].startswith(b"\x1b[") and m[0].endswith(b"m")
                          else b"", data)

    def flush(self) -> bytes:
        held, self.held = self.held, b""
        return ESCAPE.sub(b"", held).replace(b"\x1b", b"")


def kvm_module() -> str:
    for name in ("kvm_intel", "kvm_amd", "kvm_pvm"):
        if os.path.isdir(f"/sys/module/{name}"):
            return name
    return ""


def why_slow(host: str) -> str:
    """Why a boot takes long on this host, in a sentence."""
    if host == "tcg":
        return ("QEMU's TCG emulates every guest instruction in software; on a busy "
                "machine a boot takes longer still.")
    if kvm_module() == "kvm_pvm":
        return ("this host's /dev/kvm is kvm_pvm, a software KVM that emulates the guest "
                "kernel's privileged instructions and page-table updates: here a boot to "
                "Run /init takes minutes (book chapter 5), longer on a busy machine.")
    return f"this host's KVM is {kvm_module() or 'unknown'}."


@dataclass
class Watched:
    status: int            # the command's exit status, or 124 when stopped
    out: bytes             # the console, as the command wrote it
    gave_up: str           # why it was stopped, or ""
    err: bytes = b""       # its stderr, when captured

    @property
    def text(self) -> str:
        return self.out.decode(errors="replace").replace("\r", "")

    def last_line(self) -> str:
        lines = [line for line in self.text.split("\n") if line.strip()]
        return lines[-1] if lines else ""

    def kernel_clock(self):
        """The kernel's own timestamp on its last timestamped line, or None."""
        for line in reversed(self.text.split("\n")):
            if KERNEL_CLOCK.match(line):
                return float(KERNEL_CLOCK.match(line)[1])
        return None

    def how_far(self, host: str) -> str:
        clock = self.kernel_clock()
        last = self.last_line()
        return (f"{self.gave_up}. The console's last line: {last!r}"
                + (f" (the kernel's clock: {clock:.1f} s)" if clock is not None else
                   " (no kernel timestamp yet)" if last else "")
                + f". Why it is slow: {why_slow(host)}")


def read_into(pipe, chunks) -> None:
    """A reader thread: every chunk of pipe, then None at its end."""
    while chunk := pipe.read1(4096):
        chunks.put(chunk)
    chunks.put(None)


class Pulse:
    """A file the VM appends to every so often; stale once it has not grown
    for `seconds`."""

    def __init__(self, path: str, seconds: float):
        self.path, self.seconds = path, seconds
        self.size, self.since = -1, time.monotonic()

    def stale(self, now: float) -> bool:
        try:
            size = os.stat(self.path).st_size
        except OSError:
            size = -1
        if size != self.size:
            self.size, self.since = size, now
        return now - self.since >= self.seconds


class Collected(list):
    def put(self, chunk):
        if chunk:
            self.append(chunk)


def woke(command: str, pulse: Pulse) -> bool:
    """Runs command, the VM's pulse having stopped, then gives the pulse its
    seconds again to move: did it?"""
    try:
        subprocess.run(["sh", "-c", command], stdin=subprocess.DEVNULL, timeout=60,
                       check=False)
    except subprocess.TimeoutExpired:
        print("console_watch: --when-stale's command took over 60 s", file=sys.stderr)
    deadline = time.monotonic() + pulse.seconds
    while time.monotonic() < deadline:
        time.sleep(min(5, pulse.seconds))
        if not pulse.stale(time.monotonic()):
            return True
    return False


def watch(command, *, idle: float, limit: float, echo=None, capture_stderr=False,
          pulse=None, when_stale=None) -> Watched:
    """Runs command (stdin closed; stderr passed through, or captured);
    gives up after idle seconds without console output, limit seconds in
    all, or when pulse (a Pulse) is stale and stays so after when_stale (a
    shell command; three times a run at most).  echo, a binary file, gets
    the console as it comes, terminal-safe."""
    proc = subprocess.Popen([str(c) for c in command], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE if capture_stderr else None)
    chunks, errors = queue.Queue(), Collected()
    threading.Thread(target=read_into, args=(proc.stdout, chunks), daemon=True).start()
    if capture_stderr:
        error_reader = threading.Thread(target=read_into, args=(proc.stderr, errors), daemon=True)
        error_reader.start()
    safe, out, gave_up, wakes = TerminalSafe(), [], "", 0
    start = last = time.monotonic()
    while True:
        now = time.monotonic()
        wait = min(idle - (now - last), limit - (now - start))
        if pulse and pulse.stale(now):
            if when_stale and wakes < 3 and woke(when_stale, pulse):
                wakes += 1
                print(f"\nconsole_watch: the VM's pulse had stopped for {pulse.seconds:.0f} s "
                      "and moved again after --when-stale's command: the VM goes on",
                      file=sys.stderr, flush=True)
                continue
            gave_up = (f"its pulse ({pulse.path}) has not moved for {pulse.seconds:.0f} s"
                       + (", nor after --when-stale's command" if when_stale else ""))
            break
        if wait <= 0:
            gave_up = (f"the guest printed nothing for {idle:.0f} s" if now - last >= idle
                       else f"the guest was still running after {limit:.0f} s")
            break
        if pulse:                       # look at it at least twice a period
            wait = min(wait, 5, pulse.seconds / 2)
        try:
            chunk = chunks.get(timeout=wait)
        except queue.Empty:
            continue
        if chunk is None:
            break
        last = time.monotonic()
        out.append(chunk)
        if echo:
            echo.write(safe.filter(chunk))
            echo.flush()
    if gave_up:
        gave_up += stop(proc)
    status = proc.wait() if not gave_up else 124
    if status < 0:
        status = 128 - status                # killed by a signal, as a shell says it
    if echo:
        echo.write(safe.flush())
        echo.flush()
    if capture_stderr:
        error_reader.join(None if not gave_up else 10)
    return Watched(status, b"".join(out), gave_up, b"".join(errors))


def stop(proc) -> str:
    """SIGTERM (the monitor restores the terminal), then SIGKILL.  A process
    stuck inside the kernel (state D: a KVM that never returns from KVM_RUN or
    from tearing a VM down) outlives even SIGKILL; the watcher must not wait
    for it forever, so it says so and leaves it.  Returns what to add to the
    reason for giving up."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
        return ""
    except subprocess.TimeoutExpired:
        proc.kill()
    try:
        proc.wait(60)
        return ""
    except subprocess.TimeoutExpired:
        return (f"; it did not end within 60 s of SIGKILL (state {process_state(proc.pid)}: "
                "stuck in the host's kernel), so it was left running")


def process_state(pid: int) -> str:
    """The state letter and kernel wait channel of a process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/wchan") as wchan:
            return f"{state} in {wchan.read() or '?'}"
    except OSError:
        return "unknown"


USAGE = ("usage: console_watch.py [--idle S] [--limit S] [--host kvm|tcg] [--pulse FILE S]\n"
         "                        [--when-stale SHELL-COMMAND] -- COMMAND...")


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not 0 < value < 1e6:
        raise ValueError(f"expected seconds, more than 0, not '{text}'")
    return value


def main(argv) -> int:
    idle, limit, host, pulse, when_stale = 600.0, 1800.0, "kvm", None, None
    args = list(argv)
    if args[:1] in (["--help"], ["-h"]):
        try:
            print(USAGE + "\n\n" + __doc__.split("\n\n", 2)[2].strip(), flush=True)
        except OSError as error:              # a closed or full stdout
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            print(f"console_watch: error: writing the usage: {error.strerror}",
                  file=sys.stderr)
            return 2
        return 0
    try:
        while args and args[0] != "--":
            option = args.pop(0)
            if option not in ("--idle", "--limit", "--host", "--pulse", "--when-stale") \
                    or len(args) < (2 if option == "--pulse" else 1):
                raise ValueError(f"unexpected argument '{option}'")
            value = args.pop(0)
            if option == "--host" and value not in ("kvm", "tcg"):
                raise ValueError(f"--host is kvm or tcg, not '{value}'")
            if option == "--host":
                host = value
            elif option == "--idle":
                idle = seconds(value)
            elif option == "--limit":
                limit = seconds(value)
            elif option == "--pulse":
                pulse = Pulse(value, seconds(args.pop(0)))
            else:
                when_stale = value
    except ValueError as error:
        print(f"console_watch: error: {error}\n{USAGE}", file=sys.stderr)
        return 2
    if len(args) < 2:
        print("console_watch: error: no command given after --", file=sys.stderr)
        return 2
    result = watch(args[1:], idle=idle, limit=limit, echo=sys.stdout.buffer, pulse=pulse,
                   when_stale=when_stale)
    if result.gave_up:
        print(f"\nconsole_watch: stopped the VM: {result.how_far(host)}", file=sys.stderr)
    return result.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
