# shellcheck shell=sh
# inside.sh - run by the kit's init inside the VM that run.sh boots (busybox
# sh, as process 1's child).  $kit and $home come from the kernel command
# line: the kit's folder and the user's home (where the kernel cache is).
say() { echo "nested: $*"; }
kit=${kit:?the kernel command line names no kit=}
home=${home:?the kernel command line names no home=}

while read -r module; do
	insmod "/nested/$module.ko" || { say "cannot load $module.ko"; exit 1; }
done < /nested/modules
[ -c /dev/kvm ] || { say "kvm_amd loaded but there is no /dev/kvm"; exit 1; }

# The host's root, read-only, with this VM's /dev (and /dev/kvm in it), /proc
# and /sys, and a /tmp of its own (where pytest's scratch folders go).
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 hostroot /host ||
	{ say "cannot mount the host's root over 9p"; exit 1; }
for fs in dev proc sys; do
	mount --bind "/$fs" "/host/$fs" || { say "cannot bind /$fs"; exit 1; }
done
# Pseudo-terminals, for the tests that run the monitor on one (os.openpty).
mkdir -p /host/dev/pts && mount -t devpts devpts /host/dev/pts ||
	{ say "cannot mount /dev/pts"; exit 1; }
# That /tmp would hide the kit or the home if either lives in /tmp (a clone
# made there, as CI may): such a folder is bound back on top of it.
keep=""
for dir in "$kit" "$home"; do
	case $dir in /tmp | /tmp/*) keep="$keep $dir" ;; esac
done
n=0
for dir in $keep; do
	n=$((n + 1))
	mkdir -p "/nested/keep$n" && mount --bind "/host$dir" "/nested/keep$n" ||
		{ say "cannot hold $dir"; exit 1; }
done
mount -t tmpfs tmpfs /host/tmp
n=0
for dir in $keep; do
	n=$((n + 1))
	mkdir -p "/host$dir" && mount --bind "/nested/keep$n" "/host$dir" ||
		{ say "cannot put $dir back"; exit 1; }
done

# A pulse on the second serial port (run.sh keeps it in build/nested/pulse.log)
# every half minute: if the tests stop moving, it shows whether this VM still
# runs, how much memory and /tmp it has left, and what each thread of each
# monitor is doing (thread:state/the kernel function it waits in).
pulse() {
	while :; do
		monitors=""
		for dir in /proc/[0-9]*; do
			case $(cat "$dir/comm" 2>/dev/null) in
			kvm-hello | kvm-linux) ;;
			*) continue ;;
			esac
			monitors="$monitors ${dir#/proc/}["
			for task in "$dir"/task/*; do
				monitors="$monitors ${task##*/}:$(cut -d' ' -f3 "$task/stat" 2>/dev/null)/$(cat "$task/wchan" 2>/dev/null)"
			done
			monitors="$monitors ]"
		done
		echo "pulse: up $(cut -d' ' -f1 /proc/uptime) s," \
			"$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo) KiB available," \
			"/tmp $(du -sk /host/tmp 2>/dev/null | cut -f1) KiB, monitors:${monitors:- none}"
		sleep 30
	done > /dev/ttyS1
}
pulse &
pulse_pid=$!

set -f
IFS='
'
# shellcheck disable=SC2046  # one argument per line of the file
set -- $(cat /nested/command)
unset IFS
# (a suite going on after a stop deselects every finished test: not shown)
shown=$(printf '%s\n' "$@" | head -n 12 | tr '\n' ' ')
[ $# -le 12 ] || shown="$shown... ($# arguments)"
say "running ${shown% } on kvm_amd"
# shellcheck disable=SC2016  # $0 and $@ are the inner shell's
chroot /host /usr/bin/env HOME="$home" REQUIRE_KVM=1 /bin/sh -c \
	'cd "$0" && exec "$@"' "$kit" "$@"
status=$?
kill "$pulse_pid"
say "the command exited with status $status"
