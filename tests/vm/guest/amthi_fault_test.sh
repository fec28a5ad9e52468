#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vpro_heci.ko and vproctl against malformed AMTHI replies, with fwsim
# started as amt:--control=/run/fwsim.ctl. For each amthi-reply mode of
# fwsim (see tests/fwsim/fault.c) the test sets the mode through the
# control FIFO and checks that:
#
#   - a write to the refresh attribute fails within 20 s with EPROTO
#     ("Protocol error"), and capability still reads amt;
#   - every readable attribute of /sys/class/vpro/vpro0 can be read;
#   - "vproctl info" exits non-zero below 128 with exactly one
#     "Error N:" line, and its cause names the command whose reply was
#     malformed;
#   - once the mode is cleared, a refresh succeeds, capability reads amt
#     and "vproctl info" exits 0.
#
# At the end it checks the kernel log written during the test: no
# "BUG:", "WARNING:", "Oops" or "general protection" line, at least one
# "malformed reply" message from the module, and at most two AMTHI
# messages per refresh that the test made.
#
# Needs vproctl, timeout and busybox. Prints TAP and exits 1 when any
# check fails. Runs under busybox sh.
set -u

CONTROL_FIFO=/run/fwsim.ctl
SYSFS=/sys/class/vpro/vpro0
# Each AMTHI reply wait of the module is 3 s, so a refresh that fails on
# the first reply ends well within this bound.
REFRESH_TIMEOUT=20
KMSG_MARK="amthi_fault_test: start $$"

# MODE:COMMAND, the amthi-reply mode and the command whose reply
# vproctl must name.
MODES='truncated:GetCodeVersions short-payload:GetCodeVersions
wrong-command:GetCodeVersions no-response-bit:GetCodeVersions
huge-count:GetCodeVersions long-string:GetPKIFQDNSuffix
garbage:GetCodeVersions'

work=$(mktemp -d /tmp/amthi_fault_test.XXXXXX) || exit 1
tests=0
failed=0
refreshes=0

. "$(dirname "$0")/vproctl_lib.sh"

cleanup() {
	# Restore fwsim's normal replies whatever happened. A FIFO without
	# a reader would block the write, hence the timeout.
	[ -p "$CONTROL_FIFO" ] &&
		timeout 5 sh -c "printf 'clear\\n' >$CONTROL_FIFO"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Sends one line to fwsim's control FIFO and waits up to 5 s until fwsim
# has read it (it writes its counters when it reaches "stats"). The
# write itself is bounded too, in case fwsim no longer reads the FIFO.
fwsim_control() {
	rm -f "$work/stats"
	printf '%s\nstats %s\n' "$1" "$work/stats" >"$work/control"
	timeout 5 sh -c "cat $work/control >$CONTROL_FIFO" || return 1
	i=0
	while [ ! -s "$work/stats" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$work/stats" ]
}

# Writes the refresh attribute once, bounded by REFRESH_TIMEOUT, and sets
# refresh_status (124: timed out) and $work/refresh.err.
refresh() {
	refreshes=$((refreshes + 1))
	timeout "$REFRESH_TIMEOUT" sh -c "echo 1 >$SYSFS/refresh" \
		2>"$work/refresh.err"
	refresh_status=$?
}

# Records whether every attribute of $SYSFS with a read permission bit
# can be read; $1 names the mode in the test name.
check_attributes_readable() {
	readable=0
	unreadable=
	for attr in "$SYSFS"/*; do
		[ -f "$attr" ] || continue
		case $(ls -l "$attr" | cut -c2-10) in
		*r*) ;;
		*) continue ;;
		esac
		readable=$((readable + 1))
		if ! timeout 5 cat "$attr" >/dev/null 2>"$work/attr.err"; then
			unreadable="$unreadable ${attr##*/}"
			diag_file "$work/attr.err"
		fi
	done
	# sysfs_test checks the full list. The minimum of 10 catches an
	# empty glob.
	[ -z "$unreadable" ] && [ "$readable" -ge 10 ]
	result $? "$1: all $readable readable attributes read (failed:${unreadable:- none})"
}

# Runs "vproctl info" while mode $1 is set and records whether it fails
# cleanly with one "Error N:" line and a cause that names command $2.
check_info_fails() {
	timeout 60 vproctl info >"$work/info.out" 2>"$work/info.err"
	status=$?
	errors=$(grep -c '^Error [0-9]*: ' "$work/info.err")

	# 124 is timeout's status, 128 and up a signal.
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -lt 128 ]
	result $? "$1: vproctl info fails without a crash or hang (got $status)"
	[ "$errors" -eq 1 ]
	result $? "$1: vproctl info prints one Error line (got $errors)"
	# vp_error() prints "Error N: NAME" and the cause on the next line.
	grep -q "^AMTHI $2 returned a malformed reply" "$work/info.err"
	named=$?
	result $named "$1: the error names a malformed $2 reply"
	! grep -q '^Version' "$work/info.out"
	result $? "$1: vproctl info prints no report"
	if [ "$errors" -ne 1 ] || [ "$status" -eq 0 ] ||
	   [ "$status" -ge 124 ] || [ $named -ne 0 ]; then
		diag_file "$work/info.out"
		diag_file "$work/info.err"
	fi
}

# Runs every check for amthi-reply mode $1, whose malformed reply is the
# one to command $2.
check_mode() {
	mode=$1
	command=$2

	if ! fwsim_control "amthi-reply=$mode"; then
		result 1 "$mode: fwsim did not apply amthi-reply=$mode through $CONTROL_FIFO"
		return
	fi

	start=$(date +%s)
	refresh
	elapsed=$(($(date +%s) - start))
	[ "$refresh_status" -ne 0 ] && [ "$refresh_status" -ne 124 ]
	result $? "$mode: refresh fails without hanging (status $refresh_status, $elapsed s)"
	grep -q -i 'protocol error' "$work/refresh.err"
	result $? "$mode: refresh fails with EPROTO"
	grep -q -i 'protocol error' "$work/refresh.err" ||
		diag_file "$work/refresh.err"
	[ "$(cat "$SYSFS/capability")" = amt ]
	result $? "$mode: capability still reads amt after the failed refresh"

	check_attributes_readable "$mode"
	check_info_fails "$mode" "$command"

	if ! fwsim_control clear; then
		result 1 "$mode: fwsim did not apply clear through $CONTROL_FIFO"
		return
	fi
	refresh
	[ "$refresh_status" -eq 0 ]
	result $? "$mode: refresh succeeds once the mode is cleared (status $refresh_status)"
	[ "$refresh_status" -eq 0 ] || diag_file "$work/refresh.err"
	[ "$(cat "$SYSFS/capability")" = amt ]
	result $? "$mode: capability reads amt after the cleared refresh"
	timeout 60 vproctl info >"$work/info.out" 2>&1
	status=$?
	[ "$status" -eq 0 ]
	result $? "$mode: vproctl info exits 0 once the mode is cleared (got $status)"
	[ "$status" -eq 0 ] || diag_file "$work/info.out"
}

# Records whether the kernel log written since the start mark is free of
# crash reports and of floods of the module's messages.
check_kernel_log() {
	dmesg | sed -n "/$KMSG_MARK/,\$p" >"$work/dmesg.out"
	[ -s "$work/dmesg.out" ]
	result $? "kernel log contains the start mark"

	grep -E 'BUG:|WARNING:|Oops|general protection' "$work/dmesg.out" \
		>"$work/crash.out"
	[ ! -s "$work/crash.out" ]
	result $? "kernel log has no BUG, WARNING, Oops or general protection line"
	diag_file "$work/crash.out"

	malformed=$(grep -c 'malformed reply' "$work/dmesg.out")
	[ "$malformed" -ge 1 ]
	result $? "vpro_heci reports malformed replies ($malformed lines)"

	amthi_lines=$(grep -c 'AMTHI' "$work/dmesg.out")
	[ "$amthi_lines" -le $((2 * refreshes)) ]
	result $? "at most 2 AMTHI messages per refresh ($amthi_lines for $refreshes)"
	[ "$amthi_lines" -le $((2 * refreshes)) ] &&
		return
	grep 'AMTHI' "$work/dmesg.out" | head -n 20 | sed 's/^/# /'
}

for prog in vproctl timeout; do
	if ! command -v "$prog" >/dev/null; then
		echo "Bail out! $prog not found"
		exit 1
	fi
done
if [ ! -p "$CONTROL_FIFO" ]; then
	echo "Bail out! $CONTROL_FIFO is not a FIFO: run with amt:--control=$CONTROL_FIFO"
	exit 1
fi

echo "$KMSG_MARK" >/dev/kmsg
[ "${VPRO_SKU:-amt}" = amt ]
result $? "VPRO_SKU is amt (got ${VPRO_SKU:-unset})"
# fwsim is ready once the bus devices exist, which can be before
# vpro_heci's probe has read the firmware and created $SYSFS.
i=0
while [ "$(cat "$SYSFS/capability" 2>/dev/null)" != amt ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(cat "$SYSFS/capability" 2>/dev/null)" = amt ]
result $? "capability reads amt within 10 s of the start"
refresh
[ "$refresh_status" -eq 0 ]
result $? "refresh succeeds before any fault (status $refresh_status)"
[ "$refresh_status" -eq 0 ] || diag_file "$work/refresh.err"

for spec in $MODES; do
	check_mode "${spec%%:*}" "${spec#*:}"
done

check_kernel_log

echo "1..$tests"
[ "$failed" -eq 0 ]
