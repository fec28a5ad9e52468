#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Print the out-of-band management of this device as one word: vpro, ism
# or none. With vpro_heci.ko loaded the script reads
# /sys/class/vpro/vpro0/capability once. It prints vpro for "amt", ism for
# "ism", and none for any other value or when vpro0 does not exist.
# Without the module (no /sys/class/vpro) it runs `vproctl info --json`
# and maps the "features" value: "AMT Pro" is vpro, "Intel Standard
# Manageability" is ism, and anything else is none.
#
# usage: scripts/discover.sh
# Environment: VPRO_SYSFS (default /sys/class/vpro) and VPROCTL (default
# vproctl, looked up in PATH) select other locations, for tests.
# Exit status: 0 after printing a word, 2 on a usage error. Without the
# module and without vproctl it prints none and warns on stderr.

sysfs=${VPRO_SYSFS:-/sys/class/vpro}
vproctl=${VPROCTL:-vproctl}

if [ $# -ne 0 ]; then
	echo "discover.sh: unexpected argument '$1': discover.sh takes no arguments" >&2
	exit 2
fi

map_capability() {
	case $1 in
	amt) echo vpro ;;
	ism) echo ism ;;
	*) echo none ;;
	esac
}

if [ -d "$sysfs" ]; then
	# The module is loaded, so one read decides. No vpro0 means that the
	# MEI bus has no AMTHI client.
	capability=$(cat "$sysfs/vpro0/capability" 2>/dev/null)
	map_capability "$capability"
	exit 0
fi

if ! command -v "$vproctl" >/dev/null 2>&1; then
	echo "discover.sh: warning: $sysfs not found (vpro_heci.ko not loaded) and '$vproctl' not found: reporting none" >&2
	echo none
	exit 0
fi

# vproctl exits non-zero when /dev/mei0 or AMT is absent (exit codes 2
# and 3), and then prints only an error object without "features",
# which maps to none below.
json=$("$vproctl" info --json 2>/dev/null)
features=$(printf '%s\n' "$json" |
	sed -n 's/^[[:space:]]*"features":[[:space:]]*"\(.*\)",\{0,1\}[[:space:]]*$/\1/p' |
	head -n 1)
case $features in
*"AMT Pro"*) map_capability amt ;;
*"Intel Standard Manageability"*) map_capability ism ;;
*) map_capability none ;;
esac
