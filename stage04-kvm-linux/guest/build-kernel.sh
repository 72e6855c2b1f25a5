#!/bin/sh
# build-kernel.sh - builds the kit's small kernel from Debian's linux-source
# package, once, and caches it outside the checkout.
#
# Usage: build-kernel.sh FRAGMENT
# Prints the cache folder (holding bzImage and vmlinux) on its last line.
# The cache is keyed by the source version and the fragment's hash, so a fresh
# clone, `make clean` and CI reuse a kernel built before.
set -eu
fragment=$(readlink -f "$1")
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "build-kernel: error: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)" >&2
	exit 2
fi
version=$(basename "$tarball" .tar.xz)
key=$(cat "$fragment" "$0" | sha256sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/staged-vms/kernel-$version-$key
if [ -f "$cache/bzImage" ] && [ -f "$cache/vmlinux" ]; then
	echo "$cache"
	exit 0
fi

# Build in a scratch folder and move the result into place only when done,
# so that an interrupted build never leaves a half kernel in the cache.
work=$(mktemp -d "${TMPDIR:-/tmp}/staged-vms-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "kernel: unpacking $version (about 130 MB)" >&2
tar -xJf "$tarball" -C "$work"
src="$work/$version"
echo "kernel: configuring: tinyconfig + $(basename "$fragment")" >&2
make -s -C "$src" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment" >/dev/null
make -s -C "$src" olddefconfig >/dev/null
missing=$(grep '^CONFIG_' "$fragment" | while read -r line; do
	grep -qx "$line" "$src/.config" || echo "$line"; done)
if [ -n "$missing" ]; then
	echo "build-kernel: error: the configuration dropped: $missing" >&2
	exit 2
fi
echo "kernel: building bzImage and vmlinux with $(nproc) jobs (a few minutes)" >&2
make -s -C "$src" -j"$(nproc)" bzImage vmlinux >/dev/null
mkdir -p "$(dirname "$cache")"
rm -rf "$cache.tmp" && mkdir "$cache.tmp"
cp "$src/arch/x86/boot/bzImage" "$src/vmlinux" "$src/.config" "$cache.tmp/"
mv "$cache.tmp" "$cache"
echo "kernel: done in $(( $(date +%s) - start )) s: bzImage $(du -k "$cache/bzImage" | cut -f1) KiB," \
	"vmlinux $(du -k "$cache/vmlinux" | cut -f1) KiB" >&2
echo "$cache"
