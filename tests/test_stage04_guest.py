"""Stage 4's guest: the kit's kernel, init and initramfs, booted under QEMU's
software emulation (TCG), which runs on every host, KVM or not: this proves the
kernel configuration and the init program apart from the monitor."""
import gzip
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from conftest import ROOT, boot, build_dir, console_watch, run

QEMU = "qemu-system-x86_64"
APPEND = "console=ttyS0 reboot=k panic=-1 8250.nr_uarts=1 i8042.noaux quiet"


def qemu_command(kernel_paths, append):
    return [QEMU, "-accel", "tcg", "-M", "pc", "-m", "128", "-nographic", "-nic", "none",
            "-no-reboot", "-kernel", kernel_paths["BZIMAGE"],
            "-initrd", kernel_paths["INITRAMFS"],
            "-append", f"{APPEND} {append}"]


def boot_tcg(kernel_paths, append):
    """Boots under TCG for as long as the console moves (a busy machine is slow)."""
    return boot(qemu_command(kernel_paths, append), host="tcg", idle=120, limit=900)


def newc_entries(archive: bytes) -> dict:
    """Name -> (mode, data) of a newc cpio archive, parsed by the format's rules."""
    entries, at = {}, 0
    while True:
        header = archive[at:at + 110]
        assert header[:6] == b"070701", f"bad magic at {at}"
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name = archive[at + 110:at + 110 + namesize - 1].decode()
        at = (at + 110 + namesize + 3) & ~3
        data = archive[at:at + size]
        at = (at + size + 3) & ~3
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, data)


def test_the_initramfs_holds_init_busybox_and_the_console():
    entries = newc_entries(gzip.decompress((build_dir("stage04-kvm-linux") /
                                            "initramfs.cpio.gz").read_bytes()))
    assert entries["dev/console"][0] == 0o20600          # a character device
    assert entries["init"][0] == 0o100755
    assert entries["init"][1][:4] == b"\x7fELF"
    assert entries["bin/sh"] == (0o120777, b"busybox")    # a symbolic link
    assert entries["bin/busybox"][1] == open("/bin/busybox", "rb").read()


def test_mkcpio_rejects_a_bad_list(tmp_path):
    (tmp_path / "list").write_text("dir /x 0755\nfrob /y\n")
    result = run([build_dir("stage04-kvm-linux") / "mkcpio", tmp_path / "list"])
    assert result.status == 2
    assert "list:2: expected dir, file, slink or nod" in result.err


@pytest.mark.slow
def test_the_kernel_boots_to_init_and_runs_a_command(kernel_paths):
    result = boot_tcg(kernel_paths, 'run="echo hello from the guest; uname -s"')
    assert result.status == 0, result.out[-3000:]
    out = result.out.replace("\r", "")
    assert re.search(r"staged-vms init: Linux 6\.1\.\S+, 1 CPU, \d+ MiB$", out, re.M), out
    assert "staged-vms init: running as /init, from the initramfs" in out
    assert "staged-vms init: cmdline: console=ttyS0 reboot=k" in out
    assert "hello from the guest\nLinux\n" in out
    assert "staged-vms init: the command exited with status 0; rebooting" in out


def test_the_disk_image_holds_init_and_busybox(kernel_paths):
    """make rootfs: an ext2 image (read here with e2fsprogs' debugfs, not
    mounted) with init where the kernel looks on a disk."""
    listing = run(["/sbin/debugfs", "-R", "ls -l /sbin", kernel_paths["ROOTFS"]])
    assert re.search(r"100755 .* init\s*$", listing.out, re.M), listing.out + listing.err
    link = run(["/sbin/debugfs", "-R", "stat /bin/sh", kernel_paths["ROOTFS"]])
    assert "Type: symlink" in link.out and 'Fast link dest: "busybox"' in link.out, link.out


@pytest.mark.slow
def test_the_kernel_mounts_the_disk_and_runs_init_from_it(kernel_paths, tmp_path):
    """The same guest from a virtio-mmio disk, under QEMU's microvm machine
    (without ACPI, so its virtio-mmio devices are on the kernel command line, as
    does under stage 4's monitor): proves the kernel's virtio, block and
    ext2 configuration and the image on every host.  What the guest writes
    is on the disk after it ends."""
    disk = tmp_path / "rootfs.ext2"
    disk.write_bytes(open(kernel_paths["ROOTFS"], "rb").read())
    command = [QEMU, "-accel", "tcg", "-M", "microvm,acpi=off", "-m", "128", "-nographic",
               "-nic", "none", "-no-reboot", "-kernel", kernel_paths["BZIMAGE"],
               "-drive", f"id=disk,file={disk},format=raw,if=none",
               "-device", "virtio-blk-device,drive=disk",
               "-append", f'{APPEND} reboot=t root=/dev/vda rw '
                          'run="echo written by the guest > /note; sync; cat /proc/mounts"']
    result = boot(command, host="tcg", idle=120, limit=900)
    out = result.out.replace("\r", "")
    assert "staged-vms init: running as /sbin/init, from the root file system" in out, out[-3000:]
    assert re.search(r"^/dev/root / ext2 rw", out, re.M), out[-3000:]
    assert "staged-vms init: the command exited with status 0; rebooting" in out
    note = run(["/sbin/debugfs", "-R", "cat /note", disk])
    assert note.out == "written by the guest\n", note.out + note.err


class Console:
    """A guest's serial console over pipes, driven like a person at a terminal:
    wait for the prompt, then type.  (Bytes sent before the guest's shell has
    set up its line editor are discarded by it, so typing ahead is not a test.)"""

    def __init__(self, cmd):
        self.proc = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = b""
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while chunk := self.proc.stdout.read1(4096):
            with self.lock:
                self.out += chunk

    def text(self):
        with self.lock:
            return self.out.decode(errors="replace").replace("\r", "")

    def expect(self, wanted, idle=120, limit=900):
        """Waits for wanted while the console keeps moving: gives up after idle
        seconds without output, or limit in all."""
        start = moved = time.monotonic()
        seen = len(self.out)
        while wanted not in self.text():
            now = time.monotonic()
            if len(self.out) != seen:
                seen, moved = len(self.out), now
            if now - moved > idle or now - start > limit or self.proc.poll() is not None:
                time.sleep(0.2)
                pytest.fail(f"{wanted!r} never appeared ({console_watch.why_slow('tcg')}); "
                            f"the console showed:\n{self.text()[-3000:]}")
            time.sleep(0.05)

    def type(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.mark.slow
def test_a_shell_runs_what_is_typed_on_the_serial_console(kernel_paths):
    console = Console(qemu_command(kernel_paths, ""))
    console.expect("/ # ")
    console.type("echo typed-$((6*7))")
    console.expect("typed-42\n")
    console.type("exit 3")
    assert console.wait() == 0, console.text()[-3000:]
    assert "staged-vms init: the shell exited with status 3; rebooting" in console.text()


# --- what make demo and the boot tests run VMs through (common/console_watch.py)

def test_the_console_keeps_colour_but_never_resets_clears_or_reconfigures_the_terminal():
    seabios = b"\x1bc\x1b[?7l\x1b[2JSeaBIOS (version 1.16)\r\n\x1b[1;31mred\x1b[0m \x1b]0;title\x07ok\n"
    expected = b"SeaBIOS (version 1.16)\r\n\x1b[1;31mred\x1b[0m ok\n"
    for cut in range(len(seabios) + 1):     # however the reads split the bytes
        safe = console_watch.TerminalSafe()
        got = safe.filter(seabios[:cut]) + safe.filter(seabios[cut:]) + safe.flush()
        assert got == expected, cut


def test_a_vm_that_stops_printing_is_stopped_with_how_far_it_got():
    guest = ("echo '[    0.000000] Linux version 6.1'; echo '[  255.123456] Run /init as "
             "init process'; exec sleep 600")
    started = time.monotonic()
    watched = console_watch.watch(["sh", "-c", guest], idle=3, limit=60, capture_stderr=True)
    assert time.monotonic() - started < 30
    assert watched.status == 124 and watched.gave_up == "the guest printed nothing for 3 s"
    message = watched.how_far("kvm")
    assert "'[  255.123456] Run /init as init process' (the kernel's clock: 255.1 s)" in message
    assert "Why it is slow: this host's" in message


def test_a_vm_whose_output_outlives_it_does_not_hold_the_watcher():
    """A child left behind keeps the pipes open after the VM is stopped: the
    watcher still returns, within seconds of giving up."""
    guest = "sleep 600 & echo started; exec sleep 600"
    started = time.monotonic()
    watched = console_watch.watch(["sh", "-c", guest], idle=2, limit=60, capture_stderr=True)
    assert time.monotonic() - started < 30
    assert watched.status == 124 and watched.text == "started\n"


def test_a_vm_whose_pulse_stops_is_stopped_though_its_console_is_quiet_by_design(tmp_path):
    """make check-nested's VM writes a pulse to a file; when the file stops
    growing the VM itself stopped, long before the console's idle bound
    would say so.  --when-stale's command runs first (it reads the VM's
    state and tries to wake it); the pulse still does not move."""
    pulse, state = tmp_path / "pulse.log", tmp_path / "state"
    guest = f"for i in 1 2 3; do echo beat >> {pulse}; sleep 1; done; exec sleep 600"
    started = time.monotonic()
    watched = console_watch.watch(["sh", "-c", guest], idle=600, limit=600,
                                  pulse=console_watch.Pulse(str(pulse), 3),
                                  when_stale=f"echo read >> {state}")
    assert time.monotonic() - started < 40
    assert watched.status == 124
    assert watched.gave_up == (f"its pulse ({pulse}) has not moved for 3 s, "
                               "nor after --when-stale's command")
    assert pulse.read_text() == "beat\n" * 3 and state.read_text() == "read\n"


def test_a_vm_whose_pulse_moves_again_after_the_stale_command_goes_on(tmp_path):
    """A VM that the --when-stale command wakes (here: the command writes
    the pulse itself) is watched on to its end, at most three times."""
    pulse = tmp_path / "pulse.log"
    guest = f"echo beat >> {pulse}; sleep 8; echo done"
    watched = console_watch.watch(["sh", "-c", guest], idle=600, limit=120,
                                  pulse=console_watch.Pulse(str(pulse), 2),
                                  when_stale=f"echo woken >> {pulse}")
    assert watched.status == 0 and not watched.gave_up and watched.text == "done\n"
    assert pulse.read_text().startswith("beat\nwoken\n")


def test_a_vm_whose_pulse_goes_on_is_not_stopped_by_it(tmp_path):
    pulse = tmp_path / "pulse.log"
    guest = f"for i in 1 2 3 4 5 6; do echo beat >> {pulse}; sleep 1; done; echo done"
    watched = console_watch.watch(["sh", "-c", guest], idle=600, limit=120,
                                  pulse=console_watch.Pulse(str(pulse), 3))
    assert watched.status == 0 and not watched.gave_up and watched.text == "done\n"


class Unkillable:
    """A process as seen from outside when it is stuck in the host's kernel."""
    pid = os.getpid()

    def __init__(self):
        self.signals = []

    def send_signal(self, number):
        self.signals.append(number)

    def kill(self):
        self.signals.append(signal.SIGKILL)

    def wait(self, timeout=None):
        raise subprocess.TimeoutExpired("monitor", timeout)


def test_a_monitor_that_outlives_sigkill_is_left_and_named():
    """SIGTERM, then SIGKILL; a process that survives both (state D, inside
    KVM) is not waited for forever: the reason says so."""
    proc = Unkillable()
    reason = console_watch.stop(proc)
    assert proc.signals == [signal.SIGTERM, signal.SIGKILL]
    assert reason.startswith("; it did not end within 60 s of SIGKILL (state ")
    assert "stuck in the host's kernel), so it was left running" in reason


def test_a_vm_that_keeps_printing_is_not_stopped_by_the_idle_bound():
    guest = "for i in 1 2 3 4 5 6; do echo step $i; sleep 1; done"
    watched = console_watch.watch(["sh", "-c", guest], idle=4, limit=120)
    assert watched.status == 0 and not watched.gave_up
    assert watched.text.endswith("step 6\n")


@pytest.mark.slow
def test_the_demo_under_qemu_leaves_the_terminal_alone():
    """QEMU's SeaBIOS writes ESC c, ESC [?7l and ESC [2J; make demo must not
    pass them on (they erase the earlier stages' output and turn wrap off)."""
    result = run(["make", "--no-print-directory", "-C", ROOT / "stage04-kvm-linux", "demo-tcg"],
                 timeout=1200)
    assert result.status == 0, result.err[-3000:]
    assert "staged-vms init: the command exited with status 0; rebooting" in result.out
    for escape in (b"\x1bc", b"\x1b[2J", b"\x1b[?7l", b"\x1b[H"):
        assert escape not in result.out_bytes, escape
