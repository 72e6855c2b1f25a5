"""Stage 4's monitor, kvm-linux.

On every host: the loader's work is checked byte for byte with --dry-run (which
loads into ordinary memory and never opens /dev/kvm), and every class of bad
kernel image gets exit status 2 and a message naming what is wrong.  With KVM:
the kit's kernel boots, as far as the host allows, and the test asserts only
what that host can show."""
import json
import os
import resource
import signal
import struct
import subprocess
import termios
import time

import pytest

import conftest
from conftest import ROOT, SANITIZER_REPORT, boot, kvm_module, program, run

STAGE = "stage04-kvm-linux"
ZERO_PAGE, CMDLINE, LOAD = 0x7000, 0x20000, 0x100000
MiB = 1 << 20


def kvm_linux(*args, **kwargs):
    return run([program(STAGE, "kvm-linux"), *args], **kwargs)


def bzimage(setup_sects=4, version=0x020f, boot_flag=0xaa55, magic=b"HdrS",
            loadflags=0x01, xloadflags=0x01, init_size=0x200000, cmdline_size=2047,
            initrd_addr_max=0x7fffffff, header_length=0x6a, payload=b"\x90" * 8192,
            relocatable=0, kernel_alignment=0x200000, pref_address=0x1000000, syssize=None):
    """A bzImage with a setup header as boot.rst lays it out, and garbage
    everywhere a loader must not copy from.  syssize, the protected-mode
    part in 16-byte paragraphs, is the payload's own unless given."""
    setup = bytearray(b"\xab" * (((setup_sects or 4) + 1) * 512))
    setup[0x1f1] = setup_sects
    struct.pack_into("<I", setup, 0x1f4, len(payload) // 16 if syssize is None else syssize)
    struct.pack_into("<H", setup, 0x1fe, boot_flag)
    setup[0x200:0x202] = bytes([0xeb, header_length])
    setup[0x202:0x206] = magic
    struct.pack_into("<H", setup, 0x206, version)
    setup[0x210] = 0x00
    setup[0x211] = loadflags
    struct.pack_into("<I", setup, 0x218, 0)
    struct.pack_into("<I", setup, 0x21c, 0)
    struct.pack_into("<I", setup, 0x228, 0)
    struct.pack_into("<I", setup, 0x22c, initrd_addr_max)
    struct.pack_into("<I", setup, 0x230, kernel_alignment)
    setup[0x234] = relocatable
    struct.pack_into("<Q", setup, 0x258, pref_address)
    struct.pack_into("<H", setup, 0x236, xloadflags)
    struct.pack_into("<I", setup, 0x238, cmdline_size)
    struct.pack_into("<I", setup, 0x260, init_size)
    return bytes(setup) + payload


def elf(segments, entry=0x1000000, machine=62, elf_class=2):
    """A 64-bit ELF executable: segments are (paddr, file bytes, memsz)."""
    header_size, ph_size = 64, 56
    offset = header_size + ph_size * len(segments)
    headers, data = b"", b""
    for paddr, content, memsz in segments:
        headers += struct.pack("<IIQQQQQQ", 1, 7, offset + len(data), paddr | (0xffffffff << 32),
                               paddr, len(content), memsz, 0x1000)
        data += content
    ident = b"\x7fELF" + bytes([elf_class, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, entry, header_size, 0, 0,
                                 header_size, ph_size, len(segments), 64, 0, 0)
    return header + headers + data


def expected_zero_page(image, mem, initrd_size, cmdline_length):
    """The zero page boot.rst asks for, built here independently of the C."""
    page = bytearray(4096)
    header_end = 0x202 + image[0x201]
    page[0x1f1:header_end] = image[0x1f1:header_end]
    page[0x210] = 0xff                                   # type_of_loader
    struct.pack_into("<I", page, 0x214, LOAD)            # code32_start
    struct.pack_into("<I", page, 0x228, CMDLINE)         # cmd_line_ptr
    if initrd_size:
        top = min(struct.unpack_from("<I", image, 0x22c)[0] + 1, mem)
        struct.pack_into("<II", page, 0x218, (top - initrd_size) & ~0xfff, initrd_size)
    e820 = [(0, 0x9fc00, 1), (0x9fc00, LOAD - 0x9fc00, 2), (LOAD, mem - LOAD, 1)]
    page[0x1e8] = len(e820)
    for i, (addr, size, kind) in enumerate(e820):
        struct.pack_into("<QQI", page, 0x2d0 + 20 * i, addr, size, kind)
    return bytes(page)


def dry_run(tmp_path, image, *args, initrd=None):
    kernel = tmp_path / "kernel"
    kernel.write_bytes(image)
    extra = []
    if initrd is not None:
        (tmp_path / "initrd").write_bytes(initrd)
        extra = ["--initrd", tmp_path / "initrd"]
    return kvm_linux("--kernel", kernel, *extra, "--dry-run", *args)


# --- the command line -------------------------------------------------------

def test_help_describes_the_options_and_exit_statuses():
    result = kvm_linux("--help")
    assert result.status == 0 and result.err == ""
    for option in ("--kernel", "--initrd", "--cmdline", "--mem", "--timeout", "--stats",
                   "--trace-exits", "Ctrl-A x", "exit status"):
        assert option in result.out


@pytest.mark.parametrize("args, message", [
    ([], "no kernel given"),
    (["--kernel", "k", "--mem", "16M"], "--mem 16M: guest memory must be from 32M to 3G"),
    (["--kernel", "k", "--mem", "4G"], "--mem 4G: guest memory must be from 32M to 3G"),
    (["--kernel", "k", "--mem", "lots"], "--mem needs a size such as 256M, not 'lots'"),
    (["--kernel", "k", "--timeout", "0"], "--timeout needs seconds"),
    (["--kernel", "k", "--dump-zero-page", "z"], "--dump-zero-page goes with --dry-run"),
    (["--kernel", "k", "--frobnicate"], "unexpected argument '--frobnicate'"),
])
def test_usage_mistakes_exit_2_with_a_message(args, message):
    result = kvm_linux(*args)
    assert result.status == 2
    assert message in result.err_lines[0], result.err


# --- the loader, byte for byte, without KVM -----------------------------------

def test_zero_page_holds_only_the_setup_header_and_what_the_loader_decided(tmp_path):
    image = bzimage()
    result = dry_run(tmp_path, image, "--mem", "64M", "--cmdline", "marker=1",
                     "--dump-zero-page", tmp_path / "zero", initrd=b"\x42" * 4097)
    assert result.status == 0, result.err
    cmdline = result.out.split("\n")[2].split(": ", 1)[1]
    assert cmdline.endswith(" marker=1") and cmdline.startswith("console=ttyS0 reboot=k panic=-1")
    assert (tmp_path / "zero").read_bytes() == expected_zero_page(image, 64 * MiB, 4097,
                                                                  len(cmdline))


def test_dry_run_prints_where_everything_went(tmp_path):
    result = dry_run(tmp_path, bzimage(init_size=0x300000), "--mem", "64M", initrd=b"x" * 10000)
    lines = result.out.split("\n")
    assert lines[0] == "kernel: bzImage, boot protocol 2.15"
    assert lines[1] == "0x00007000  zero page"
    assert lines[3] == "0x00100000  kernel, up to 0x00400000"      # init_size, not file size
    assert lines[4] == "0x03ffd000  initrd, 10000 bytes"           # as high as possible
    assert lines[5] == "entry: 0x100200 (64-bit)"


def test_initrd_stays_below_the_kernels_initrd_addr_max(tmp_path):
    result = dry_run(tmp_path, bzimage(initrd_addr_max=0x1ffffff), "--mem", "256M",
                     initrd=b"x" * 5000)
    assert "0x01ffe000  initrd, 5000 bytes" in result.out, result.out


def test_an_elf_vmlinux_is_loaded_where_its_program_headers_say(tmp_path):
    image = elf([(0x1000000, b"\xf4" * 100, 0x3000), (0x1200000, b"\x90" * 10, 10)])
    result = dry_run(tmp_path, image, "--dump-zero-page", tmp_path / "zero")
    assert result.status == 0, result.err
    assert result.out.split("\n")[0] == "kernel: ELF vmlinux"
    assert "0x01000000  kernel, up to 0x01201000" in result.out
    assert "entry: 0x1000000 (64-bit)" in result.out
    zero = (tmp_path / "zero").read_bytes()
    assert struct.unpack_from("<H", zero, 0x1fe)[0] == 0xaa55 and zero[0x202:0x206] == b"HdrS"
    assert zero[0x210] == 0xff and struct.unpack_from("<I", zero, 0x228)[0] == CMDLINE




# --- the chapter's exercises (graded; none needs KVM) -------------------------------

def lines_starting(text: str, *prefixes) -> list:
    return [line for line in text.split("\n") if line.startswith(prefixes)]


@pytest.mark.exercise("ex5.1", points=3, hints=[
    (r"got: +'e820: 0x[0-9a-f]+-0x[0-9a-f]*00 ", "the second address is the last byte of "
     "the range (addr + size - 1), not the first byte after it"),
    (r"got: +nothing more", "one line per entry of the table the loader wrote: its count at "
                          "0x1e8, its 20-byte entries at 0x2d0 of the zero page"),
])
def test_ex5_1_dry_run_prints_the_e820_map(tmp_path):
    result = dry_run(tmp_path, bzimage(), "--mem", "64M")
    assert lines_starting(result.out, "e820:") == ["e820: 0x00000000-0x0009fbff RAM",
                                                  "e820: 0x0009fc00-0x000fffff reserved",
                                                  "e820: 0x00100000-0x03ffffff RAM"], result.err


@pytest.mark.exercise("ex5.2", points=4, hints=[
    (r"expected: +'port 0x02f8", "COM2 is a 16550A at port 0x2f8 on IRQ 3: add it to the bus "
                                 "as COM1 is added, with its own name"),
])
def test_ex5_2_a_second_serial_port_answers_at_0x2f8(tmp_path):
    result = dry_run(tmp_path, bzimage())
    uarts = [line for line in lines_starting(result.out, "port ") if "uart" in line]
    assert uarts == ["port 0x03f8-0x03ff  uart COM1, IRQ 4",
                     "port 0x02f8-0x02ff  uart COM2, IRQ 3"], result.err


LOAD_HINTS = [
    (r"expected: +'[^']*0x00100000  kernel", "pref_address is used only when the kernel is "
     "relocatable, the address at least 1 MiB and aligned to kernel_alignment, and init_size "
     "fits below the end of memory; else 1 MiB"),
    (r"expected: +'[^']*0x01000000  kernel", "a relocatable kernel (byte 0x234) says where it "
     "wants to run in pref_address (0x258, 64 bits)"),
]


@pytest.mark.exercise("ex5.3", points=3, hints=LOAD_HINTS)
def test_ex5_3_a_relocatable_kernel_loads_at_its_preferred_address(tmp_path):
    image = bzimage(relocatable=1, pref_address=0x1000000, init_size=0x400000)
    result = dry_run(tmp_path, image, "--mem", "64M", "--dump-zero-page", tmp_path / "zero")
    assert lines_starting(result.out, "0x01000000  kernel", "0x00100000  kernel", "entry:") == [
        "0x01000000  kernel, up to 0x01400000", "entry: 0x1000200 (64-bit)"], result.err
    code32_start = struct.unpack_from("<I", (tmp_path / "zero").read_bytes(), 0x214)[0]
    assert code32_start == 0x1000000


@pytest.mark.exercise("ex5.3", points=2, hints=LOAD_HINTS)
def test_ex5_3_a_preferred_address_it_cannot_use_falls_back_to_1_mib(tmp_path):
    cases = {
        "usable": dict(relocatable=1, pref_address=0x1000000),
        "misaligned": dict(relocatable=1, pref_address=0x1000001),
        "below 1 MiB": dict(relocatable=1, pref_address=0x80000),
        "beyond memory": dict(relocatable=1, pref_address=0x40000000),
        "no room for init_size": dict(relocatable=1, pref_address=0x3e00000, init_size=0x400000),
        "not relocatable": dict(relocatable=0, pref_address=0x1000000),
        "protocol 2.09": dict(relocatable=1, pref_address=0x1000000, version=0x0209),
    }
    loaded = []
    for case, fields in cases.items():
        out = dry_run(tmp_path, bzimage(**fields), "--mem", "64M").out
        loaded += [f"{case}: {line.split(',')[0]}" for line in lines_starting(out, "0x") if "kernel" in line]
    # (the usable address too: a loader that never moves the kernel earns nothing here)
    assert loaded == ["usable: 0x01000000  kernel"] + [f"{case}: 0x00100000  kernel"
                                                      for case in cases if case != "usable"]


# --- hostile kernel images: each refused with exit 2 and its reason ----------------

ELF_SEGMENT = [(0x1000000, b"\xf4" * 16, 16)]
HOSTILE = {
    "empty": (b"", [], "0 bytes is too short"),
    "text": (b"hello, I am not a kernel\n" * 40, [], "no boot sector signature 0xaa55"),
    "wrong-magic": (bzimage(magic=b"HdrX"), [], 'no "HdrS" magic at offset 0x202'),
    "old-protocol": (bzimage(version=0x0205), [], "boot protocol 2.05 is too old"),
    "setup-beyond-file": (bzimage(setup_sects=60, payload=b"")[:4096], [],
                          "the boot sector and 60 setup sectors (31232 bytes) reach past the end"),
    "header-length": (bzimage(header_length=0x10), [], "the setup header's length byte"),
    "zimage": (bzimage(loadflags=0), [], "a zImage"),
    "32-bit": (bzimage(xloadflags=0), [], "no 64-bit entry point"),
    "kernel-too-big": (bzimage(init_size=64 * MiB), ["--mem", "32M"],
                       "needs 65536 KiB from 1 MiB up (init_size), more than the 32 MiB"),
    "cmdline-too-long": (bzimage(cmdline_size=10), [], "this kernel takes at most 10"),
    "elf-32-bit": (elf(ELF_SEGMENT, elf_class=1), [], "not a 64-bit x86 one"),
    "elf-arm": (elf(ELF_SEGMENT, machine=183), [], "not a 64-bit x86 one"),
    "elf-truncated": (elf(ELF_SEGMENT)[:100], [], "program headers (offset 64, 1 entries)"),
    "elf-beyond-memory": (elf([(0x1000000, b"x", 200 * MiB)]), ["--mem", "64M"],
                          "an ELF segment wants [0x1000000"),
    "elf-low-memory": (elf([(0x7000, b"x", 16)], entry=0x7000), [],
                       "an ELF segment wants [0x7000"),
    "elf-entry-outside": (elf(ELF_SEGMENT, entry=0x5000000), [], "entry point 0x5000000"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_kernel_images_exit_2_naming_the_problem(tmp_path, name):
    image, args, message = HOSTILE[name]
    result = dry_run(tmp_path, image, *args)
    assert result.status == 2, result.out + result.err
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(f"kvm-linux: error: {tmp_path / 'kernel'}: ")
    assert message in result.err, result.err


# Every field of the setup header (boot.rst's offsets), as far as protocol 2.15.
SETUP_HEADER_FIELDS = [0x1f1, 0x1f2, 0x1f4, 0x1f8, 0x1fa, 0x1fc, 0x1fe, 0x200, 0x202, 0x206,
                       0x208, 0x20c, 0x20e, 0x210, 0x211, 0x212, 0x214, 0x218, 0x21c, 0x220,
                       0x224, 0x226, 0x227, 0x228, 0x22c, 0x230, 0x234, 0x235, 0x236, 0x238,
                       0x23c, 0x240, 0x248, 0x24c, 0x250, 0x258, 0x260, 0x264, 0x268, 0x26c]
WHOLE = bzimage()
SETUP_END = 5 * 512
CUTS = sorted({cut for field in SETUP_HEADER_FIELDS for cut in (field, field + 1)} |
              {0, 1, 0x1f0, SETUP_END - 1, SETUP_END, SETUP_END + 1, SETUP_END + 0x200,
               SETUP_END + 0x202, len(WHOLE) // 3, len(WHOLE) // 2, len(WHOLE) - 16,
               len(WHOLE) - 1})


@pytest.mark.parametrize("cut", CUTS, ids=hex)
def test_a_bzimage_cut_anywhere_is_refused_naming_the_sizes(tmp_path, cut):
    result = dry_run(tmp_path, WHOLE[:cut])
    assert result.status == 2 and result.out == "", result.err
    assert len(result.err_lines) == 1, result.err
    assert f"{cut} bytes" in result.err or f"{cut}-byte file" in result.err, result.err
    if cut > SETUP_END:
        assert (f"the setup header says the protected-mode kernel is {len(WHOLE) - SETUP_END} "
                f"bytes (syssize 0x200 paragraphs), but the {cut}-byte file holds "
                f"{cut - SETUP_END} after its {SETUP_END} bytes of setup: a truncated bzImage"
                in result.err), result.err


def test_a_bzimage_longer_than_its_syssize_loads(tmp_path):
    """Bytes after the protected-mode part (a signature, say) are no harm."""
    result = dry_run(tmp_path, WHOLE + b"\0" * 1000)
    assert result.status == 0, result.err


def test_a_bzimage_with_no_protected_mode_part_is_refused(tmp_path):
    result = dry_run(tmp_path, bzimage(syssize=0))
    assert result.status == 2 and "syssize 0x0 paragraphs" in result.err, result.err


def test_an_initrd_larger_than_the_space_left_is_refused(tmp_path):
    result = dry_run(tmp_path, bzimage(), "--mem", "32M", initrd=b"\0" * (31 * MiB))
    assert result.status == 2
    assert "the initrd is 32505856 bytes" in result.err and "raise --mem" in result.err


# A child's peak RSS counts what it inherited before exec (and with vfork,
# the whole parent's), so a small launcher, not pytest, starts the monitor.
RSS_LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_rss_kib(cmd):
    """Runs cmd; returns (status, stderr, its peak RSS in KiB, at least the launcher's)."""
    result = run(["/usr/bin/python3", "-S", "-c", RSS_LAUNCHER, *cmd])
    status, rss = map(int, result.out.split())
    return status, result.err, rss


def sparse(path, size, head=b""):
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


# Files far larger than guest memory: refused from their size and headers,
# never read whole (sparse, so they cost the test no disk).
OVERSIZED = {
    "initrd-2g": (lambda d: ["--kernel", sparse(d / "k", len(WHOLE), WHOLE),
                             "--initrd", sparse(d / "i", 2 << 30)],
                  "the initrd is 2147483648 bytes, more than the 127 MiB of guest memory"),
    "initrd-just-too-big": (lambda d: ["--kernel", sparse(d / "k", len(WHOLE), WHOLE),
                                       "--initrd", sparse(d / "i", 126 * MiB)],
                            "the initrd is 132120576 bytes; 131072000 fit"),
    "initrd-over-limit": (lambda d: ["--kernel", sparse(d / "k", len(WHOLE), WHOLE),
                                     "--initrd", sparse(d / "i", 5 << 30)],
                          "file is 5368709120 bytes, more than the 3221225472 allowed"),
    "zeros-kernel-2g": (lambda d: ["--kernel", sparse(d / "k", 2 << 30)],
                        "no boot sector signature"),
    "bzimage-2g": (lambda d: ["--kernel", sparse(d / "k", 2 << 30, WHOLE)],
                   "the kernel needs 2097152 KiB from 1 MiB up"),
    "elf-2g": (lambda d: ["--kernel", sparse(d / "k", 2 << 30,
                                             elf([(0x1000000, b"x", 200 * MiB)]))],
               "an ELF segment wants [0x1000000"),
}


@pytest.mark.parametrize("name", OVERSIZED)
def test_inputs_larger_than_guest_memory_are_refused_without_being_read(tmp_path, name):
    make_args, message = OVERSIZED[name]
    status, err, rss = peak_rss_kib([program(STAGE, "kvm-linux"), *make_args(tmp_path),
                                     "--dry-run"])
    assert status == 2 and message in err, err
    assert rss < 16 * 1024, f"peak RSS {rss} KiB for a refused input"


@pytest.mark.parametrize("which", ["--kernel", "--initrd"])
@pytest.mark.parametrize("kind, message", [("dir", "a directory, not a regular file"),
                                           ("fifo", "a FIFO (named pipe), not a regular file"),
                                           ("zero", "a character device, not a regular file")])
def test_inputs_that_are_not_regular_files_are_refused_at_once(tmp_path, which, kind, message):
    path = {"dir": tmp_path, "fifo": tmp_path / "fifo", "zero": "/dev/zero"}[kind]
    if kind == "fifo":
        os.mkfifo(path)                  # no writer: opening it must not wait for one
    args = ["--kernel", sparse(tmp_path / "k", len(WHOLE), WHOLE)] if which == "--initrd" else []
    result = kvm_linux(*args, which, path, "--dry-run", timeout=20)
    assert result.status == 2
    assert result.err_lines == [f"kvm-linux: error: {path}: {message}"]


def test_an_empty_initrd_is_refused(tmp_path):
    result = dry_run(tmp_path, bzimage(), initrd=b"")
    assert result.status == 2 and "the initrd is empty" in result.err, result.err


def test_a_missing_kvm_device_is_bad_input_after_the_image_is_checked(tmp_path):
    (tmp_path / "kernel").write_bytes(bzimage())
    result = kvm_linux("--kernel", tmp_path / "kernel", "--kvm-device", tmp_path / "nokvm")
    assert result.status == 2
    assert result.err_lines[0].startswith(f"kvm-linux: error: {tmp_path / 'nokvm'}: ")


# --- the kit's own kernel -------------------------------------------------------

def test_the_kits_bzimage_and_vmlinux_load(kernel_paths):
    bz = kvm_linux("--kernel", kernel_paths["BZIMAGE"], "--initrd", kernel_paths["INITRAMFS"],
                   "--dry-run")
    assert bz.status == 0, bz.err
    assert bz.out.startswith("kernel: bzImage, boot protocol 2.15\n")
    assert "entry: 0x100200 (64-bit)" in bz.out
    vmlinux = kvm_linux("--kernel", kernel_paths["VMLINUX"], "--initrd",
                        kernel_paths["INITRAMFS"], "--dry-run")
    assert vmlinux.status == 0, vmlinux.err
    assert "0x01000000  kernel" in vmlinux.out and "entry: 0x1000000 (64-bit)" in vmlinux.out


MARKER = "staged_vms_marker=42"


def test_the_kits_kernel_boots_as_far_as_this_host_allows(kernel_paths, kvm):
    """On kvm_pvm the kernel reaches Run /init and no further; on hardware KVM
    it goes on to init, runs a command and reboots."""
    # as long as the console moves: on a busy kvm_pvm host a boot takes minutes
    result = boot([program("stage04-kvm-linux", "kvm-linux"), "--kernel", kernel_paths["VMLINUX"],
                   "--initrd", kernel_paths["INITRAMFS"], "--cmdline",
                   f'{MARKER} run="echo hello from init"', "--timeout", "1800", "--stats"],
                  host="kvm")
    stats = result.stats()
    assert "Linux version 6.1" in result.out, result.err
    command_line = next(line for line in result.out.split("\n") if "Command line:" in line)
    assert MARKER in command_line
    assert "Run /init as init process" in result.out
    assert stats["run_init_ms"] is not None and stats["kernel_first_output_ms"] is not None
    if kvm_module() == "kvm_pvm":
        assert result.status == 1
        assert "userspace cannot run on this host" in result.err
        assert stats["boot_to_init_ms"] is None
    else:
        assert result.status == 0, result.err
        # the guest's tty turns each newline on its serial console into CR LF
        console = result.out.replace("\r\n", "\n")
        assert "staged-vms init: Linux 6.1" in console and "hello from init\n" in console
        assert stats["end"] == "reboot" and stats["boot_to_init_ms"] is not None


# --- the exit handler and the board fed made-up exits: no KVM needed --------------

EXIT_TRANSCRIPT = "\n".join([
    'Hi',
    'COM1 outsb: running',
    'COM1 LSR: running',
    '  read: 60',
    'COM1 IIR: running',
    '  read: 01',
    'COM1 RBR, nothing received: running',
    '  read: 00',
    'COM1 LCR DLAB on: running',
    'COM1 DLL: running',
    'COM1 DLL back: running',
    '  read: 0c',
    'COM1 LCR 8n1: running',
    'COM1 SCR: running',
    'COM1 SCR back, 2 bytes: running',
    '  read: 5a 00',
    'COM2 THR: running',
    'i8042 status: running',
    '  read: 14',
    'i8042 self-test: running',
    'i8042 status, answer waiting: running',
    '  read: 15',
    'i8042 data: running',
    '  read: 55',
    'nothing at 0x80: running',
    '  read: ff',
    'nothing at 0x80, insl x2: running',
    '  read: ff ff ff ff ff ff ff ff',
    'boot timer: running',
    'unhandled 0x80: 3, init seen: yes',
    'data past the page: error: port 0x3f8: I/O data outside the kvm_run page',
    'data across the end: error: port 0x3f8: I/O data outside the kvm_run page',
    'offset near 2^64: error: port 0x3f8: I/O data outside the kvm_run page',
    'count of 2^32-1: error: port 0x3f8: I/O data outside the kvm_run page',
    'mmio read: running',
    '  data: ff ff ff ff 00 00 00 00',
    'mmio write: running',
    '  data: 01 02 03 04 05 06 07 08',
    'mmio length 200: running',
    '  data: 00 00 00 00 00 00 00 00',
    'unhandled mmio: 3',
    'intr: running',
    "hlt (KVM's own with an irqchip): error: unexpected exit reason 5 (hlt)",
    'shutdown: triple fault',
    'system event reset: reboot',
    'system event crash: panic',
    'fail entry: error: the CPU refused to enter the guest: hardware entry failure reason 0x21',
    'internal error, ndata 2^32-1: error: KVM internal error, suberror 1 (the instruction could not be emulated); data: cc 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
    'reason 63: error: unexpected exit reason 63 (no name)',
    'reason 2^32-1: error: unexpected exit reason 4294967295 (no name)',
    'i8042 write output port: running',
    'i8042 reset pulse: reboot',
    'Kernel panic - not syncing: test!',
    'console: a panic line: running',
    'i8042 reset pulse after it: panic',
    'panic line: Kernel panic - not syncing: test!',
    "bus_add over COM1's last port: two devices claim the same port",
    'bus_add over COM2: two devices claim the same port',
    "bus_add no ports: a device's ports are empty or run past 0xffff",
    "bus_add past 0xffff: a device's ports are empty or run past 0xffff",
    'bus_add at 0xffff: no error',
    'bus_add a seventh: no error',
    'bus_add an eighth: no error',
    'bus_add a ninth: the device table is full',
    'bus_add over the eighth, when full: two devices claim the same port',
    "",
])


def test_the_exit_handler_and_the_board_on_made_up_exits():
    """Port I/O to each device (the UART's registers, COM2, the i8042, the boot
    timer, nothing), MMIO, every exit reason the board ends on (reset, panic,
    triple fault, KVM's system events) and hostile ones (data outside the
    kvm_run page, a count of 2^32-1, an MMIO length past its 8 bytes, ndata
    past the array, unknown reasons), then bus_add's refusals: an overlap is
    an overlap, a full table is full."""
    result = run([program(STAGE, "test-exits")])
    if conftest.stubs_seen & {"ex5.2"}:
        pytest.skip("exercise 5.2 is not done: its own test grades it")
    assert (result.status, result.out, result.err) == (0, EXIT_TRANSCRIPT, "E")


# --- hostile guests: a few bytes of machine code as the "kernel" ------------------

SPIN = b"\xeb\xfe"                                   # jmp .
UD2 = b"\x0f\x0b"                                    # an exception with no IDT
EVERY_PORT = (b"\x31\xc9"                            # xor ecx, ecx
              b"\x89\xca\xee"                        # loop: mov edx, ecx; out dx, al
              b"\xff\xc1\x81\xf9\x00\x00\x01\x00"    # inc ecx; cmp ecx, 0x10000
              b"\x75\xf3"                            # jne loop
              b"\xb0\xfe\xe6\x64\xeb\xfe")           # mov al, 0xfe; out 0x64, al; jmp .


def hostile_guest(tmp_path, code, *args):
    (tmp_path / "guest").write_bytes(elf([(0x1000000, code, 0x1000)]))
    return kvm_linux("--kernel", tmp_path / "guest", "--stats", *args, timeout=60)


def test_a_guest_that_never_stops_ends_at_the_timeout(tmp_path, kvm):
    result = hostile_guest(tmp_path, SPIN, "--timeout", "1")
    assert result.status == 1
    assert "the VM did not end within 1 seconds (--timeout)" in result.err
    assert result.stats()["end"] == "timeout"


@pytest.mark.parametrize("seconds", ["1e-7", "0.000001", "4.9e-324", "0.0000015"])
def test_a_tiny_timeout_still_stops_a_spinning_guest(tmp_path, kvm, seconds):
    result = hostile_guest(tmp_path, SPIN, "--timeout", seconds)
    assert result.status == 1
    assert "the VM did not end within" in result.err and result.stats()["end"] == "timeout"


@pytest.mark.parametrize("seconds", ["0", "-1", "-0", "0.0", "nan", "inf", "-inf", "1e400",
                                     "1000001", "9e18", " 5", "5 ", "5x", "1s", "", "0x10",
                                     "abc", "1e-400", "."])
def test_timeouts_out_of_range_or_not_numbers_are_refused(tmp_path, seconds):
    result = kvm_linux("--kernel", tmp_path / "none", "--timeout", seconds)
    assert result.status == 2
    assert result.err_lines[0] == ("kvm-linux: error: --timeout needs seconds, more than 0 "
                                   f"and at most 1000000, not '{seconds}'")


def test_a_triple_fault_ends_the_vm_with_status_1(tmp_path, kvm):
    result = hostile_guest(tmp_path, UD2, "--timeout", "20")
    assert result.status == 1, result.err
    assert "the guest triple-faulted" in result.err
    assert result.stats()["end"] == "triple_fault"


def test_writes_to_every_port_are_counted_and_the_reset_ends_the_vm(tmp_path, kvm):
    result = hostile_guest(tmp_path, EVERY_PORT, "--timeout", "60")
    stats = result.stats()
    assert (result.status, stats["end"]) == (0, "reboot"), result.err
    assert stats["unhandled_ports"]["0x70"] == 1 and stats["unhandled_ports"]["0xffff"] == 1
    assert "0x3f8" not in stats["unhandled_ports"] and "0x64" not in stats["unhandled_ports"]
    assert stats["boot_to_init_ms"] is not None          # it wrote the boot-timer port too


# --- the terminal: left as it was found, however the monitor ends ------------------
# The monitor runs with stdin on a real pseudo-terminal, so it enters raw mode;
# each test compares the terminal's settings after the end with those before.

MOV_DX_COM1_AL_X = b"\x66\xba\xf8\x03\xb0\x78"         # mov dx, 0x3f8; mov al, 'x'
PRINT_FOREVER = MOV_DX_COM1_AL_X + b"\xee\xeb\xfd"     # loop: out dx, al; jmp loop
PRINT_THEN_HALT = MOV_DX_COM1_AL_X + b"\xee\xfa\xf4\xeb\xfd"   # out; cli; loop: hlt; jmp loop
PRINT_THEN_RESET = MOV_DX_COM1_AL_X + b"\xee\xb0\xfe\xe6\x64\xeb\xfe"  # out; reset via i8042


def on_a_terminal(tmp_path, code, *args, stdout=subprocess.PIPE, preexec_fn=None, act=None):
    """Runs a guest with stdin on a pty; act(proc, master) runs once the
    guest has printed (the terminal is raw by then).  Returns (returncode,
    stderr, whether raw mode was seen, settings before, settings after)."""
    (tmp_path / "guest").write_bytes(elf([(0x1000000, code, 0x1000)]))
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen([str(program(STAGE, "kvm-linux")), "--kernel", str(tmp_path / "guest"),
                             *args], stdin=slave, stdout=stdout, stderr=subprocess.PIPE,
                            preexec_fn=preexec_fn)
    raw_seen = None
    try:
        if act:
            assert proc.stdout.read(1) == b"x"
            raw_seen = termios.tcgetattr(slave) != before
            act(proc, master)
        err = proc.communicate(timeout=30)[1].decode(errors="replace")
        after = termios.tcgetattr(slave)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
        os.close(slave)
    assert not SANITIZER_REPORT.search(err), err
    return proc.returncode, err, raw_seen, before, after


def read_then_close(count):
    def act(proc, master):
        proc.stdout.read(count)
        proc.stdout.close()            # the reader goes away; the guest goes on printing
    return act


def test_a_console_reader_that_goes_away_ends_the_vm_and_restores_the_terminal(tmp_path, kvm):
    status, err, raw_seen, before, after = on_a_terminal(tmp_path, PRINT_FOREVER, "--timeout", "20",
                                                         act=read_then_close(100))
    assert raw_seen and after == before
    assert status == 2, err
    assert "kvm-linux: error: the console's reader went away (stdout: Broken pipe)" in err


def test_a_console_reader_that_goes_away_without_a_terminal_ends_the_vm(tmp_path, kvm):
    (tmp_path / "guest").write_bytes(elf([(0x1000000, PRINT_FOREVER, 0x1000)]))
    proc = subprocess.Popen([str(program(STAGE, "kvm-linux")), "--kernel", str(tmp_path / "guest"),
                             "--timeout", "20", "--stats"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    read_then_close(100)(proc, None)
    err = proc.communicate(timeout=30)[1].decode()
    assert proc.returncode == 2 and "the console's reader went away" in err, err
    assert json.loads(err.strip().split("\n")[-1])["end"] == "console_lost"


def test_a_file_size_limit_kills_with_sigxfsz_and_restores_the_terminal(tmp_path, kvm):
    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    with open(tmp_path / "console.out", "wb") as out:
        status, err, _, before, after = on_a_terminal(tmp_path, PRINT_FOREVER, "--timeout", "20",
                                                      stdout=out, preexec_fn=limit_file_size)
    assert status == -signal.SIGXFSZ, err
    assert after == before
    assert (tmp_path / "console.out").read_bytes() == b"x" * 4096


@pytest.mark.parametrize("signo", [signal.SIGUSR2, signal.SIGTERM, signal.SIGHUP, signal.SIGINT,
                                   signal.SIGQUIT, signal.SIGRTMIN + 3], ids=str)
def test_a_fatal_signal_restores_the_terminal_and_still_kills(tmp_path, kvm, signo):
    # the monitor starts with the signal's default action, whatever the test
    # runner's is (a shell, or make check-nested's init, may ignore SIGQUIT)
    status, err, raw_seen, before, after = on_a_terminal(
        tmp_path, PRINT_THEN_HALT, "--timeout", "20",
        preexec_fn=lambda: signal.signal(signo, signal.SIG_DFL),
        act=lambda proc, master: proc.send_signal(signo))
    assert raw_seen and after == before
    assert status == -signo, err


def test_a_signal_the_monitor_was_started_ignoring_stays_ignored(tmp_path, kvm):
    """nohup's promise: a SIGHUP ignored at the start neither ends the VM nor
    leaves the terminal cooked under a running guest."""
    def hang_up_then_escape(proc, master):
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        os.write(master, b"\x01x")
    status, err, raw_seen, before, after = on_a_terminal(
        tmp_path, PRINT_THEN_HALT, "--timeout", "20",
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN), act=hang_up_then_escape)
    assert raw_seen and after == before
    assert status == 0 and "ended by Ctrl-A x" in err, err


def test_ctrl_a_x_ends_the_vm_and_restores_the_terminal(tmp_path, kvm):
    status, err, raw_seen, before, after = on_a_terminal(
        tmp_path, PRINT_THEN_HALT, "--timeout", "20",
        act=lambda proc, master: os.write(master, b"\x01x"))
    assert raw_seen and after == before
    assert status == 0 and "ended by Ctrl-A x" in err, err


def test_a_guest_that_resets_leaves_the_terminal_as_it_was(tmp_path, kvm):
    status, err, _, before, after = on_a_terminal(tmp_path, PRINT_THEN_RESET, "--timeout", "20")
    assert status == 0, err
    assert after == before


def test_a_timeout_on_a_terminal_leaves_it_as_it_was(tmp_path, kvm):
    status, err, _, before, after = on_a_terminal(tmp_path, PRINT_THEN_HALT, "--timeout", "0.5")
    assert status == 1 and "did not end within 0.5 seconds" in err, err
    assert after == before


# --- a bzImage that prints nothing for long: the monitor says why -------------------

HALT = b"\xfa\xf4\xeb\xfd"                              # cli; loop: hlt; jmp loop


def bzimage_running(code):
    """A synthetic bzImage whose 64-bit entry (payload + 0x200) runs code."""
    payload = b"\x90" * 0x200 + code
    return bzimage(payload=payload + b"\0" * (-len(payload) % 16))


def test_a_silent_bzimage_gets_one_note_naming_the_vmlinux(tmp_path, kvm):
    (tmp_path / "bzImage").write_bytes(bzimage_running(HALT))
    (tmp_path / "vmlinux").write_bytes(b"beside the bzImage, as in the kit's kernel cache")
    result = kvm_linux("--kernel", tmp_path / "bzImage", "--notice-after", "0.5",
                       "--timeout", "2", "--stats")
    assert (result.status, result.out) == (1, "")
    notes = [line for line in result.err_lines if line.startswith("kvm-linux: note: ")]
    assert notes == ["kvm-linux: note: the guest has printed nothing for 0.5 s; a bzImage first "
                     "decompresses itself, which under a software KVM "
                     + ("(this host's is kvm_pvm)" if kvm_module() == "kvm_pvm" else
                        "(such as kvm_pvm)")
                     + " runs under instruction emulation and can take over ten minutes: boot "
                     f"the ELF vmlinux instead, which starts at once (--kernel {tmp_path}/vmlinux)"]
    assert "the VM did not end within 2 seconds" in result.err
    assert result.stats()["end"] == "timeout"


@pytest.mark.parametrize("kernel", ["bzimage-that-prints", "vmlinux"])
def test_no_note_for_a_guest_that_prints_or_a_vmlinux(tmp_path, kvm, kernel):
    image = (bzimage_running(PRINT_THEN_HALT) if kernel == "bzimage-that-prints" else
             elf([(0x1000000, HALT, 0x1000)]))
    (tmp_path / "kernel").write_bytes(image)
    result = kvm_linux("--kernel", tmp_path / "kernel", "--notice-after", "0.3", "--timeout", "1.5")
    assert result.status == 1
    assert "note:" not in result.err, result.err


@pytest.mark.parametrize("seconds", ["0", "-2", "inf", "soon"])
def test_notice_after_takes_seconds_like_the_timeout(tmp_path, seconds):
    result = kvm_linux("--kernel", tmp_path / "none", "--notice-after", seconds)
    assert result.status == 2
    assert result.err_lines[0] == ("kvm-linux: error: --notice-after needs seconds, more than 0 "
                                   f"and at most 1000000, not '{seconds}'")
