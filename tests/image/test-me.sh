# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154 # repo, imgdir, out are set by build-rootfs.sh
#
# Test-only additions to the image: the software ME (mesim.ko), the
# firmware model (fwsim), the units that start them and run the check,
# and the settings that let systemd boot unattended. Sourced by
# build-rootfs.sh, which sets repo, imgdir, out, KREL, KDIR and MEI_SRC.

add_test_me() {
	local root=$1 units=$1/etc/systemd/system

	log "building mesim.ko and fwsim"
	rm -rf "$out/mesim"
	if ! make -C "$repo/tests/mesim" KDIR="$KDIR" MEI_SRC="$MEI_SRC" \
		OUT="$out/mesim" >"$out/mesim-build.log" 2>&1; then
		cat "$out/mesim-build.log" >&2
		die "building mesim.ko failed (log: $out/mesim-build.log)"
	fi
	if ! make -C "$repo/tests/fwsim" >"$out/fwsim-build.log" 2>&1; then
		cat "$out/fwsim-build.log" >&2
		die "building fwsim failed (log: $out/fwsim-build.log)"
	fi

	# mesim.ko has no modalias, so nothing loads it but the fwsim unit.
	install -D -m 0644 "$out/mesim/mesim.ko" "$root/lib/modules/$KREL/extra/mesim.ko"
	depmod -b "$root" "$KREL"
	install -D -m 0755 "$repo/tests/fwsim/fwsim" "$root/usr/local/sbin/fwsim"
	install -D -m 0755 "$imgdir/guest/image-check.sh" "$root/usr/local/sbin/vpro-image-check"

	install -m 0644 "$imgdir/guest/vpro-fwsim.service" "$imgdir/guest/vpro-image-check.service" "$units/"
	mkdir -p "$units/sysinit.target.wants" "$units/multi-user.target.wants"
	ln -sf ../vpro-fwsim.service "$units/sysinit.target.wants/vpro-fwsim.service"
	ln -sf ../vpro-image-check.service "$units/multi-user.target.wants/vpro-image-check.service"

	# A machine ID makes this boot not the first one, so
	# systemd-firstboot does not prompt on the console, and masked
	# gettys keep the serial console free for the check's output.
	echo 5ad1f8a3b6e04a4c9d0e7f2b1c3d4e5f >"$root/etc/machine-id"
	for unit in systemd-firstboot.service serial-getty@ttyS0.service \
		serial-getty@ttyS1.service getty@tty1.service; do
		ln -sf /dev/null "$units/$unit"
	done
	echo vpro-image >"$root/etc/hostname"
	echo 'LABEL=vpro-root / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
}
