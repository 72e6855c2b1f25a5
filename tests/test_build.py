"""The build's promise: a step that fails leaves no target behind, and a missing
build dependency stops make with exit 2 and the line that fixes it.

Each test builds stage 4's guest into a BUILD folder of its own, so the real
build is never touched."""
import subprocess

import pytest

from conftest import ROOT, git_files, run

STAGE = ROOT / "stage04-kvm-linux"
FIX = "run make deps (apt-get install busybox-static)"


def make(build, *args):
    return run(["make", "-s", "-C", STAGE, f"BUILD={build}", *args], timeout=300)


def makefiles():
    """Every Makefile of the kit and every file they include, in a checkout or a kit."""
    return sorted(set(git_files("Makefile") + git_files("*/Makefile") + git_files("*.mk")))


@pytest.mark.parametrize("makefile", makefiles(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_makefile_deletes_the_target_of_a_failed_recipe(makefile):
    text = makefile.read_text()
    assert ".DELETE_ON_ERROR:" in text or "include ../common/build.mk" in text


@pytest.mark.parametrize("busybox", ["missing", "/bin/true"], ids=["missing", "dynamic"])
def test_no_static_busybox_stops_the_build_before_anything_is_written(tmp_path, busybox):
    path = tmp_path / "busybox" if busybox == "missing" else busybox
    build = tmp_path / "build"
    result = make(build, f"BUSYBOX={path}")
    assert result.status == 2
    assert result.err_lines[0] == (f"stage04: error: the initramfs needs a static busybox "
                                   f"at {path}: {FIX}")
    assert not build.exists()
    # Asked for the initramfs alone, it leaves neither the archive nor its list.
    result = make(build, f"BUSYBOX={path}", build / "initramfs.cpio.gz")
    assert result.status == 2 and FIX in result.err
    assert not (build / "initramfs.list").exists()
    assert not (build / "initramfs.cpio.gz").exists()


@pytest.fixture
def static_busybox():
    if subprocess.run(["make", "-s", "-C", STAGE, "check-busybox"],
                      capture_output=True).returncode != 0:
        pytest.skip("this host has no static busybox at /bin/busybox")


def test_a_failing_archiver_leaves_no_initramfs(tmp_path, static_busybox):
    """mkcpio fails: the build fails with it (it used to be hidden by the
    pipeline into gzip), and no archive is left, not even an older one."""
    build = tmp_path / "build"
    assert make(build, build / "init", build / "mkcpio").status == 0
    archive, listing = build / "initramfs.cpio.gz", build / "initramfs.list"
    archive.write_bytes(b"an older archive")
    listing.write_text(f"file /missing {tmp_path / 'missing'} 0644\n")
    subprocess.run(["touch", "-d", "1 hour ago", archive], check=True)
    result = make(build, archive)
    assert result.status == 2
    assert "cannot open" in result.err
    assert not archive.exists()


def test_a_failed_build_is_not_up_to_date_once_busybox_is_there(tmp_path, static_busybox):
    """After a build without busybox, the next build with it makes a whole
    initramfs (it used to find a broken one up to date)."""
    build = tmp_path / "build"
    assert make(build, f"BUSYBOX={tmp_path / 'none'}", build / "initramfs.cpio.gz").status == 2
    assert make(build, build / "initramfs.cpio.gz").status == 0
    listing = (build / "initramfs.list").read_text()
    assert "file /bin/busybox /bin/busybox 0755" in listing
    assert "slink /bin/sh busybox 0777" in listing
