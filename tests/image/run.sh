#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build the Debian 12 test image (tests/image/build-rootfs.sh), boot it
# with the Debian 6.12 test kernel under QEMU (TCG) and judge the TAP
# that the image's check unit prints. Fails on a `not ok` line, a missing
# plan or summary, a timeout, a kernel BUG:, WARNING:, oops or an
# unexpected taint flag.
#
# usage: tests/image/run.sh   (as root, on Debian 12)
#
# Environment (optional):
#   VPRO_IMAGE_TIMEOUT  seconds before QEMU is killed, default 480
#   VPRO_IMAGE_CACHE    debootstrap cache directory, default /var/cache/vpro_heci
#   VPRO_IMAGE_NO_BUILD 1: boot the existing build/image/rootfs.ext4 and
#                       boot.cpio.gz without rebuilding them (for
#                       debugging an image changed by hand)
#
# Outputs in build/image/: build.log, guest.log (serial console),
# results.log (second serial port: the TAP and the kernel log).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/build/image
vm_timeout=${VPRO_IMAGE_TIMEOUT:-480}

log() { echo "image/run.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

case $vm_timeout in
'' | *[!0-9]*) die "invalid VPRO_IMAGE_TIMEOUT '$vm_timeout': give whole seconds" ;;
esac
kver=6.12
# shellcheck source=/dev/null
. "$repo/tests/vm/lib.sh"

mkdir -p "$out"
exec 9>"$out/.lock"
flock -w 900 9 || die "build/image is still locked by another run.sh after 900 s: wait for it to finish"

start=$(date +%s)
if [ "${VPRO_IMAGE_NO_BUILD:-}" = 1 ]; then
	for file in rootfs.ext4 boot.cpio.gz; do
		[ -f "$out/$file" ] || die "VPRO_IMAGE_NO_BUILD=1 but build/image/$file not found: run without it first"
	done
	log "VPRO_IMAGE_NO_BUILD=1: booting the existing image"
elif ! "$repo/tests/image/build-rootfs.sh" "$out" >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	die "building the image failed (log: build/image/build.log)"
else
	log "image built in $(($(date +%s) - start)) s"
fi

# shellcheck source=/dev/null
. "$repo/build/kernels/$kver/kernel.env"
guest_log=$out/guest.log
results=$out/results.log
rm -f "$guest_log" "$results"
log "booting $KREL under QEMU TCG (timeout $vm_timeout s)"
start=$(date +%s)
qemu_rc=0
# snapshot=on keeps rootfs.ext4 unchanged, so every boot starts the same.
timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
	-machine q35 -accel tcg -cpu max -m 1024 -smp 2 \
	-display none -monitor none -no-reboot -nic none \
	-serial stdio -serial "file:$results" \
	-kernel "$VMLINUZ" -initrd "$out/boot.cpio.gz" \
	-drive "file=$out/rootfs.ext4,if=virtio,format=raw,snapshot=on" \
	-append "console=ttyS0 loglevel=6 panic=-1 oops=panic rdinit=/init" \
	</dev/null >"$guest_log" 2>&1 || qemu_rc=$?
elapsed=$(($(date +%s) - start))
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	log "FAIL: QEMU killed after $vm_timeout s: the guest hung (see build/image/guest.log)"
fi
log "guest ran for $elapsed s (QEMU exit status $qemu_rc)"

clean=$results.txt
tr -d '\r' <"$results" >"$clean" 2>/dev/null || : >"$clean"
status=0
sed -n '/^==== vpro-image dmesg begin/q;p' "$clean"
if grep -q '^not ok ' "$clean"; then
	log "FAIL: image checks failed:"
	grep '^not ok ' "$clean" >&2
	status=1
fi
if ! grep -Eq '^1\.\.[0-9]+$' "$clean"; then
	log "FAIL: no TAP plan from the image: it crashed, hung or the check unit did not run (see build/image/guest.log)"
	grep -E 'boot-init|Failed|FAILED|Kernel panic' "$guest_log" | head -n 20 >&2 || true
	status=1
fi
if ! grep -Eq '^[0-9]+ passed, 0 failed$' "$clean"; then
	log "FAIL: no '0 failed' summary line from the image"
	status=1
fi

# Only kernel lines (with a printk timestamp) count.
pattern='^\[ *[0-9]+\.[0-9]+\].*(BUG:|WARNING:|Oops|refcount_t|general protection)'
if tr -d '\r' <"$guest_log" | cat - "$clean" | grep -E "$pattern" >"$results.kernel-errors"; then
	log "FAIL: the guest kernel log reports errors:"
	sort -u "$results.kernel-errors" >&2
	status=1
fi
taint=$(sed -n 's/^tainted: \([0-9][0-9]*\)$/\1/p' "$clean" | tail -n 1)
if [ -z "$taint" ]; then
	log "FAIL: the image did not report its taint mask"
	status=1
else
	bad=$(bad_taint_flags "$taint")
	if [ -n "$bad" ]; then
		log "FAIL: guest kernel tainted with flags '$bad' (mask $taint); only O and E are expected"
		status=1
	fi
fi
if [ "$status" -eq 0 ]; then
	log "PASS"
fi
exit "$status"
