#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /init of the image's boot initramfs (busybox sh). Loads the modules
# listed in /modules/order (virtio_blk, ext4 and their dependencies),
# mounts /dev/vda read-write and hands over to systemd. Powers off with
# a message when the root cannot be mounted, so the host reads the error in the console log
# instead of a kernel panic or a hang.

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "boot-init: error: $*"
	sleep 1
	poweroff -f
}

while read -r name; do
	# A module the kernel rejects (crc32c-intel on a CPU without SSE4.2)
	# is reported; the mount below decides whether it mattered.
	insmod "/modules/$name" || echo "boot-init: insmod $name failed"
done </modules/order

i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -b /dev/vda ] || fail "/dev/vda did not appear within 10 s: is the image attached with if=virtio?"
mount -t ext4 -o rw /dev/vda /newroot || fail "mounting /dev/vda as ext4 failed"

umount /proc /sys /dev
exec switch_root /newroot /sbin/init
