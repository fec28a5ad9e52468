#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build the debug test kernel (KASAN, KFENCE, UBSAN, lockdep, kmemleak,
# fault injection) from Debian's linux-source-6.12 and write
# build/kernels/debug/kernel.env, so `tests/vm/run.sh debug check` and
# `make check-vm KVER=debug` boot it like the Debian kernels.
#
# usage: scripts/build-debug-kernel.sh
#
# The config is the x86_64 defconfig plus tests/debug-kernel/debug.config.
# The build is cached in /var/cache/vpro_heci/debug-kernel-HASH (or in
# build/debug-kernel/debug-kernel-HASH when /var/cache is not writable),
# where HASH covers the fragment and the source release, so a fresh clone
# on the same machine reuses it. Delete the directory after changing how
# this script builds. Environment (optional):
#   VPRO_DEBUG_KERNEL_CACHE  cache root instead of /var/cache/vpro_heci
#   VPRO_DEBUG_KERNEL_JOBS   make -j value, default 2
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fragment=$repo/tests/debug-kernel/debug.config
env_dir=$repo/build/kernels/debug
jobs=${VPRO_DEBUG_KERNEL_JOBS:-2}

log() { echo "build-debug-kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

case $jobs in
'' | *[!0-9]* | 0) die "invalid VPRO_DEBUG_KERNEL_JOBS '$jobs': give a positive number of jobs" ;;
esac
[ -f "$fragment" ] || die "config fragment $fragment not found"

# The source tarball, checkpatch and the kselftest headers come with the
# Debian 6.12 kernel that scripts/fetch-kernel.sh unpacks.
base_env=$repo/build/kernels/6.12/kernel.env
if [ ! -f "$base_env" ]; then
	log "kernel 6.12 not unpacked yet: running scripts/fetch-kernel.sh"
	"$repo/scripts/fetch-kernel.sh" 6.12 "$repo/build/kernels"
fi
base_krel=$(sed -n 's/^KREL=//p' "$base_env")
tarball=$(sed -n 's/^LINUX_SOURCE=//p' "$base_env")
[ -f "$tarball" ] || die "linux source $tarball from $base_env not found: delete build/kernels/6.12 and rerun"

hash=$({ cat "$fragment"; echo "$base_krel"; } | sha256sum | cut -c1-16)
cache_root=${VPRO_DEBUG_KERNEL_CACHE:-/var/cache/vpro_heci}
if ! mkdir -p "$cache_root" 2>/dev/null || [ ! -w "$cache_root" ]; then
	log "$cache_root is not writable: caching in build/debug-kernel"
	cache_root=$repo/build/debug-kernel
	mkdir -p "$cache_root"
fi
cache=$cache_root/debug-kernel-$hash
src=$cache/src
obj=$cache/obj
staging=$cache/staging
mkdir -p "$cache"

# One build per cache directory at a time, so a second caller waits.
exec 9>"$cache/.lock"
flock -w 7200 9 || die "$cache still locked after 2 hours"

# Checks that every option of the fragment has its value in .config $1.
# Prints each option that olddefconfig changed (a missing dependency or a
# misspelt name) and returns non-zero when there is one.
check_config() {
	local config=$1 line name bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" && continue
			name=${line%%=*}
			;;
		'# CONFIG_'*' is not set')
			name=${line#\# }
			name=${name%% *}
			! grep -q "^$name=" "$config" && continue
			;;
		*) continue ;;
		esac
		log "fragment line '$line' is not in the final config, which has: $(grep -E "^(# )?${name}[= ]" "$config" || echo 'no such option')"
		bad=1
	done <"$fragment"
	return $bad
}

# Applies the fragment to .config $1 with the kernel's scripts/config.
apply_fragment() {
	local config=$1 line name value
	while IFS= read -r line; do
		case $line in
		CONFIG_*=\"*)
			name=${line%%=*}
			value=${line#*=\"}
			"$src/scripts/config" --file "$config" --set-str "${name#CONFIG_}" "${value%\"}"
			;;
		CONFIG_*=*)
			name=${line%%=*}
			"$src/scripts/config" --file "$config" --set-val "${name#CONFIG_}" "${line#*=}"
			;;
		'# CONFIG_'*' is not set')
			name=${line#\# CONFIG_}
			"$src/scripts/config" --file "$config" --disable "${name%% *}"
			;;
		esac
	done <"$fragment"
}

if [ ! -f "$cache/.built" ]; then
	start=$(date +%s)
	if [ ! -f "$cache/.extracted" ]; then
		log "extracting $tarball into $src"
		rm -rf "$src"
		mkdir -p "$src"
		tar -xf "$tarball" -C "$src" --strip-components=1
		touch "$cache/.extracted"
	fi

	log "configuring in $obj: x86_64 defconfig + $fragment"
	mkdir -p "$obj"
	make -C "$src" O="$obj" ARCH=x86_64 defconfig >"$cache/config.log" 2>&1 ||
		die "make defconfig failed (log: $cache/config.log)"
	apply_fragment "$obj/.config"
	make -C "$src" O="$obj" ARCH=x86_64 olddefconfig >>"$cache/config.log" 2>&1 ||
		die "make olddefconfig failed (log: $cache/config.log)"
	check_config "$obj/.config" ||
		die "olddefconfig dropped options of $fragment: fix their dependencies there"

	log "building bzImage and modules with -j$jobs under nice -n 19 (log: $cache/build.log)"
	if ! nice -n 19 make -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" bzImage modules \
		>"$cache/build.log" 2>&1; then
		tail -n 40 "$cache/build.log" >&2
		die "kernel build failed (log: $cache/build.log)"
	fi
	rm -rf "$staging"
	make -C "$src" O="$obj" ARCH=x86_64 INSTALL_MOD_PATH="$staging" modules_install \
		>>"$cache/build.log" 2>&1 || die "modules_install failed (log: $cache/build.log)"
	echo "$(($(date +%s) - start))" >"$cache/build-seconds"
	touch "$cache/.built"
	log "built in $(cat "$cache/build-seconds") s"
else
	log "reusing the build in $cache (built in $(cat "$cache/build-seconds" 2>/dev/null || echo '?') s)"
fi

krel=$(cat "$obj/include/config/kernel.release")
[ -f "$staging/lib/modules/$krel/kernel/drivers/misc/mei/mei.ko" ] ||
	die "mei.ko not found in $staging/lib/modules/$krel: check CONFIG_INTEL_MEI in $obj/.config"
mkdir -p "$env_dir"
cat >"$env_dir/kernel.env.tmp" <<ENV
KREL=$krel
VMLINUZ=$obj/arch/x86/boot/bzImage
KDIR=$obj
MODDIR=$staging/lib/modules/$krel
MEI_SRC=$src/drivers/misc/mei
SELFTESTS=$src/tools/testing/selftests
CHECKPATCH=$src/scripts/checkpatch.pl
LINUX_SOURCE=$tarball
ENV
mv "$env_dir/kernel.env.tmp" "$env_dir/kernel.env"
log "debug kernel $krel: $env_dir/kernel.env"
