#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build vpro_heci.ko, mesim.ko and the userspace programs for one Debian
# test kernel, pack them into an initramfs and boot it under QEMU (TCG).
#
# usage: tests/vm/run.sh KVER MODE [SKU]
#   KVER  6.1 or 6.12 (a kernel unpacked by scripts/fetch-kernel.sh), or
#         debug (KASAN, lockdep and kmemleak, built by
#         scripts/build-debug-kernel.sh)
#   MODE  check: run every suite in tests/vm/suites and print TAP
#         run:   demonstration (capability, vproctl info, activation)
#   SKU   amt (default), ism or none; only used by MODE run
#
# Environment (all optional):
#   VPRO_VM_COMPONENTS  what to build and pack, default
#                       "module mesim vproctl fwsim rps selftests"
#   VPRO_VM_SUITES      suite list, default tests/vm/suites, plus
#                       tests/vm/suites.debug for KVER debug
#   VPRO_VM_EXTRA_BIN   directory whose files are copied to the guest's
#                       /usr/bin (for trying the runner with stub programs)
#   VPRO_VM_TIMEOUT     seconds before QEMU is killed, default 900
#                       (2700 for debug)
#   VPRO_SUITE_TIMEOUT  seconds before one guest suite is killed, default 180
#                       (540 for debug)
#   VPRO_RPS_URL        MODE run only: activate against this RPS instead of
#                       the in-guest rps-peer. The URL must be
#                       ws[s]://127.0.0.1|localhost|[::1][:PORT]/PATH; the
#                       runner forwards the guest's loopback PORT to the
#                       host's PORT over virtio-serial (tests/vm/portfwd.c)
#   VPRO_RPS_PROFILE    RPS profile name, needed with VPRO_RPS_URL
#   VPRO_RPS_CA         PEM file of the CA that signed the RPS certificate
#                       (wss://), copied into the guest for vproctl --ca
#   VPRO_AMT_PASSWORD   AMT password, given to vproctl --password-file
#
# Outputs in build/KVER/: guest.log (the whole serial console),
# results.log (the guest's second serial port: TAP and the kernel log
# dump). Exit status 0 only when every suite passed and the guest kernel
# log is clean.
set -euo pipefail

usage() {
	echo "usage: $0 6.1|6.12|debug check|run [amt|ism|none]" >&2
	exit 2
}

kver=${1:-}
mode=${2:-}
sku=${3:-amt}
case $kver in 6.1 | 6.12 | debug) ;; *) echo "run.sh: invalid KVER '$kver': use 6.1, 6.12 or debug" >&2; usage ;; esac
case $mode in check | run) ;; *) echo "run.sh: invalid MODE '$mode': use check or run" >&2; usage ;; esac
case $sku in amt | ism | none) ;; *) echo "run.sh: invalid SKU '$sku': use amt, ism or none" >&2; usage ;; esac

repo=$(cd "$(dirname "$0")/../.." && pwd)
vmdir=$repo/tests/vm
out=$repo/build/$kver
components=${VPRO_VM_COMPONENTS-module mesim vproctl fwsim rps selftests}
suites=${VPRO_VM_SUITES:-$vmdir/suites}
extra_bin=${VPRO_VM_EXTRA_BIN:-}
# The guest timeout is about twice the measured run time. A full check
# run took about 460 s of guest time on 6.1 and 6.12 with 47 suites, and
# 970 s on the debug kernel, because KASAN, lockdep and kmemleak slow it
# down under TCG. So the debug guest also gets three times the suite
# timeout.
if [ "$kver" = debug ]; then
	vm_timeout=${VPRO_VM_TIMEOUT:-2700}
	suite_timeout=${VPRO_SUITE_TIMEOUT:-540}
else
	vm_timeout=${VPRO_VM_TIMEOUT:-900}
	suite_timeout=${VPRO_SUITE_TIMEOUT:-180}
fi

for value in "$vm_timeout" "$suite_timeout"; do
	case $value in
	'' | *[!0-9]*) echo "run.sh: invalid timeout '$value': give whole seconds" >&2; exit 2 ;;
	esac
done
if [ "$mode" = check ] && [ ! -f "$suites" ]; then
	echo "run.sh: suite list $suites not found: set VPRO_VM_SUITES or create it" >&2
	exit 2
fi
if [ -n "$extra_bin" ] && [ ! -d "$extra_bin" ]; then
	echo "run.sh: VPRO_VM_EXTRA_BIN=$extra_bin is not a directory" >&2
	exit 2
fi
# shellcheck source=tests/vm/lib.sh
. "$vmdir/lib.sh"
rps_url=${VPRO_RPS_URL:-}
rps_profile=${VPRO_RPS_PROFILE:-}
rps_ca=${VPRO_RPS_CA:-}
amt_password=${VPRO_AMT_PASSWORD:-}
if [ -n "$rps_url" ]; then
	check_rps_url "$rps_url" "$mode" "$sku" "$rps_profile" "$rps_ca" || exit 2
	# check_rps_url sets rps_port and rps_target.
fi

log() { echo "run.sh[$kver]: $*" >&2; }
die() { log "error: $*"; exit 1; }
has() { case " $components " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

env_file=$repo/build/kernels/$kver/kernel.env
if [ "$kver" = debug ]; then
	# Reuses the cached build when the config fragment is unchanged.
	"$repo/scripts/build-debug-kernel.sh"
elif [ ! -f "$env_file" ]; then
	log "kernel $kver not unpacked yet: running scripts/fetch-kernel.sh"
	"$repo/scripts/fetch-kernel.sh" "$kver" "$repo/build/kernels"
fi
# shellcheck source=/dev/null
. "$env_file"
for var in KREL VMLINUZ KDIR MODDIR MEI_SRC SELFTESTS; do
	[ -n "${!var:-}" ] || die "$env_file does not set $var: delete build/kernels/$kver and rerun"
done
[ -f "$VMLINUZ" ] || die "kernel image $VMLINUZ not found: delete build/kernels/$kver and rerun"

# One run per kernel at a time: runs share build/KVER (objects, initramfs,
# logs), so a second run waits for the first.
mkdir -p "$out"
exec 9>"$out/.lock"
if ! flock -n 9; then
	log "another run.sh for $kver is using build/$kver: waiting up to $((vm_timeout + 600)) s"
	flock -w $((vm_timeout + 600)) 9 || die "build/$kver still locked after $((vm_timeout + 600)) s"
fi
build_failed=0

# Kernel modules, per kernel: a private copy of the tree keeps the objects
# of the two kernels apart.
if has module || has mesim; then
	copy_tree "$repo" "$out/src"
fi
if has module; then
	build_step "vpro_heci.ko" "$out/module-build.log" \
		kbuild "$KDIR" M="$out/src" modules || build_failed=1
fi
if has mesim; then
	if [ -f "$out/src/tests/mesim/Kbuild" ] || [ -f "$out/src/tests/mesim/Makefile" ]; then
		build_step "mesim.ko" "$out/mesim-build.log" \
			kbuild "$KDIR" M="$out/src/tests/mesim" MEI_SRC="$MEI_SRC" modules || build_failed=1
	else
		log "error: tests/mesim/Kbuild not found: mesim.ko cannot be built"
		build_failed=1
	fi
fi

# Userspace: built in place, the same binaries serve both kernels.
user_step() {
	local name=$1 dir=$2
	shift 2
	if [ ! -f "$dir/Makefile" ]; then
		log "error: $dir/Makefile not found: $name cannot be built"
		return 1
	fi
	build_step "$name" "$out/$name-build.log" make -C "$dir" "$@"
}
if has vproctl; then user_step vproctl "$repo/user" || build_failed=1; fi
if has fwsim; then user_step fwsim "$repo/tests/fwsim" || build_failed=1; fi
if has rps; then user_step rps-peer "$repo/tests/rps" || build_failed=1; fi
# apf_bench's relay is the LMS stand-in of rps_edges_test.sh.
if has vproctl; then
	user_step apf_bench "$repo/tests/bench" O="$out/bench" || build_failed=1
fi
if [ -n "$rps_url" ]; then
	build_step portfwd "$out/portfwd-build.log" \
		cc -Wall -Wextra -Werror -O2 -o "$out/portfwd" "$vmdir/portfwd.c" || build_failed=1
fi
if has selftests; then
	rm -rf "$out/guest-tests"
	user_step guest-tests "$repo/tests/selftests/vpro_heci" \
		SELFTESTS="$SELFTESTS" OUTPUT="$out/guest-tests-build" \
		INSTALL_PATH="$out/guest-tests" all install || build_failed=1
fi
[ "$build_failed" -eq 0 ] || die "build failed (logs in build/$kver/*-build.log)"

# Initramfs.
root=$out/initramfs
rm -rf "$root"
make_base_root "$root"
install -m 0755 "$vmdir/guest-init.sh" "$root/init"

mkdir -p "$root/lib/modules/vpro"
modules=mei
install_mei_ko "$MODDIR" "$root/lib/modules/vpro/mei.ko"
if has mesim; then
	cp "$out/src/tests/mesim/mesim.ko" "$root/lib/modules/vpro/"
	modules="$modules mesim"
fi
if has module; then
	cp "$out/src/vpro_heci.ko" "$root/lib/modules/vpro/"
	modules="$modules vpro_heci"
fi

if has vproctl; then
	add_program "$root" "$repo/user/vproctl" /usr/bin
	add_program "$root" "$out/bench/apf_bench" /usr/bin
fi
if has fwsim; then add_program "$root" "$repo/tests/fwsim/fwsim" /usr/bin; fi
if has rps; then
	[ -x "$repo/tests/rps/rps-peer" ] || die "tests/rps built but tests/rps/rps-peer not found"
	add_program "$root" "$repo/tests/rps/rps-peer" /usr/bin
	add_rps_certs "$root" "$out/certs"
	# The certificate for another host name, for the host name check.
	cp "$out/certs/wrong-name.pem" "$out/certs/wrong-name.key" "$root/etc/vpro-vm/certs/"
fi
if has selftests; then
	for prog in "$out"/guest-tests/*; do
		[ -f "$prog" ] && add_program "$root" "$prog" /usr/lib/vpro/tests
	done
fi
for prog in "$vmdir"/guest/*; do
	add_program "$root" "$prog" /usr/lib/vpro/tests
done
if [ -n "$extra_bin" ]; then
	for prog in "$extra_bin"/*; do
		[ -f "$prog" ] && add_program "$root" "$prog" /usr/bin
	done
fi
add_program "$root" "$(command -v openssl)" /usr/bin
# tinyproxy (Debian's tinyproxy-bin) is the HTTP CONNECT proxy of
# proxy_test.sh, which reports it missing.
if command -v tinyproxy >/dev/null; then
	add_program "$root" "$(command -v tinyproxy)" /usr/bin
fi
if [ -n "$rps_url" ]; then
	add_program "$root" "$out/portfwd" /usr/bin
	install_virtio_console "$MODDIR" "$root/lib/modules/virtio"
	if [ -n "$rps_ca" ]; then
		mkdir -p "$root/etc/vpro-vm"
		cp "$rps_ca" "$root/etc/vpro-vm/rps-ca.pem"
	fi
	if [ -n "$amt_password" ]; then
		mkdir -p "$root/etc/vpro-vm"
		(umask 077 && printf '%s\n' "$amt_password" >"$root/etc/vpro-vm/amt-password")
	fi
fi
add_program "$root" /bin/bash /bin

mkdir -p "$root/etc/vpro-vm"
if [ "$mode" = check ]; then
	cp "$suites" "$root/etc/vpro-vm/suites"
	# Suites that need the debug kernel's fault injection run only there.
	if [ "$kver" = debug ] && [ -z "${VPRO_VM_SUITES:-}" ]; then
		cat "$vmdir/suites.debug" >>"$root/etc/vpro-vm/suites"
	fi
fi
cat >"$root/etc/vpro-vm/config" <<CONF
VM_MODE=$mode
VM_SKU=$sku
VM_MODULES="$modules"
VM_SUITE_TIMEOUT=$suite_timeout
VM_RPS_URL='$rps_url'
VM_RPS_PORT='${rps_port:-}'
VM_RPS_PROFILE='$rps_profile'
CONF

initrd=$out/initramfs.cpio.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$initrd"
log "initramfs $(du -h "$initrd" | cut -f1) with modules: $modules"

# Boot. Serial port 0 is the console, saved as guest.log. The guest also
# writes its TAP and its kernel log dump to serial port 1 (results.log),
# where kernel messages cannot interleave with them.
guest_log=$out/guest.log
results=$out/results.log
rm -f "$guest_log" "$results"
log "booting $KREL under QEMU TCG (timeout ${vm_timeout} s, mode $mode)"
fwd_args=()
fwd_pid=
if [ -n "$rps_url" ]; then
	start_portfwd "$out/portfwd.sock" "$rps_target" "$out/portfwd.log"
	fwd_args=(-device virtio-serial-pci -chardev "socket,id=rps,path=$out/portfwd.sock"
		-device virtserialport,chardev=rps,name=vpro.rps)
fi
start=$(date +%s)
qemu_rc=0
timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
	-machine q35 -accel tcg -cpu max -m 1024 -smp 2 \
	-display none -monitor none -no-reboot \
	-serial stdio -serial "file:$results" "${fwd_args[@]}" \
	-kernel "$VMLINUZ" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=7 panic=-1 oops=panic rdinit=/init" \
	</dev/null >"$guest_log" 2>&1 || qemu_rc=$?
elapsed=$(($(date +%s) - start))
if [ -n "$fwd_pid" ]; then
	stop_portfwd
	sed 's/^/# /' "$out/portfwd.log" >&2
fi
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	log "QEMU killed after ${vm_timeout} s: the guest hung (see build/$kver/guest.log)"
fi
log "guest ran for ${elapsed} s (QEMU exit status $qemu_rc)"

check_guest "$mode" "$guest_log" "$results"
