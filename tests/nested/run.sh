#!/bin/sh
# run.sh - the kit's KVM tests on a real KVM, on a host that offers none:
# kvm_amd, nested inside QEMU's software emulation.
#
# Usage: tests/nested/run.sh [COMMAND [ARGUMENT...]]
#
# runs COMMAND in the kit's folder inside the VM, by default the tests of
# stages 3 and 4 (make check-nested); make bench runs the monitor there.
#
# QEMU's TCG emulates an AMD CPU with SVM (-cpu max), so Debian's stock
# kernel booted under it can load kvm_amd and offer /dev/kvm.  The kit's own
# init (stage 4's guest) then runs inside.sh, which loads the modules, mounts
# this host's root file system over virtio-9p, read-only, and runs pytest
# there with REQUIRE_KVM=1: the same tests on the same files, against a KVM
# that runs guests as hardware does, nothing like kvm_pvm's emulation.  Double
# emulation is slow, so times measured inside mean nothing; behaviour, counts
# and sizes are real.  The console goes to build/nested/console.log, the VM's
# pulse to build/nested/pulse.log; the exit status is the command's.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/nested
# What inside.sh loads, in dependency order: KVM for AMD, then 9p over virtio,
# then TAP devices (stage 4's network test makes one).
modules="irqbypass kvm ccp kvm-amd 9pnet netfs fscache 9p virtio_ring virtio
	9pnet_virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci tun"

case $root in
*[!A-Za-z0-9/._-]*)
	echo "nested: error: the kit's path must be plain for the kernel command line: $root" >&2
	exit 2 ;;
esac
# shellcheck disable=SC2086  # one word per module
paths=$("$root/stage04-kvm-linux/guest/fetch-debian-kernel.sh" $modules)
vmlinuz=$(printf '%s\n' "$paths" | tail -n 1)
make -s -C "$root/stage04-kvm-linux" kernel-paths >/dev/null
mkdir -p "$out"
for module in $modules; do echo "$module"; done > "$out/modules"
# With no command, the suite runs verbosely (a line per test as it starts and
# ends), which is what lets a VM that stopped be booted again to go on from
# the test it stopped in (below).
suite=0
if [ $# -eq 0 ]; then
	suite=1
	set -- /usr/bin/python3 -m pytest --color=no -p no:cacheprovider -v \
		tests/test_stage03_kvm_hello.py tests/test_stage04_monitor.py \
		tests/test_stage04_smp.py tests/test_stage04_virtio.py
fi

# pack COMMAND...: the initramfs, with the command inside.sh is to run (the
# suite without the tests that finished before the VM last stopped).
pack() {
	{
		printf '%s\n' "$@"
		[ "$suite" = 0 ] || deselect
	} > "$out/command"
	{
		cat "$root/stage04-kvm-linux/build/initramfs.list"
		echo "dir /nested 0755"
		for module in $modules; do
			echo "file /nested/$module.ko $(dirname "$vmlinuz")/modules/$module.ko 0644"
		done
		echo "file /nested/modules $out/modules 0644"
		echo "file /nested/command $out/command 0644"
		echo "file /nested/inside.sh $root/tests/nested/inside.sh 0644"
	} > "$out/initramfs.list"
	# Two steps, not a pipeline: sh has no pipefail, and a pipeline's status
	# is gzip's, which would hide a failed mkcpio.
	"$root/stage04-kvm-linux/build/mkcpio" "$out/initramfs.list" > "$out/initramfs.cpio"
	gzip -1 -f "$out/initramfs.cpio"
}

# The VM's second serial port (its ttyS1) is a file: inside.sh writes a pulse
# there every half minute (its clock, free memory, /tmp, what each monitor is
# waiting on).  When that pulse has not moved for $pulse_idle seconds the VM
# itself stopped (a test that hangs inside a running VM reports itself):
# qemu_state.py reads its processor's registers from QEMU's QMP socket and
# sends it an NMI, in case it waits for an interrupt that was lost, and
# console_watch stops QEMU if the pulse does not move again within as long.
# It also stops it when the console has been silent for $idle seconds (a
# boot test gives up after 600 s of silence with its own report), or after
# $limit in all.
idle=${NESTED_IDLE:-720}
limit=${NESTED_LIMIT:-3000}
pulse_idle=${NESTED_PULSE_IDLE:-150}

# run_vm: boots the VM once; its status is the command's, or empty.
run_vm() {
	echo "nested: booting Debian's kernel under QEMU (TCG) to run $1 on kvm_amd" >&2
	: > "$out/pulse.log"
	rm -f "$out/qmp.sock"
	# sh has no pipefail: the watcher's status goes through a file.
	{
		watched=0
		/usr/bin/python3 "$root/common/console_watch.py" --idle "$idle" --limit "$limit" \
			--host tcg --pulse "$out/pulse.log" "$pulse_idle" \
			--when-stale "/usr/bin/python3 '$root/tests/nested/qemu_state.py' '$out/qmp.sock'" -- \
			qemu-system-x86_64 -accel tcg -cpu max -M pc -m 2048 -nographic -nic none \
			-no-reboot -serial mon:stdio -serial "file:$out/pulse.log" \
			-qmp "unix:$out/qmp.sock,server=on,wait=off" \
			-kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" \
			-virtfs local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap,readonly=on \
			-append "console=ttyS0 reboot=k panic=-1 quiet loglevel=1 run=\"sh /nested/inside.sh\" kit=$root home=$HOME" \
			</dev/null || watched=$?
		echo "$watched" > "$out/watch.status"
	} | tee "$out/console.log"
	status=$(sed -n 's/^nested: the command exited with status \([0-9]*\).*/\1/p' \
		"$out/console.log" | tail -n 1)
}

# finished: from a verbose pytest's output, the tests that finished, one per
# line, with their outcome.
finished() {
	tr -d '\r' |
		sed -n 's/^\(tests\/[^ ]*\.py::.*\) \(PASSED\|FAILED\|SKIPPED\|ERROR\|XFAIL\|XPASS\) *\[ *[0-9]*%\]$/\1 \2/p'
}

# deselect: the options, one per line, that leave out every test finished
# before the VM stopped ($out/finished).  pytest names a test from its rootdir
# (tests/), and --deselect takes a prefix of that name; no test's name here
# begins another's.
deselect() {
	sed 's/ [A-Z]*$//; s/^tests\///' "$out/finished" |
		while IFS= read -r test; do printf -- '--deselect\n%s\n' "$test"; done
}

# Two emulators deep, the VM itself can stop: its pulse stops, a few times in
# some twenty runs, at no one test, cause not yet known (book chapter 4).  It
# is reported with its last pulses and registers, and booted again.  The
# suite then goes on from the test the VM stopped in: the tests that
# finished are deselected, and one that failed still fails the run.  Any
# other command runs again from its start.  A test that failed is never run
# again; only a VM that stopped is booted again, at most twice.
stops=""
rm -f "$out"/console-stalled-*.log "$out"/pulse-stalled-*.log
: > "$out/finished"
for attempt in 1 2 3; do
	pack "$@"
	run_vm "$@"
	if [ -n "$status" ]; then
		if [ -n "$stops" ]; then
			echo "nested: the VM stopped $stops time(s) and was booted again (see" \
				"$out/console-stalled-N.log and pulse-stalled-N.log)" >&2
			failed=$(grep ' \(FAILED\|ERROR\)$' "$out/finished" || true)
			if [ -n "$failed" ]; then
				printf 'nested: error: tests that failed before the VM stopped:\n%s\n' \
					"$failed" >&2
				[ "$status" = 0 ] && status=1
			fi
		fi
		exit "$status"
	fi
	if [ "$(cat "$out/watch.status")" != 124 ]; then
		echo "nested: error: the VM ended before the command did (see $out/console.log)" >&2
		exit 1
	fi
	stops=$attempt
	echo "nested: error: the nested VM stopped making progress (attempt $attempt of 3);" \
		"its last pulses (the VM's clock, free memory, /tmp, each monitor's state):" >&2
	tail -n 6 "$out/pulse.log" >&2
	if [ "$suite" = 1 ]; then
		echo "nested: the test it stopped in: $(tr -d '\r' < "$out/console.log" |
			grep '^tests/.*::' | tail -n 1)" >&2
	fi
	finished < "$out/console.log" >> "$out/finished"
	cp "$out/console.log" "$out/console-stalled-$attempt.log"
	cp "$out/pulse.log" "$out/pulse-stalled-$attempt.log"
done
echo "nested: error: the VM stopped three times; giving up" >&2
exit 1
