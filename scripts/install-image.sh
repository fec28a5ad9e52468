#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install vpro_heci.ko, vproctl and the /dev/vpro_apfN udev rule into the
# root file system ROOT of an image for kernel KREL. The module goes to
# ROOT/lib/modules/KREL/updates/ and `depmod -b ROOT KREL` indexes it, so
# udev in the booted image loads it from the MEI modalias of AMT's AMTHI
# or LME client. No modules-load.d entry is needed.
#
# usage: scripts/install-image.sh --root DIR --kernel KREL [--kdir HEADERS]
#            [--ko FILE] [--builder dkms|kbuild] [--vproctl FILE]
#
#   --root DIR       image root; ROOT/lib/modules/KREL must exist already
#                    (the kernel's own modules are installed first)
#   --kernel KREL    kernel release of the image, e.g. 6.12.118+deb12-amd64
#   --kdir HEADERS   kernel headers to build against, default
#                    /lib/modules/KREL/build
#   --ko FILE        install this prebuilt vpro_heci.ko (or .ko.xz) instead
#                    of building; its vermagic must name KREL
#   --builder NAME   dkms (default): dkms add and build, with private
#                    source and DKMS trees under a temporary directory, so
#                    no entry is added to the host's /usr/src or
#                    /var/lib/dkms. dkms 3.0.10 still signs the module with
#                    /var/lib/dkms/mok.key, and creates that key when it is
#                    missing. kbuild: make -C HEADERS M=... directly
#   --vproctl FILE   vproctl binary, default user/vproctl (built with make
#                    when missing)
#
# vproctl goes to ROOT/usr/sbin/vproctl. Each shared library that ldd
# lists for it and ROOT lacks is copied from the host at the same path,
# and reported, because such a copy is not managed by ROOT's package
# manager. Install the Debian runtime packages (libcurl4, libjansson4,
# libnl-genl-3-200, libwslay1, libssl3) into ROOT to avoid the copies.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
aliases="mei:*:12f80028-b4b7-4b2d-aca8-46e0ff65814c:*:*
mei:*:6733a4db-0476-4e7b-b3af-bcfc29bee7a7:*:*"

log() { echo "install-image.sh: $*"; }
die() { echo "install-image.sh: error: $*" >&2; exit 1; }
usage() {
	sed -n 's/^# \{0,1\}//; /^usage:/,/^$/p' "$0" >&2
	exit 2
}

root=
krel=
kdir=
ko=
builder=dkms
vproctl=$repo/user/vproctl

while [ $# -gt 0 ]; do
	case $1 in
	--root | --kernel | --kdir | --ko | --builder | --vproctl)
		if [ $# -lt 2 ] || [ -z "$2" ]; then
			die "option $1 needs a value"
		fi
		case $1 in
		--root) root=$2 ;;
		--kernel) krel=$2 ;;
		--kdir) kdir=$2 ;;
		--ko) ko=$2 ;;
		--builder) builder=$2 ;;
		--vproctl) vproctl=$2 ;;
		esac
		shift 2
		;;
	-h | --help) usage ;;
	*) echo "install-image.sh: invalid argument '$1'" >&2; usage ;;
	esac
done

[ -n "$root" ] || { echo "install-image.sh: --root DIR is missing" >&2; usage; }
[ -n "$krel" ] || { echo "install-image.sh: --kernel KREL is missing" >&2; usage; }
case $krel in
*/* | .* | *[[:space:]]*) die "invalid kernel release '$krel': give a release such as $(uname -r)" ;;
esac
case $builder in
dkms | kbuild) ;;
*) die "invalid --builder '$builder': use dkms or kbuild" ;;
esac
[ -d "$root" ] || die "root directory '$root' not found"
root=$(cd "$root" && pwd)
[ "$root" != / ] || die "--root / would install into the host: give an image root directory"
moddir=$root/lib/modules/$krel
[ -d "$moddir" ] ||
	die "$moddir not found: install the modules of kernel $krel into the image first"
kdir=${kdir:-/lib/modules/$krel/build}
[ "$(id -u)" -eq 0 ] ||
	die "must run as root: the installed files must be owned by root in the image"

work=$(mktemp -d /tmp/install-image.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Copies the files kbuild needs (the same set as the DKMS packaging) to $1.
copy_module_source() {
	mkdir -p "$1/kernel"
	cp "$repo/Kbuild" "$repo/Makefile" "$repo/dkms.conf" "$1/"
	cp "$repo"/kernel/*.c "$repo"/kernel/*.h "$1/kernel/"
	cp -r "$repo/include" "$1/"
}

conf_value() {
	sed -n "s/^$1=\"\(.*\)\"$/\1/p" "$repo/dkms.conf"
}

# Builds with dkms against $kdir and sets ko to the built module.
build_with_dkms() {
	local package version tree=$work/dkms src=$work/src
	command -v dkms >/dev/null || die "dkms not found: apt-get install dkms, or use --builder kbuild"
	package=$(conf_value PACKAGE_NAME)
	version=$(conf_value PACKAGE_VERSION)
	if [ -z "$package" ] || [ -z "$version" ]; then
		die "PACKAGE_NAME or PACKAGE_VERSION not found in $repo/dkms.conf"
	fi
	mkdir -p "$tree"
	copy_module_source "$src/$package-$version"
	log "dkms build $package/$version for $krel against $kdir"
	set -- -m "$package" -v "$version" --sourcetree "$src" --dkmstree "$tree"
	if ! dkms add "$@" >"$work/dkms.log" 2>&1 ||
		! dkms build "$@" -k "$krel" --kernelsourcedir "$kdir" >>"$work/dkms.log" 2>&1; then
		cat "$work/dkms.log" >&2
		find "$tree" -name make.log -exec tail -n 30 {} \; >&2
		die "dkms build for $krel failed: check that $kdir contains the headers of $krel"
	fi
	ko=$(find "$tree/$package/$version/$krel" -name 'vpro_heci.ko*' | head -n 1)
	[ -n "$ko" ] || die "dkms build reported success but no vpro_heci.ko* is in $tree"
}

# Builds with kbuild against $kdir and sets ko. Debian's headers Makefile
# is one `include /usr/src/linux-headers-...-common/Makefile` line; when
# that path is missing (headers unpacked elsewhere, as by
# scripts/fetch-kernel.sh), the -common Makefile beside HEADERS is used.
build_with_kbuild() {
	local src=$work/src makefile=$kdir/Makefile inc alt
	inc=$(sed -n 's/^include //p' "$makefile")
	alt=$kdir/../$(basename "$(dirname "$inc")")/Makefile
	if [ -n "$inc" ] && [ ! -f "$inc" ] && [ -f "$alt" ]; then
		makefile=$(realpath "$alt")
	fi
	copy_module_source "$src"
	log "kbuild vpro_heci.ko for $krel against $kdir"
	if ! make -j2 -C "$kdir" -f "$makefile" M="$src" modules >"$work/kbuild.log" 2>&1; then
		tail -n 30 "$work/kbuild.log" >&2
		die "kbuild for $krel failed: check that $kdir contains the headers of $krel"
	fi
	ko=$src/vpro_heci.ko
}

if [ -n "$ko" ]; then
	[ -f "$ko" ] || die "module '$ko' not found"
else
	[ -f "$kdir/Makefile" ] ||
		die "no kernel headers in '$kdir': install linux-headers-$krel, pass --kdir HEADERS or --ko FILE"
	"build_with_$builder"
fi

vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
case $vermagic in
"$krel "*) ;;
*) die "$ko is built for '${vermagic%% *}', not $krel: rebuild it against the $krel headers" ;;
esac
found=$(modinfo -F alias "$ko" | sort)
[ "$found" = "$(echo "$aliases" | sort)" ] ||
	die "$ko has aliases '$(echo "$found" | tr '\n' ' ')', expected the AMTHI and LME MEI aliases"

# The module, indexed so udev finds it by modalias.
name=vpro_heci.ko${ko##*vpro_heci.ko}
find "$moddir" -path "$moddir/updates*" -name 'vpro_heci.ko*' -delete 2>/dev/null || true
install -D -m 0644 -o root -g root "$ko" "$moddir/updates/$name"
depmod -b "$root" "$krel"
for alias in $aliases; do
	grep -qF "alias $alias vpro_heci" "$moddir/modules.alias" ||
		die "depmod did not index 'alias $alias vpro_heci' in $moddir/modules.alias"
done
log "installed /lib/modules/$krel/updates/$name and ran depmod"

# The APF device: vpro_heci creates it 0600 and the rule keeps it so on
# systems whose rules give misc devices a group.
install -D -m 0644 /dev/stdin "$root/etc/udev/rules.d/60-vpro-heci.rules" <<'RULE'
# /dev/vpro_apfN relays TCP streams to Intel AMT's local ports (vpro_heci).
SUBSYSTEM=="misc", KERNEL=="vpro_apf[0-9]*", OWNER="root", GROUP="root", MODE="0600"
RULE
log "installed /etc/udev/rules.d/60-vpro-heci.rules"

# vproctl and the libraries ROOT lacks.
if [ ! -x "$vproctl" ] && [ "$vproctl" = "$repo/user/vproctl" ]; then
	make -C "$repo/user" >"$work/vproctl-build.log" 2>&1 || {
		cat "$work/vproctl-build.log" >&2
		die "building user/vproctl failed"
	}
fi
[ -x "$vproctl" ] || die "vproctl binary '$vproctl' not found or not executable"
install -D -m 0755 -o root -g root "$vproctl" "$root/usr/sbin/vproctl"
copied=0
for lib in $(ldd "$vproctl" | grep -o '/[^ ]*'); do
	# -e follows ROOT's relative symlinks, such as lib -> usr/lib.
	if [ ! -e "$root$lib" ]; then
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
		log "copied $lib from the host: ROOT has no such library"
		copied=$((copied + 1))
	fi
done
if [ -x "$root/usr/bin/ldd" ] && [ -x "$root/bin/bash" ]; then
	missing=$(chroot "$root" /usr/bin/ldd /usr/sbin/vproctl 2>&1 | grep 'not found' || true)
	[ -z "$missing" ] || die "vproctl in $root still lacks libraries: $missing"
fi
log "installed /usr/sbin/vproctl ($copied libraries copied from the host)"
