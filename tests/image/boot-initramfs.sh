# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154 # imgdir, out are set by build-rootfs.sh
#
# The boot initramfs of the image. Debian's kernel builds virtio_blk and
# ext4 as modules, so a small busybox initramfs loads them (with their
# dependencies, as depmod resolved them in the image) and switches to
# the ext4 root on /dev/vda. Sourced by build-rootfs.sh.

# Writes the initramfs for image root $1 to file $2.
make_boot_initramfs() {
	local root=$1 cpio=$2 dir=$out/boot-initramfs module ko name applet
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$dir/bin/busybox"
	for applet in sh mount umount insmod switch_root sleep poweroff echo cat; do
		ln -s busybox "$dir/bin/$applet"
	done

	: >"$dir/modules/order"
	for module in virtio_blk ext4; do
		for ko in $(modprobe -d "$root" -S "$KREL" --show-depends "$module" |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'); do
			name=$(basename "$ko")
			name=${name%.xz}
			case $ko in
			*.xz) xz -dc "$ko" >"$dir/modules/$name" ;;
			*) cp "$ko" "$dir/modules/$name" ;;
			esac
			echo "$name" >>"$dir/modules/order"
		done
	done
	[ -s "$dir/modules/order" ] ||
		die "modprobe found no virtio_blk or ext4 module under $root/lib/modules/$KREL"
	install -m 0755 "$imgdir/guest/boot-init.sh" "$dir/init"
	(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$cpio"
}
