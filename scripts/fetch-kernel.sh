#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Unpack one Debian kernel (image, headers, kbuild, and the private MEI
# headers from linux-source) into a cache directory, without installing it
# on the host. Versions are looked up in apt, never hard-coded.
#
# usage: fetch-kernel.sh KVER CACHE_DIR
#   KVER is 6.1 (Debian 12's linux-image-amd64) or 6.12 (linux-image-6.12-amd64)
# On success CACHE_DIR/KVER/kernel.env defines KREL, VMLINUZ, KDIR, MODDIR,
# MEI_SRC, SELFTESTS, CHECKPATCH and LINUX_SOURCE for make and the VM runner.
set -euo pipefail

kver=${1:?usage: fetch-kernel.sh KVER CACHE_DIR}
cache=$(realpath -m "${2:?usage: fetch-kernel.sh KVER CACHE_DIR}")
dir=$cache/$kver
[ -f "$dir/kernel.env" ] && exit 0

case $kver in
6.1)  meta_image=linux-image-amd64;      meta_headers=linux-headers-amd64 ;;
6.12) meta_image=linux-image-6.12-amd64; meta_headers=linux-headers-6.12-amd64 ;;
*)    echo "fetch-kernel.sh: unknown KVER '$kver': use 6.1 or 6.12" >&2; exit 2 ;;
esac

# Print the first dependency of a Debian metapackage, which names the
# versioned package behind it.
first_dep() {
	apt-cache depends "$1" | awk '/Depends:/ { print $2; exit }'
}

image=$(first_dep "$meta_image")
headers=$(first_dep "$meta_headers")
if [ -z "$image" ] || [ -z "$headers" ]; then
	echo "fetch-kernel.sh: apt knows no $meta_image/$meta_headers: run apt-get update" >&2
	exit 1
fi
krel=${image#linux-image-}
common=$(apt-cache depends "$headers" | awk '/Depends: linux-headers-.*-common/ { print $2; exit }')
kbuild=$(apt-cache depends "$headers" | awk '/Depends: linux-kbuild/ { print $2; exit }')
source_pkg=linux-source-$kver

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
(cd "$dir.tmp/debs" && apt-get -q -o APT::Sandbox::User=root download "$image" "$headers" "$common" "$kbuild" "$source_pkg" >/dev/null)
for deb in "$dir.tmp"/debs/*.deb; do
	case $deb in
	*linux-source*) dpkg-deb -x "$deb" "$dir.tmp/src" ;;
	*) dpkg-deb -x "$deb" "$dir.tmp/root" ;;
	esac
done

# Only drivers/misc/mei is needed from the source tree: the software ME
# implements struct mei_hw_ops from its private headers.
# The kselftest harness headers and checkpatch come from the same tree.
tarball=$(ls "$dir.tmp"/src/usr/src/linux-source-*.tar.*)
mv "$tarball" "$dir.tmp/linux-source.tar.${tarball##*.tar.}"
tarball=$(ls "$dir.tmp"/linux-source.tar.*)
mkdir -p "$dir.tmp/mei-src" "$dir.tmp/selftests" "$dir.tmp/checkpatch"
tar -xf "$tarball" -C "$dir.tmp/mei-src" --strip-components=4 --wildcards '*/drivers/misc/mei/*.h'
tar -xf "$tarball" -C "$dir.tmp/selftests" --strip-components=4 \
	--wildcards '*/tools/testing/selftests/kselftest.h' '*/tools/testing/selftests/kselftest_harness.h'
tar -xf "$tarball" -C "$dir.tmp/checkpatch" --strip-components=2 \
	--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
rm -rf "$dir.tmp/src" "$dir.tmp/debs"

cat >"$dir.tmp/kernel.env" <<ENV
KREL=$krel
VMLINUZ=$dir/root/boot/vmlinuz-$krel
KDIR=$dir/root/usr/src/linux-headers-$krel
MODDIR=$dir/root/lib/modules/$krel
MEI_SRC=$dir/mei-src
SELFTESTS=$dir/selftests
CHECKPATCH=$dir/checkpatch/checkpatch.pl
LINUX_SOURCE=$dir/$(basename "$tarball")
ENV
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "fetch-kernel.sh: $kver is $krel in $dir"
