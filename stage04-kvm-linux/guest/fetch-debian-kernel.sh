#!/bin/sh
# fetch-debian-kernel.sh - Debian's stock kernel, for comparison with the kit's.
#
# Usage: fetch-debian-kernel.sh [MODULE...]
#
# Downloads the linux-image package that linux-image-amd64 points at (apt-get
# download needs no root), unpacks it, and keeps only the bzImage (and the
# named modules, such as kvm-amd, in modules/NAME.ko beside it: make
# check-nested loads them), cached outside the checkout.  Prints the
# bzImage's path on its last line.
set -eu
package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$package" ]; then
	echo "fetch-debian-kernel: error: apt knows no linux-image-amd64 (run apt-get update)" >&2
	exit 2
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/staged-vms/debian-$package
cached() {
	[ -f "$cache/vmlinuz" ] || return 1
	for module in "$@"; do
		[ -f "$cache/modules/$module.ko" ] || return 1
	done
}
if cached "$@"; then
	echo "$cache/vmlinuz"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/staged-vms-debian.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "kernel-debian: downloading $package" >&2
(cd "$work" && apt-get download "$package" >/dev/null 2>&1)
dpkg-deb -x "$work"/"$package"_*.deb "$work/root"
mkdir -p "$cache.tmp/modules"
cp "$work"/root/boot/vmlinuz-* "$cache.tmp/vmlinuz"
cp "$work"/root/boot/config-* "$cache.tmp/config"
for module in "$@"; do
	found=$(find "$work/root/lib/modules" -name "$module.ko" | head -n 1)
	if [ -z "$found" ]; then
		echo "fetch-debian-kernel: error: $package has no module $module" >&2
		exit 2
	fi
	cp "$found" "$cache.tmp/modules/"
done
rm -rf "$cache" && mv "$cache.tmp" "$cache"
echo "$cache/vmlinuz"
