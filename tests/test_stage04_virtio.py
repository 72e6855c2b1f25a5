"""Stage 4's virtio devices: first on plain memory (the transport, the
virtqueue, the block device and the network device, driven by
stage04-kvm-linux/unit/test_virtio.c as a made-up, at times hostile, driver
would), then the monitor's --disk and --net options, then the kit's kernel
booted with a disk and with a network."""
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import boot, kvm_module, program, run
from test_stage04_monitor import elf

# Every test the C program holds: a test that silently stopped running
# would otherwise pass unseen.
TESTS = [
    "the_registers_identify_a_modern_block_device",
    "a_read_split_over_two_buffers_returns_the_image",
    "a_write_whose_header_is_split_reaches_the_image",
    "flush_and_an_unknown_type_answer",
    "requests_past_the_end_or_not_whole_sectors_fail_with_ioerr",
    "hostile_chains_are_answered_with_nothing_and_the_queue_goes_on",
    "a_chain_of_more_than_4_gib_is_refused",
    "a_broken_ring_stops_the_queue_until_a_reset",
    "a_request_without_a_status_byte_is_not_answered",
    "features_the_device_did_not_offer_leave_features_ok_clear",
    "a_queue_with_a_bad_layout_never_becomes_ready",
    "notifications_before_driver_ok_do_nothing",
    "an_eventfd_signal_serves_the_queue_and_stop_ends_its_thread",
    "a_read_only_disk_refuses_writes",
    "the_net_device_says_its_mac_and_two_queues",
    "a_packet_sent_by_the_guest_reaches_the_tap_whole",
    "a_received_packet_waits_for_a_buffer_and_fills_it",
    "a_receive_chain_with_no_writable_buffer_goes_back_empty",
    "a_missing_tap_is_an_error_naming_the_fix",
    "the_rng_device_says_its_id_and_offers_nothing_more",
]


def test_every_virtio_unit_test_passes():
    result = run([program("stage04-kvm-linux", "test-virtio")], timeout=120)
    failed = re.findall(r"^FAIL - .*$", result.out, re.M)
    assert not failed and result.status == 0, "\n".join(failed) + result.err
    assert re.findall(r"^ok - (\w+)$", result.out, re.M) == TESTS


# --- the chapter's exercises 5.5 to 5.7 (graded; none needs KVM) -----------

def unit_test_passes(name):
    """Runs one of test-virtio's tests by name, which must say it passed."""
    result = run([program("stage04-kvm-linux", "test-virtio"), name], timeout=60)
    assert result.out + result.err == f"ok - {name}\n"


GET_ID_HINTS = [
    (r"bytes: used length \d+ .*status", "the id takes as many bytes as fit in the buffer, at "
     "most 20, and the used length counts them and the status byte, no more"),
    (r"byte \d+ was written", "write only the id's bytes: a shorter buffer gets only what fits, "
     "and nothing goes past the id"),
    (r"not its first 20 bytes", "a name of 20 bytes or more fills the id with its first 20 "
     "bytes and has no terminating 0"),
]


@pytest.mark.exercise("ex5.5", points=2, hints=GET_ID_HINTS)
def test_ex5_5_get_id_answers_the_images_name_in_what_fits():
    unit_test_passes("get_id_answers_the_images_name_in_what_fits")


@pytest.mark.exercise("ex5.5", points=1, hints=GET_ID_HINTS)
def test_ex5_5_get_id_of_a_long_name_is_its_first_20_bytes():
    unit_test_passes("get_id_of_a_long_name_is_its_first_20_bytes")


DISCARD_HINTS = [
    (r"written with zeros, not freed", "discarding means giving the blocks back to the file "
     "system: fallocate() with FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, not a write of "
     "zeros"),
    (r"failed freed its first range", "check every range before freeing any: a request that "
     "fails must leave the disk as it was"),
    (r"unmap flag", "the unmap flag belongs to write-zeroes: a discard that carries it is "
     "answered UNSUPP (2)"),
    (r"max_discard_seg|max_discard_sectors|multiple of 16", "the configuration space "
     "promises limits (VIRTIO_BLK_MAX_DISCARD_SEG ranges, VIRTIO_BLK_MAX_DISCARD_SECTORS a "
     "range) and a range is 16 bytes: a request outside them is IOERR (1)"),
]


@pytest.mark.exercise("ex5.6", points=2, hints=DISCARD_HINTS)
def test_ex5_6_a_discard_frees_its_ranges_and_they_read_as_zeros():
    unit_test_passes("a_discard_frees_its_ranges_and_they_read_as_zeros")


@pytest.mark.exercise("ex5.6", points=2, hints=DISCARD_HINTS)
def test_ex5_6_a_discard_that_cannot_be_done_changes_nothing():
    unit_test_passes("a_discard_that_cannot_be_done_changes_nothing")


@pytest.mark.exercise("ex5.6", points=1, hints=DISCARD_HINTS)
def test_ex5_6_a_read_only_disk_refuses_discards():
    unit_test_passes("a_read_only_disk_refuses_discards")


RNG_HINTS = [
    (r"readable buffer was written", "the readable buffers are the driver's: fill only the "
     "writable ones (chain->buf[chain->readable] onwards)"),
    (r"used length \d+, not 240", "the used length is every byte written into the chain: the "
     "writable buffers' lengths added up"),
    (r"left as it was", "fill every writable buffer of the chain, not only the first"),
]


@pytest.mark.exercise("ex5.7", points=2, hints=RNG_HINTS)
def test_ex5_7_the_rng_fills_every_writable_buffer_and_nothing_else():
    unit_test_passes("the_rng_fills_every_writable_buffer_and_nothing_else")


@pytest.mark.exercise("ex5.7", points=1, hints=RNG_HINTS)
def test_ex5_7_the_rng_never_repeats_itself():
    unit_test_passes("the_rng_never_repeats_itself")


# --- the monitor's options: --disk and --net --------------------------------

def kvm_linux(*args, **kwargs):
    return run([program("stage04-kvm-linux", "kvm-linux"), *args], **kwargs)


def guest_file(tmp_path, name, code):
    """An ELF of code, loaded and entered at 16 MiB."""
    path = tmp_path / name
    path.write_bytes(elf([(0x1000000, code, 0x1000)]))
    return path


def tiny_kernel(tmp_path):
    """An ELF the loader accepts (a dry run needs no real kernel)."""
    return guest_file(tmp_path, "kernel", b"\xeb\xfe")             # jmp .


def test_a_dry_run_lists_each_disk_window_and_announces_it_to_the_kernel(tmp_path):
    (tmp_path / "a.img").write_bytes(b"\0" * 4096)
    (tmp_path / "b.img").write_bytes(b"\0" * 512)
    result = kvm_linux("--kernel", tiny_kernel(tmp_path), "--disk", tmp_path / "a.img",
                       "--disk", f"{tmp_path / 'b.img'},ro", "--dry-run")
    assert result.status == 0, result.err
    assert "mmio 0xd0000000-0xd0000fff  virtio-blk vda, IRQ 5\n" in result.out
    assert "mmio 0xd0001000-0xd0001fff  virtio-blk vdb (read-only), IRQ 6\n" in result.out
    assert ("virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
            in result.out)


def test_an_rng_device_comes_after_the_disks_and_the_network(tmp_path):
    (tmp_path / "a.img").write_bytes(b"\0" * 4096)
    assert "--rng " in kvm_linux("--help").out
    result = kvm_linux("--kernel", tiny_kernel(tmp_path), "--disk", tmp_path / "a.img", "--rng",
                       "--dry-run")
    assert result.status == 0, result.err
    assert "mmio 0xd0001000-0xd0001fff  virtio-rng, IRQ 6\n" in result.out
    assert ("virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
            in result.out)


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "No such file or directory"),
    (lambda p: p.mkdir(), "Is a directory"),
    (lambda p: p.write_bytes(b""), "0 bytes is not a whole number of 512-byte sectors"),
    (lambda p: p.write_bytes(b"\0" * 1000),
     "1000 bytes is not a whole number of 512-byte sectors"),
    (lambda p: os.mkfifo(p), "not a regular file or a block device"),
])
def test_a_disk_that_cannot_serve_is_refused_before_anything_runs(tmp_path, make, message):
    disk = tmp_path / "disk.img"
    make(disk)
    result = kvm_linux("--kernel", tiny_kernel(tmp_path), "--disk", disk, "--dry-run",
                       timeout=10)
    assert result.status == 2
    assert f"kvm-linux: error: --disk {disk}: {message}" in result.err


def test_a_read_only_image_needs_ro_and_works_with_it(tmp_path):
    """As root a mode-0444 file can still be opened for writing, so the test
    runs a copy of the monitor as nobody (setpriv), where permissions hold,
    from a folder nobody can read."""
    if not shutil.which("setpriv") or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to run the monitor as another user")
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        place = Path(folder)
        place.chmod(0o755)
        monitor = place / "kvm-linux"
        shutil.copy(program("stage04-kvm-linux", "kvm-linux"), monitor)
        kernel = tiny_kernel(place)
        disk = place / "disk.img"
        disk.write_bytes(b"\0" * 512)
        disk.chmod(0o444)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", monitor,
                     "--kernel", kernel, "--dry-run"]
        plain = run(as_nobody)
        assert plain.status == 0, plain.err
        refused = run([*as_nobody, "--disk", disk])
        assert refused.status == 2
        assert "Permission denied (add ,ro to use it read-only)" in refused.err
        assert run([*as_nobody, "--disk", f"{disk},ro"]).status == 0


@pytest.mark.parametrize("args, message", [
    (["--disk", "a.img"] * 5, "--disk: at most 4 disks"),
    (["--disk", ",ro"], "--disk needs FILE or FILE,ro"),
    (["--disk", "a,b.img"], "--disk needs FILE or FILE,ro"),
    (["--net", "eth0"], "--net needs tap=NAME[,mac=MAC]"),
    (["--net", "tap=x,mtu=9000"], "--net needs tap=NAME[,mac=MAC]"),
    (["--net", "tap=a", "--net", "tap=b"], "--net: one network device only"),
])
def test_bad_disk_and_net_options_are_usage_errors(tmp_path, args, message):
    (tmp_path / "a.img").write_bytes(b"\0" * 512)
    result = kvm_linux("--kernel", tiny_kernel(tmp_path), *args, "--dry-run", cwd=tmp_path)
    assert result.status == 2
    assert message in result.err


@pytest.mark.parametrize("tap, message", [
    ("svm-none0", "no such interface (create it with: ip tuntap add svm-none0 mode tap"),
    ("a-very-long-interface", "not an interface name"),
    ("", "not an interface name"),
])
def test_a_tap_that_cannot_be_used_is_an_error_naming_the_fix(tmp_path, tap, message):
    result = kvm_linux("--kernel", tiny_kernel(tmp_path), "--net", f"tap={tap}", "--dry-run")
    assert result.status == 2
    assert message in result.err


def test_the_kernel_mounts_its_root_from_the_virtio_disk(kernel_paths, kvm, tmp_path):
    """The kit's kernel finds the disk the command line announces and mounts
    it as its root before it starts init (on kvm_pvm, as far as it goes);
    on hardware-style KVM init runs from the disk, and what it wrote there
    is in the image after the VM ends."""
    disk = tmp_path / "rootfs.ext2"
    disk.write_bytes(open(kernel_paths["ROOTFS"], "rb").read())
    result = boot([program("stage04-kvm-linux", "kvm-linux"), "--kernel", kernel_paths["VMLINUX"],
                   "--disk", disk, "--timeout", "1800", "--stats", "--cmdline",
                   'root=/dev/vda rw run="echo written by the guest > /note; sync"'], host="kvm")
    assert "virtio_blk virtio0: [vda] 32768 512-byte logical blocks" in result.out, result.err
    assert "VFS: Mounted root (ext2 filesystem) on device 254:0." in result.out
    assert "Run /sbin/init as init process" in result.out
    stats = result.stats()
    assert stats["virtio"]["vda"]["reads"] > 0 and stats["virtio"]["vda"]["bad_requests"] == 0
    if kvm_module() == "kvm_pvm":
        return                                           # no userspace here
    console = result.out.replace("\r\n", "\n")
    assert result.status == 0, result.err[-2000:]
    assert "staged-vms init: running as /sbin/init, from the root file system" in console
    note = run(["/sbin/debugfs", "-R", "cat /note", disk])
    assert note.out == "written by the guest\n", note.out + note.err


# --- notifications: an MMIO exit each, or an eventfd (--virtio-notify) ------

def test_virtio_notify_is_described_and_a_bad_value_is_a_usage_error(tmp_path):
    help_text = kvm_linux("--help").out
    assert "--virtio-notify exit|eventfd" in help_text and "KVM_IOEVENTFD" in help_text
    disk = tmp_path / "disk"
    disk.write_bytes(b"\0" * 4096)
    for args, way in [([], "exit (each QueueNotify write an MMIO exit"),
                      (["--virtio-notify", "exit"], "exit (each QueueNotify write"),
                      (["--virtio-notify=eventfd"], "eventfd (KVM_IOEVENTFD on each queue")]:
        result = kvm_linux("--kernel", tiny_kernel(tmp_path), "--disk", disk, "--dry-run", *args)
        assert result.status == 0, result.err
        assert f"virtio notification: {way}" in result.out
    for bad in (["--virtio-notify=irq"], ["--virtio-notify="], ["--virtio-notify"]):
        result = kvm_linux("--kernel", tiny_kernel(tmp_path), *bad)
        assert result.status == 2 and "usage" in result.err, result.err


def notifying_kernel(tmp_path):
    """An ELF whose code writes QueueNotify of the first virtio window twice,
    queue 0 (a queue virtio-blk has) then queue 1 (one it has not), and then
    resets the machine through the i8042: two 4-byte MMIO writes, as Linux's
    driver makes them, and a clean end."""
    code = (b"\xb8\x50\x00\x00\xd0"          # mov eax, 0xd0000050 (QueueNotify)
            b"\xc7\x00\x00\x00\x00\x00"      # mov dword [rax], 0
            b"\xc7\x00\x01\x00\x00\x00"      # mov dword [rax], 1
            b"\xb0\xfe\xe6\x64"                # mov al, 0xfe; out 0x64, al: reset
            b"\xf4")                             # hlt
    return guest_file(tmp_path, "notifier", code)


@pytest.mark.parametrize("notify, exits, by_eventfd", [("exit", 2, 0), ("eventfd", 1, 1)])
def test_a_queue_notify_that_kvm_matches_is_an_eventfd_not_an_exit(tmp_path, kvm, notify,
                                                                 exits, by_eventfd):
    """With --virtio-notify=eventfd the write of a queue's own index to
    QueueNotify reaches the device through its eventfd, with no exit to the
    monitor; a write KVM_IOEVENTFD does not match (queue 1 of a disk) still
    exits.  A few instructions, fast on every KVM, kvm_pvm too."""
    disk = tmp_path / "disk"
    disk.write_bytes(b"\0" * 4096)
    result = kvm_linux("--kernel", notifying_kernel(tmp_path), "--disk", disk, "--stats",
                       f"--virtio-notify={notify}", "--timeout", "60", timeout=90)
    assert result.status == 0, result.err
    stats = result.stats()
    assert stats["virtio_notify"] == notify
    vda = stats["virtio"]["vda"]
    assert (vda["mmio_exits"], vda["queue_notify_exits"], vda["eventfd_notifies"]) == \
        (exits, exits, by_eventfd), vda
    assert stats["exits"]["mmio"] == exits


DATA_MIB = 8


def boot_and_read_a_disk(kernel_paths, tmp_path, notify, mib):
    """Boots from a copy of the root file system with a second disk of
    DATA_MIB MiB, of which init's command reads the first mib MiB (0: none,
    though the kernel still probes the disk); checks that init ran from the
    root disk and wrote to it, and returns --stats."""
    disk = tmp_path / f"rootfs-{notify}-{mib}.ext2"
    disk.write_bytes(open(kernel_paths["ROOTFS"], "rb").read())
    data = tmp_path / "data"
    data.write_bytes(b"\x5a" * (DATA_MIB << 20))
    command = (f"dd if=/dev/vdb of=/dev/null bs=1M count={mib}; "
               f"echo read by way of {notify} > /note; sync")
    result = boot([program("stage04-kvm-linux", "kvm-linux"), "--kernel", kernel_paths["VMLINUX"],
                   "--disk", disk, "--disk", f"{data},ro", f"--virtio-notify={notify}",
                   "--timeout", "1800", "--stats", "--cmdline",
                   f'root=/dev/vda rw run="{command}"'], host="kvm")
    console = result.out.replace("\r\n", "\n")
    assert result.status == 0, result.err[-2000:]
    assert "staged-vms init: running as /sbin/init, from the root file system" in console
    assert f"{mib}+0 records out" in console, console[-2000:]          # dd, 1 MiB each
    note = run(["/sbin/debugfs", "-R", "cat /note", disk])
    assert note.out == f"read by way of {notify}\n", note.out + note.err
    stats = result.stats()
    stats["console_bytes"] = len(result.out_bytes)
    return stats


def test_init_runs_from_the_disk_with_notifications_by_eventfd(kernel_paths, kvm, tmp_path):
    """Both ways boot the disk and run init from it; by eventfd, the
    queues' notifications reach the devices without an exit and the
    interrupts go through KVM_IRQFD.  Prints, for the book, what reading
    DATA_MIB MiB cost each way: the difference between a boot that reads
    them and one that does not (which leaves out the disk's probe), in
    requests and exits, and the UART's port exits per console byte."""
    if kvm_module() == "kvm_pvm":
        pytest.skip("kvm_pvm: no userspace runs there, and a boot takes minutes; "
                    "make check-nested runs this on kvm_amd")
    read_cost = {}
    for notify in ("exit", "eventfd"):
        idle, busy = (boot_and_read_a_disk(kernel_paths, tmp_path, notify, mib)
                      for mib in (0, DATA_MIB))
        for stats in (idle, busy):
            assert stats["virtio_notify"] == notify
            for name in ("vda", "vdb"):
                device = stats["virtio"][name]
                assert device["bad_requests"] == 0
                if notify == "eventfd":
                    assert device["eventfd_notifies"] > 0 and device["queue_notify_exits"] == 0
                    assert device["irqfd_signals"] > 0 and device["irq_line_ioctls"] == 0
                else:
                    assert device["eventfd_notifies"] == 0 and device["queue_notify_exits"] > 0
                    assert device["irqfd_signals"] == 0 and device["irq_line_ioctls"] > 0
        cost = {key: busy["virtio"]["vdb"][key] - idle["virtio"]["vdb"][key]
                for key in ("reads", "mmio_exits", "queue_notify_exits", "eventfd_notifies",
                            "irq_line_ioctls", "irqfd_signals")}
        assert cost["reads"] > 0
        read_cost[notify] = cost
        print(f"\nreading {DATA_MIB} MiB by way of {notify}: {cost}; "
              f"exits per request {cost['mmio_exits'] / cost['reads']:.2f}, "
              f"per MiB {cost['mmio_exits'] / DATA_MIB:.2f}; the whole boot: uart io exits "
              f"{busy['exits']['io']} for {busy['console_bytes']} console bytes, "
              f"{busy['exits']['io'] / busy['console_bytes']:.2f} per byte")
    assert read_cost["eventfd"]["mmio_exits"] < read_cost["exit"]["mmio_exits"]


# --- the network: the guest and a TAP in a namespace of the test's own -----

HOST_IP, GUEST_IP, GUEST_MAC = "10.0.2.1", "10.0.2.15", "52:54:00:12:34:56"
PAGE = "served by the host on its TAP, fetched by the guest\n"


def in_tap_namespace(page, report):
    """The command line that runs a command in a network and mount
    namespace of the test's own (a user namespace too when not root) that
    holds a TAP named svm0 (tests/tap_namespace.py); or a skip saying why
    this host cannot make one."""
    command = ["/usr/bin/python3", Path(__file__).parent / "tap_namespace.py",
               "svm0", f"{HOST_IP}/24", page, report, "--"]
    probe = run([*command, "true"])
    if probe.status != 0:
        pytest.skip(f"cannot make a TAP in a network namespace ({probe.err.strip()[-300:]}): "
                    "the network test needs root, or user namespaces and /dev/net/tun "
                    "open to all")
    return command


@pytest.mark.parametrize("notify", ["exit", "eventfd"])
def test_the_guest_reaches_the_host_over_virtio_net(kernel_paths, kvm, tmp_path, notify):
    """The guest boots with --net on a TAP that only a namespace of the
    test's own holds, and ip= gives its eth0 an address before init.  The
    kernel finds the device and reads its MAC (on kvm_pvm, as far as it
    goes); on hardware-style KVM the guest pings the host's end of the TAP
    and fetches a page from the HTTP server there, and the TAP counts the
    packets both ways.  Both ways of notifying."""
    if notify == "eventfd" and kvm_module() == "kvm_pvm":
        pytest.skip("kvm_pvm: no userspace runs there, and a boot takes minutes; the exit "
                    "way shows the kernel's side; make check-nested runs this on kvm_amd")
    page = tmp_path / "page"
    page.write_text(PAGE)
    report = tmp_path / "tap.json"
    command = f"ping -c 3 {HOST_IP} && wget -q -O - http://{HOST_IP}:8000/page"
    result = boot([*in_tap_namespace(page, report),
                   program("stage04-kvm-linux", "kvm-linux"), "--kernel", kernel_paths["VMLINUX"],
                   "--initrd", kernel_paths["INITRAMFS"], "--net", f"tap=svm0,mac={GUEST_MAC}",
                   f"--virtio-notify={notify}", "--timeout", "1800", "--stats", "--cmdline",
                   f'ip={GUEST_IP}::{HOST_IP}:255.255.255.0::eth0:off run="{command}"'],
                  host="kvm")
    console = result.out.replace("\r\n", "\n")
    assert "IP-Config: Complete:" in console, result.err[-2000:]
    assert (f"device=eth0, hwaddr={GUEST_MAC}, ipaddr={GUEST_IP}, mask=255.255.255.0, "
            f"gw={HOST_IP}") in console
    tap = json.loads(report.read_text())
    assert tap["interfaces"] == ["lo", "svm0"]                   # nothing else to reach
    assert result.stats()["virtio"]["net"]["bad_requests"] == 0
    if kvm_module() == "kvm_pvm":
        return                                                   # no userspace here
    assert result.status == 0, result.err[-2000:]
    assert "3 packets transmitted, 3 packets received, 0% packet loss" in console, console[-2000:]
    assert PAGE in console
    net = result.stats()["virtio"]["net"]
    if notify == "eventfd":
        assert net["eventfd_notifies"] > 0 and net["queue_notify_exits"] == 0, net
        assert net["irqfd_signals"] > 0 and net["irq_line_ioctls"] == 0, net
    # Each ping and its answer, and the TCP connection's packets.
    assert net["tx_packets"] >= 3 + 3 and net["rx_packets"] >= 3 + 3, net
    # What the guest sent, the TAP received; it may have sent the guest a
    # last packet or two (a TCP ending) after the guest stopped taking them.
    assert tap["rx_packets"] == net["tx_packets"] and tap["tx_packets"] >= net["rx_packets"], tap
    assert tap["rx_errors"] == tap["tx_errors"] == 0
