#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Checks the MEI bus as fwsim sets it up for $VPRO_SKU: with amt or ism,
# the AMTHI and LME clients are on the bus and bound to vpro_heci; with
# none, neither client is on the bus.

amthi=12f80028-b4b7-4b2d-aca8-46e0ff65814c
lme=6733a4db-0476-4e7b-b3af-bcfc29bee7a7
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# Prints the sysfs directory of the MEI bus device with UUID $1.
find_client() {
	for dev in /sys/bus/mei/devices/*; do
		[ -f "$dev/uuid" ] || continue
		if [ "$(cat "$dev/uuid")" = "$1" ]; then
			echo "$dev"
			return 0
		fi
	done
	return 1
}

if [ ! -e /dev/mei0 ]; then
	fail "/dev/mei0 missing: mesim and fwsim did not register an MEI device"
fi
echo "MEI bus devices:"
for dev in /sys/bus/mei/devices/*; do
	[ -f "$dev/uuid" ] && echo "  $(basename "$dev") uuid=$(cat "$dev/uuid")"
done

for client in amthi lme; do
	eval uuid=\$$client
	dev=$(find_client "$uuid")
	case ${VPRO_SKU:-} in
	amt | ism)
		if [ -z "$dev" ]; then
			fail "$client client $uuid not on the MEI bus with SKU $VPRO_SKU"
			continue
		fi
		driver=$(basename "$(readlink "$dev/driver")")
		if [ "$driver" != vpro_heci ]; then
			fail "$client client bound to driver '$driver', expected vpro_heci"
		fi
		;;
	none)
		if [ -n "$dev" ]; then
			fail "$client client $uuid on the MEI bus with SKU none"
		fi
		;;
	*)
		fail "invalid VPRO_SKU '${VPRO_SKU:-}': expected amt, ism or none"
		;;
	esac
done

[ $failures -eq 0 ] && echo "PASS: MEI bus matches SKU $VPRO_SKU"
exit $((failures != 0))
