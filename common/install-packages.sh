#!/bin/sh
# install-packages.sh - install the Debian packages the kit needs, once.
#
# Usage: common/install-packages.sh LIST...
# Each LIST file names Debian packages, one per line ('#' starts a comment).
# Packages already installed are left alone; missing ones are installed with
# apt-get, directly when we are root, through sudo otherwise.  When neither
# is possible we say exactly what to run, and fail.
set -eu

wanted=$(cat "$@" | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=""
for pkg in $wanted; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "staged-vms: installing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "staged-vms: error: these packages are missing:$missing" >&2
	echo "staged-vms: install them as root:  apt-get install$missing" >&2
	exit 2
fi

apt_get() {
	DEBIAN_FRONTEND=noninteractive $as_root apt-get -y -q \
		-o Dpkg::Use-Pty=0 "$@"
}

# A fresh machine may have no package lists yet: update once, then install.
if ! apt_get update >/dev/null || ! apt_get install --no-install-recommends $missing; then
	echo "staged-vms: error: could not install:$missing" >&2
	echo "staged-vms: install them as root:  apt-get install$missing" >&2
	exit 2
fi
