#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Checks that the MEI aliases in vpro_heci.ko match the modalias files of
# the MEI bus as fwsim sets it up for $VPRO_SKU. udev and kmod compare a
# uevent's MODALIAS with each alias as a shell glob (fnmatch), and this
# test does the same with `case`. With amt or ism, exactly the AMTHI and
# LME clients match and are bound to vpro_heci. With none, no device
# matches.
#
# The aliases are read from the .modinfo strings of the module file,
# because busybox modinfo needs a modules.dep that the test VM lacks.
# VPRO_HECI_KO overrides the module path (default
# /lib/modules/vpro/vpro_heci.ko, where tests/vm/run.sh puts it), and
# VPRO_MEI_BUS the bus directory (default /sys/bus/mei/devices).

# The aliases contain * and must not expand to file names.
set -f

ko=${VPRO_HECI_KO:-/lib/modules/vpro/vpro_heci.ko}
bus=${VPRO_MEI_BUS:-/sys/bus/mei/devices}
amthi=12f80028-b4b7-4b2d-aca8-46e0ff65814c
lme=6733a4db-0476-4e7b-b3af-bcfc29bee7a7
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# Succeeds when modalias $1 matches one of the glob patterns in $aliases.
matches_alias() {
	for pattern in $aliases; do
		# The pattern is unquoted on purpose: its * are globs.
		# shellcheck disable=SC2254
		case $1 in $pattern) return 0 ;; esac
	done
	return 1
}

if [ ! -f "$ko" ]; then
	fail "$ko not found: set VPRO_HECI_KO to the module file"
	exit 1
fi
aliases=$(strings "$ko" | sed -n 's/^alias=//p' | sort)
echo "aliases of $ko:"
for pattern in $aliases; do
	echo "  $pattern"
done
for uuid in $amthi $lme; do
	case $aliases in
	*"mei:*:$uuid:*:*"*) ;;
	*) fail "no alias mei:*:$uuid:*:* in $ko" ;;
	esac
done
count=$(echo "$aliases" | grep -c .)
if [ "$count" -ne 2 ]; then
	fail "$ko has $count aliases, expected 2 (AMTHI and LME)"
fi

matched=""
echo "MEI bus devices:"
set +f
set -- "$bus"/*
set -f
for dev in "$@"; do
	[ -f "$dev/modalias" ] || continue
	modalias=$(cat "$dev/modalias")
	uuid=$(cat "$dev/uuid")
	driver=
	if [ -L "$dev/driver" ]; then
		driver=$(basename "$(readlink "$dev/driver")")
	fi
	echo "  $(basename "$dev") modalias=$modalias driver=${driver:-none}"

	case $modalias in
	mei:*:"$uuid":*:) ;;
	*) fail "$(basename "$dev"): modalias '$modalias' does not have the form mei:NAME:$uuid:VERSION:" ;;
	esac

	if matches_alias "$modalias"; then
		matched="$matched $uuid"
		if [ "$driver" != vpro_heci ]; then
			fail "$modalias matches an alias of vpro_heci but is bound to '${driver:-no driver}'"
		fi
	elif [ "$driver" = vpro_heci ]; then
		fail "$modalias is bound to vpro_heci but matches none of its aliases"
	fi
done

case ${VPRO_SKU:-} in
amt | ism)
	for uuid in $amthi $lme; do
		case "$matched " in
		*" $uuid "*) ;;
		*) fail "no MEI bus device with UUID $uuid matches an alias with SKU $VPRO_SKU" ;;
		esac
	done
	;;
none)
	if [ -n "$matched" ]; then
		fail "devices$matched match vpro_heci's aliases with SKU none"
	fi
	;;
*)
	fail "invalid VPRO_SKU '${VPRO_SKU:-}': expected amt, ism or none"
	;;
esac

[ $failures -eq 0 ] && echo "PASS: modalias files match vpro_heci's aliases for SKU $VPRO_SKU"
exit $((failures != 0))
