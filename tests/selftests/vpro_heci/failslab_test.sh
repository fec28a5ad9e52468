#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Fault injection sweep of vpro_heci's error paths (guest suite, SKU amt,
# debug kernel only). For each path, fault_op runs one operation with the
# N-th fault injection point of its thread failing, for N = 1, 2, ...
# until the operation meets no N-th point or N reaches the path's limit.
# It uses /proc/thread-self/fail-nth, with failslab and fail_page_alloc
# both armed for GFP_KERNEL and order-0 allocations. Every run must end in success or in
# an errno the interface allows, within FAULT_OP_TIMEOUT seconds. After each
# path the device must still work (sysfs values, netlink GET_DEVICE,
# CONNECT and an HTTP exchange), and kmemleak, when present, must report
# no leak.
#
# usage: failslab_test.sh [--max-probe N] [--max N] [--verbose V] [PATH...]
#   --max-probe N  limit of N for the insmod path (default 200)
#   --max N        limit of N for the other paths (default 150)
#   --verbose V    debugfs "verbose" of failslab and fail_page_alloc
#                  (default 0; 1 logs each fault, 2 adds a stack trace)
#   PATH           insmod probe refresh connect channel netlink sysfs
#                  (default: all). insmod loads the module (its init and
#                  the probes of both clients), probe binds each client
#                  to the loaded module through the bus's bind file.
#
# NOTE: fail-nth fails allocations of the calling thread only, so work
# items (the APF receive path, the LME link setup) are not swept here.
#
# Prints TAP. Exit status 0 when every path passed, 1 on a failure, 4
# (kselftest skip) when the kernel has no failslab, which the VM runner
# counts as a failure: list this suite only for the debug kernel
# (tests/vm/suites.debug).

DEBUGFS=/sys/kernel/debug
SYSFS=/sys/class/vpro/vpro0
MODULE=/lib/modules/vpro/vpro_heci.ko
DRIVER=/sys/bus/mei/drivers/vpro_heci
FAULT_OP_TIMEOUT=30
max_probe=200
max_other=150
verbose=0
while [ $# -gt 0 ]; do
	case $1 in --*)
		if [ $# -lt 2 ]; then
			echo "failslab_test.sh: option $1 needs a value" >&2
			exit 1
		fi
		;;
	esac
	case $1 in
	--max-probe) max_probe=${2:-} ;;
	--max) max_other=${2:-} ;;
	--verbose) verbose=${2:-} ;;
	*) break ;;
	esac
	shift 2
done

for value in "$max_probe" "$max_other" "$verbose"; do
	case $value in
	'' | *[!0-9]*)
		echo "failslab_test.sh: invalid option value '$value': give a whole number" >&2
		exit 1
		;;
	esac
done

if [ ! -d $DEBUGFS/failslab ] || [ ! -d $DEBUGFS/fail_page_alloc ] ||
	[ ! -e /proc/self/fail-nth ]; then
	echo "# SKIP failslab not available"
	exit 4
fi
if ! command -v fault_op >/dev/null; then
	echo "failslab_test.sh: fault_op not found in PATH: build tests/selftests/vpro_heci" >&2
	exit 1
fi
if [ "${VPRO_SKU:-amt}" != amt ]; then
	echo "failslab_test.sh: needs SKU amt, got '$VPRO_SKU'" >&2
	exit 1
fi

paths=${*:-insmod probe refresh connect channel netlink sysfs}
for path in $paths; do
	case $path in
	insmod | probe | refresh | connect | channel | netlink | sysfs) ;;
	*)
		echo "failslab_test.sh: unknown path '$path': use insmod, probe, refresh, connect, channel, netlink or sysfs" >&2
		exit 1
		;;
	esac
done

tests=0
failures=0

# Records one TAP result: $1 is 0 for ok, the rest the description.
tap() {
	rc=$1
	shift
	tests=$((tests + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $tests - $*"
	else
		failures=$((failures + 1))
		echo "not ok $tests - $*"
	fi
}

# Writes $2 to debugfs file $1 and fails the suite when the write fails.
set_knob() {
	if ! echo "$2" >"$DEBUGFS/$1"; then
		echo "failslab_test.sh: cannot write '$2' to $DEBUGFS/$1" >&2
		exit 1
	fi
}

# fail-nth only counts injection points that pass these filters, so
# GFP_KERNEL, highmem and order-0 allocations must all be candidates.
# The probability stays 0: only fail-nth injects.
arm_debugfs() {
	for attr in failslab fail_page_alloc; do
		set_knob $attr/probability 0
		set_knob $attr/ignore-gfp-wait N
		set_knob $attr/verbose "$verbose"
	done
	set_knob fail_page_alloc/ignore-gfp-highmem N
	set_knob fail_page_alloc/min-order 0
}

restore_debugfs() {
	for attr in failslab fail_page_alloc; do
		echo Y >"$DEBUGFS/$attr/ignore-gfp-wait"
	done
	echo Y >$DEBUGFS/fail_page_alloc/ignore-gfp-highmem
	echo 1 >$DEBUGFS/fail_page_alloc/min-order
}

# Waits up to $1 tenths of a second for file $2 to exist.
wait_for() {
	i=0
	while [ ! -e "$2" ] && [ $i -lt "$1" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$2" ]
}

# Prints the problems with the cached AMTHI values, one per line. $1 is
# "complete" when every field must be filled (after a successful query).
check_values() {
	capability=$(cat $SYSFS/capability)
	[ "$capability" = amt ] || echo "capability is '$capability', expected amt"
	for attr in control_mode provisioning_state; do
		value=$(cat $SYSFS/$attr)
		case $value in
		none | ccm | acm | pre | in | post) ;;
		*) echo "$attr is '$value'" ;;
		esac
	done
	[ "$1" = complete ] || return 0
	uuid=$(cat $SYSFS/uuid)
	[ ${#uuid} -eq 36 ] || echo "uuid is '$uuid', expected 36 characters"
	version=$(cat $SYSFS/amt_version)
	case $version in
	[0-9]*.[0-9]*) ;;
	*) echo "amt_version is '$version'" ;;
	esac
	[ -n "$(cat $SYSFS/features)" ] || echo "features is empty"
}

# Checks, without faults, that the device works: complete sysfs values
# after a refresh, netlink GET_DEVICE, and CONNECT with an HTTP exchange.
# Prints what failed; returns non-zero on any failure.
device_works() {
	ok=0
	if ! wait_for 100 $SYSFS/capability || ! wait_for 100 /dev/vpro_apf0; then
		echo "$SYSFS/capability or /dev/vpro_apf0 missing after 10 s"
		return 1
	fi
	fault_op refresh >/tmp/failslab.op 2>&1 || { ok=1; cat /tmp/failslab.op; }
	problems=$(check_values complete)
	[ -z "$problems" ] || { ok=1; echo "$problems"; }
	for op in nl-get nl-dump connect; do
		timeout -s KILL $FAULT_OP_TIMEOUT fault_op $op >/tmp/failslab.op 2>&1 ||
			{ ok=1; cat /tmp/failslab.op; }
	done
	return $ok
}

# Scans twice, 6 s apart, because kmemleak reports only objects older
# than 5 s. Prints the suspected leaks; returns non-zero when there are any.
kmemleak_clean() {
	[ -e $DEBUGFS/kmemleak ] || return 0
	echo scan >$DEBUGFS/kmemleak
	sleep 6
	echo scan >$DEBUGFS/kmemleak
	if [ -s $DEBUGFS/kmemleak ]; then
		cat $DEBUGFS/kmemleak
		echo clear >$DEBUGFS/kmemleak
		return 1
	fi
	return 0
}

# Runs fault_op with the N-th point failing for N = 1 .. $2, stopping when
# a run meets no N-th point. $1 names the path, $3 is a shell function
# run after each run (with fault_op's exit status in $op_rc) that prints
# what is wrong, the rest is the fault_op command. Sets sweep_points to the
# points swept and sweep_errors to the runs that returned an errno.
sweep() {
	name=$1 limit=$2 after=$3
	shift 3
	sweep_points=0 sweep_errors=0 sweep_bad=0 exhausted=0
	n=1
	while [ $n -le "$limit" ]; do
		timeout -s KILL $FAULT_OP_TIMEOUT fault_op --fail-nth $n "$@" >/tmp/failslab.op 2>&1
		op_rc=$?
		line=$(grep ' nth=' /tmp/failslab.op)
		problem=
		case $op_rc in
		0) ;;
		1) sweep_errors=$((sweep_errors + 1)) ;;
		137) problem="timed out after $FAULT_OP_TIMEOUT s (killed)" ;;
		*) problem="fault_op exited $op_rc" ;;
		esac
		more=$($after)
		[ -z "$more" ] || problem="$problem${problem:+; }$more"
		if [ -n "$problem" ]; then
			echo "# $name nth=$n: $problem"
			sed 's/^/#   /' /tmp/failslab.op
			sweep_bad=$((sweep_bad + 1))
			# Stop after a few, because one bug tends to repeat.
			[ $sweep_bad -lt 5 ] || break
		fi
		case $line in
		*injected=no*)
			exhausted=1
			break
			;;
		esac
		sweep_points=$n
		n=$((n + 1))
	done
	echo "# $name: $sweep_points fault points, $sweep_errors runs returned an errno" \
		"$([ $exhausted -eq 1 ] && echo '(all points swept)' || echo "(stopped at $n)")"
	[ $sweep_bad -eq 0 ]
}

# Judges the path: sweep result $1, then the device and kmemleak.
finish_path() {
	rc=$1 name=$2
	elapsed=$(($(date +%s) - path_started))
	if ! device_works >/tmp/failslab.works 2>&1; then
		echo "# $name: the device no longer works after the sweep:"
		sed 's/^/#   /' /tmp/failslab.works
		rc=1
	fi
	if ! kmemleak_clean >/tmp/failslab.leaks; then
		echo "# $name: kmemleak reports leaks:"
		sed 's/^/#   /' /tmp/failslab.leaks
		rc=1
	fi
	tap "$rc" "$name path: $sweep_points fault points in $elapsed s"
}

after_nothing() {
	:
}

# After an insmod: unloads the module when it loaded, and checks that it
# then bound cleanly or left no device behind.
after_insmod() {
	if [ -d /sys/module/vpro_heci ]; then
		if [ -e $SYSFS ] && ! [ -e $SYSFS/capability ]; then
			echo "vpro0 exists without attributes"
		fi
		if ! rmmod vpro_heci 2>&1; then
			echo "rmmod vpro_heci failed after a faulted insmod"
		fi
	elif [ "$op_rc" -eq 0 ]; then
		echo "insmod returned success but the module is not loaded"
	fi
}

# After a refresh: the capability never changes, and a refresh that
# returned success left every field filled.
after_refresh() {
	if [ "$op_rc" -eq 0 ]; then
		check_values complete
	else
		check_values partial
	fi
}

after_status() {
	status=$(cat $SYSFS/activation_status)
	case $status in
	idle | "failed: fault sweep"*) ;;
	*) echo "activation_status is '$status', expected idle or the status set" ;;
	esac
}

run_insmod() {
	if ! rmmod vpro_heci; then
		echo "# insmod: rmmod vpro_heci failed before the sweep"
		return 1
	fi
	sweep insmod "$max_probe" after_insmod insmod $MODULE
	rc=$?
	if ! insmod $MODULE; then
		echo "# insmod: insmod without faults failed after the sweep"
		rc=1
	fi
	return $rc
}

# After a bind of $bind_device: unbinds it again when the probe succeeded,
# and checks that a successful bind left the device bound (and vpro0 in
# place for AMTHI).
after_bind() {
	if [ -e "$DRIVER/$bind_device" ]; then
		case $bind_device in
		*12f80028-*)
			[ -e $SYSFS/capability ] || echo "AMTHI bound but $SYSFS/capability missing"
			;;
		esac
		echo "$bind_device" >$DRIVER/unbind || echo "unbinding $bind_device failed"
	elif [ "$op_rc" -eq 0 ]; then
		echo "bind returned success but $bind_device is not bound"
	fi
}

run_probe() {
	rc=0 total=0 devices=
	for link in "$DRIVER"/*-*-*-*-*; do
		[ -L "$link" ] && devices="$devices ${link##*/}"
	done
	if [ -z "$devices" ]; then
		echo "# probe: no device bound to vpro_heci in $DRIVER"
		return 1
	fi
	for bind_device in $devices; do
		if ! echo "$bind_device" >$DRIVER/unbind; then
			echo "# probe: unbinding $bind_device failed before the sweep"
			rc=1
			continue
		fi
		sweep "probe $bind_device" "$max_other" after_bind bind "$bind_device" || rc=1
		total=$((total + sweep_points))
		if ! echo "$bind_device" >$DRIVER/bind; then
			echo "# probe: binding $bind_device without faults failed after the sweep"
			rc=1
		fi
	done
	sweep_points=$total
	return $rc
}

run_sysfs() {
	rc=0 total=0
	for attr in capability amt_version uuid features control_mode \
		provisioning_state apf_state apf_ports apf_channels activation_status; do
		sweep "sysfs $attr" "$max_other" after_nothing sysfs-read $attr || rc=1
		total=$((total + sweep_points))
	done
	sweep_points=$total
	return $rc
}

run_netlink() {
	rc=0 total=0
	sweep "netlink GET_DEVICE doit" "$max_other" after_nothing nl-get || rc=1
	total=$((total + sweep_points))
	sweep "netlink GET_DEVICE dump" "$max_other" after_nothing nl-dump || rc=1
	total=$((total + sweep_points))
	sweep "netlink SET_STATUS" "$max_other" after_status nl-status 3 "fault sweep" || rc=1
	total=$((total + sweep_points))
	sweep_points=$total
	return $rc
}

echo "TAP version 13"
trap restore_debugfs EXIT
arm_debugfs

if ! device_works >/tmp/failslab.works 2>&1; then
	echo "# the device does not work before any fault:"
	sed 's/^/#   /' /tmp/failslab.works
	exit 1
fi
# Leaks from earlier suites are not this suite's.
kmemleak_clean >/dev/null

for path in $paths; do
	path_started=$(date +%s)
	case $path in
	insmod) run_insmod ;;
	probe) run_probe ;;
	refresh) sweep refresh "$max_other" after_refresh refresh ;;
	connect) sweep connect "$max_other" after_nothing connect ;;
	channel) sweep channel "$max_other" after_nothing channel ;;
	netlink) run_netlink ;;
	sysfs) run_sysfs ;;
	esac
	finish_path $? "$path"
done

echo "1..$tests"
[ $failures -eq 0 ]
