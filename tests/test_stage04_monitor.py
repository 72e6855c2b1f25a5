"""Stage 4's monitor, kvm-linux.

On every host: the loader's work is checked byte for byte with --dry-run (which
loads into ordinary memory and never opens /dev/kvm), and every class of bad
kernel image gets exit status 2 and a message naming what is wrong.  With KVM:
the kit's kernel boots, as far as the host allows, and the test asserts only
what that host can show."""
import struct

import pytest

from conftest import ROOT, boot, kvm_module, program, run

STAGE = "stage04-kvm-linux"
ZERO_PAGE, CMDLINE, LOAD = 0x7000, 0x20000, 0x100000
MiB = 1 << 20


def kvm_linux(*args, **kwargs):
    return run([program(STAGE, "kvm-linux"), *args], **kwargs)


def bzimage(setup_sects=4, version=0x020f, boot_flag=0xaa55, magic=b"HdrS",
            loadflags=0x01, xloadflags=0x01, init_size=0x200000, cmdline_size=2047,
            initrd_addr_max=0x7fffffff, header_length=0x6a, payload=b"\x90" * 8192,
            relocatable=0, kernel_alignment=0x200000, pref_address=0x1000000):
    """A bzImage with a setup header as boot.rst lays it out, and garbage
    everywhere a loader must not copy from."""
    setup = bytearray(b"\xab" * (((setup_sects or 4) + 1) * 512))
    setup[0x1f1] = setup_sects
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


def test_a_bad_preferred_address_falls_back_to_1_mib(tmp_path):
    for pref in (0x1000001, 0x80000, 0x40000000):      # misaligned, too low, beyond memory
        result = dry_run(tmp_path, bzimage(relocatable=1, pref_address=pref))
        assert "0x00100000  kernel" in result.out, (hex(pref), result.out)


# --- the chapter's exercises (graded; none needs KVM) -------------------------------

@pytest.mark.exercise("ex5.1", points=3)
def test_ex5_1_dry_run_prints_the_e820_map(tmp_path):
    result = dry_run(tmp_path, bzimage(), "--mem", "64M")
    e820 = [line for line in result.out.split("\n") if line.startswith("e820:")]
    assert e820 == ["e820: 0x00000000-0x0009fbff RAM",
                    "e820: 0x0009fc00-0x000fffff reserved",
                    "e820: 0x00100000-0x03ffffff RAM"], result.out


@pytest.mark.exercise("ex5.2", points=4)
def test_ex5_2_a_second_serial_port_answers_at_0x2f8(tmp_path):
    result = dry_run(tmp_path, bzimage())
    ports = [line for line in result.out.split("\n") if line.startswith("port ")]
    assert "port 0x02f8-0x02ff  uart COM2, IRQ 3" in ports, result.out
    assert "port 0x03f8-0x03ff  uart COM1, IRQ 4" in ports


@pytest.mark.exercise("ex5.3", points=5)
def test_ex5_3_a_relocatable_kernel_loads_at_its_preferred_address(tmp_path):
    image = bzimage(relocatable=1, pref_address=0x1000000, init_size=0x400000)
    result = dry_run(tmp_path, image, "--mem", "64M", "--dump-zero-page", tmp_path / "zero")
    assert "0x01000000  kernel, up to 0x01400000" in result.out, result.out
    assert "entry: 0x1000200 (64-bit)" in result.out
    assert struct.unpack_from("<I", (tmp_path / "zero").read_bytes(), 0x214)[0] == 0x1000000


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


def test_an_initrd_larger_than_the_space_left_is_refused(tmp_path):
    result = dry_run(tmp_path, bzimage(), "--mem", "32M", initrd=b"\0" * (31 * MiB))
    assert result.status == 2
    assert "the initrd is 32505856 bytes" in result.err and "raise --mem" in result.err


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
