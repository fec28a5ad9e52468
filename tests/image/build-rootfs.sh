#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build a minimal Debian 12 (bookworm) image that boots the Debian 6.12
# test kernel with vpro_heci installed the way a device gets it: by
# scripts/install-image.sh, autoloaded by udev from the MEI modalias.
# The image also carries the test-only software ME (mesim.ko and fwsim,
# started early by a systemd unit) and a check unit that prints TAP on
# the serial console and powers off.
#
# usage: tests/image/build-rootfs.sh [OUTDIR]   (as root, on Debian 12)
#
# Outputs in OUTDIR (default build/image): rootfs.ext4 (the root file
# system, made with mke2fs -d, so no loop mount is needed) and
# boot.cpio.gz, a small busybox initramfs that loads virtio_blk and ext4
# and switches to /dev/vda. The debootstrap result is cached as
# VPRO_IMAGE_CACHE/bookworm-minbase-HASH.tar (default
# /var/cache/vpro_heci), HASH covering the mirror and the package list,
# so only the first run downloads packages.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
imgdir=$repo/tests/image
out=${1:-$repo/build/image}
cache=${VPRO_IMAGE_CACHE:-/var/cache/vpro_heci}
kver=6.12
suite=bookworm

# systemd-sysv, udev and kmod boot the image and autoload modules. The
# libraries are vproctl's runtime dependencies (libcurl, Jansson,
# libnl-genl, wslay, OpenSSL), so scripts/install-image.sh finds them in
# place and copies none from the host.
packages=systemd-sysv,udev,kmod,libcurl4,libjansson4,libnl-3-200,libnl-genl-3-200,libwslay1,libssl3

log() { echo "build-rootfs.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] ||
	die "must run as root: debootstrap and the image files need root ownership"
for tool in debootstrap mke2fs cpio xz depmod modprobe busybox; do
	command -v "$tool" >/dev/null ||
		die "$tool not found: run 'apt-get install debootstrap e2fsprogs cpio xz-utils kmod busybox-static'"
done

env_file=$repo/build/kernels/$kver/kernel.env
[ -f "$env_file" ] ||
	die "$env_file not found: run 'make deps' (scripts/fetch-kernel.sh $kver build/kernels) first"
# shellcheck source=/dev/null
. "$env_file"
for var in KREL MODDIR KDIR MEI_SRC; do
	[ -n "${!var:-}" ] || die "$env_file does not set $var: delete build/kernels/$kver and rerun"
done
[ -d "$MODDIR/kernel" ] || die "module tree $MODDIR/kernel not found: delete build/kernels/$kver and rerun"

# Prints the URI of the first Debian archive that apt uses for $suite,
# from the deb822 .sources files or the one-line sources.list format.
debian_mirror() {
	local file uri
	for file in /etc/apt/sources.list.d/*.sources; do
		[ -f "$file" ] || continue
		uri=$(awk -v suite="$suite" '
			/^$/ { if (uri != "" && has_suite) { print uri; exit } uri = ""; has_suite = 0 }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has_suite = 1 }
			END { if (uri != "" && has_suite) print uri }' "$file" | head -n 1)
		if [ -n "$uri" ]; then
			echo "$uri"
			return
		fi
	done
	for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$file" ] || continue
		uri=$(awk -v suite="$suite" '$1 == "deb" && $3 == suite && $2 !~ /^\[/ { print $2; exit }' "$file")
		if [ -n "$uri" ]; then
			echo "$uri"
			return
		fi
	done
}

mirror=$(debian_mirror)
[ -n "$mirror" ] ||
	die "no Debian $suite mirror in /etc/apt/sources.list*: add the mirror apt should use"
key=$(echo "$mirror $suite $packages" | sha256sum | cut -c1-12)
tarball=$cache/$suite-minbase-$key.tar

mkdir -p "$cache" "$out"
if [ -f "$tarball" ]; then
	log "using cached rootfs $tarball"
else
	log "debootstrap $suite from $mirror (a few minutes; cached as $tarball)"
	staging=$cache/.staging-$key
	rm -rf "$staging"
	if ! debootstrap --variant=minbase --include="$packages" "$suite" "$staging" "$mirror" \
		>"$out/debootstrap.log" 2>&1; then
		tail -n 20 "$out/debootstrap.log" >&2
		rm -rf "$staging"
		die "debootstrap failed (log: $out/debootstrap.log)"
	fi
	rm -rf "$staging"/var/cache/apt/archives/*.deb "$staging"/var/lib/apt/lists/*_Packages
	tar --numeric-owner -C "$staging" -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$staging"
fi

root=$out/root
rm -rf "$root"
mkdir -p "$root"
tar --numeric-owner -C "$root" -xf "$tarball"

# The kernel's modules, as Debian's linux-image package would install them.
log "installing the $KREL modules"
mkdir -p "$root/lib/modules"
cp -a "$MODDIR" "$root/lib/modules/"
depmod -b "$root" "$KREL"

# The product: vpro_heci.ko built by DKMS, vproctl, the udev rule.
"$repo/scripts/install-image.sh" --root "$root" --kernel "$KREL" --kdir "$KDIR" \
	--vproctl "$repo/user/vproctl" >"$out/install-image.log" 2>&1 || {
	cat "$out/install-image.log" >&2
	die "scripts/install-image.sh failed (log: $out/install-image.log)"
}
cat "$out/install-image.log" >&2

# shellcheck source=tests/image/test-me.sh
. "$imgdir/test-me.sh"
add_test_me "$root"

log "writing $out/rootfs.ext4"
rm -f "$out/rootfs.ext4"
mke2fs -q -t ext4 -L vpro-root -d "$root" "$out/rootfs.ext4" 1G ||
	die "mke2fs -d $root failed"

# shellcheck source=tests/image/boot-initramfs.sh
. "$imgdir/boot-initramfs.sh"
make_boot_initramfs "$root" "$out/boot.cpio.gz"
log "done: $out/rootfs.ext4, $out/boot.cpio.gz"
