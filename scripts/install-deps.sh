#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install the Debian 12 packages that building and testing vpro_heci need,
# then unpack the two test kernels (6.1 and 6.12) into build/kernels.
# Safe to run again: apt-get skips installed packages and fetch-kernel.sh
# skips a kernel whose kernel.env already exists. Installing packages
# needs root; once they are installed, a normal user can run it to unpack
# the kernels. Under sudo it gives build/ back to $SUDO_USER, so that make
# then runs without root.
#
# usage: install-deps.sh [--if-missing]
#   --if-missing  do nothing (and need no root) when every package is
#                 installed and both kernels are unpacked
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

packages=(
	# compilers and build tools
	build-essential pkg-config bc flex bison libelf-dev kmod
	# pahole: the 6.12 headers ship vmlinux, so kbuild adds BTF to modules
	dwarves
	sparse clang libclang-rt-14-dev
	# vproctl and the RPS test peer
	libcurl4-openssl-dev libjansson-dev libnl-genl-3-dev libwslay-dev
	libssl-dev openssl ca-certificates
	# VM runner: QEMU, the guest's busybox, initramfs and module packing
	qemu-system-x86 busybox-static cpio gzip xz-utils zstd
	# tests/vm/guest/proxy_test.sh: the HTTP CONNECT proxy in the guest
	tinyproxy-bin
	# checkpatch.pl
	perl
	# tests/rps/smoke_test.py: the RPS test peer's own tests
	python3
	# DKMS and package checks: scripts/dkms-check.sh, scripts/package-check.sh
	dkms debhelper dh-dkms dpkg-dev fakeroot rpm
	# tests/image: a debootstrapped Debian 12 root filesystem
	debootstrap e2fsprogs
)

# True when every package is installed.
packages_present() {
	local pkg
	for pkg in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

# True when every package is installed and both kernels are unpacked.
all_present() {
	packages_present &&
		[ -f "$repo/build/kernels/6.1/kernel.env" ] &&
		[ -f "$repo/build/kernels/6.12/kernel.env" ]
}

# Unpacks both test kernels into build/kernels; needs no root.
fetch_kernels() {
	local kver
	for kver in 6.1 6.12; do
		echo "install-deps.sh: fetching kernel $kver into build/kernels"
		"$repo/scripts/fetch-kernel.sh" "$kver" "$repo/build/kernels"
	done
}

case ${1:-} in
--if-missing) all_present && exit 0 ;;
'') ;;
*) echo "install-deps.sh: unknown argument '$1': use --if-missing or nothing" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	if packages_present; then
		fetch_kernels
		echo "install-deps.sh: done"
		exit 0
	fi
	echo "install-deps.sh: Debian packages are missing and installing them needs root: run 'sudo make deps' once, then make as your user" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: apt-get update"
apt-get update -q
echo "install-deps.sh: apt-get install ${packages[*]}"
apt-get install -y -q --no-install-recommends "${packages[@]}"

fetch_kernels
# Under sudo, build/ goes back to the user, who runs make without root.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
	chown -R "$SUDO_USER": "$repo/build"
fi
echo "install-deps.sh: done"
