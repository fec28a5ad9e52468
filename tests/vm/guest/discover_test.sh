#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The device discovery rule of scripts/discover.sh (discover.sh in the
# guest) against fwsim --sku $VPRO_SKU: amt must print vpro, ism must print
# ism, and none must print none. The output is checked twice, first with
# vpro_heci.ko loaded (sysfs), then after rmmod through the fallback to
# "vproctl info --json", which must give the same word. Also checks that
# the loaded path does not run vproctl, that a missing vproctl without
# the module prints none with a warning, and that an argument exits 2.
# Loads the module again at the end so that later suites have it.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

MODULE=/lib/modules/vpro/vpro_heci.ko
discover=${DISCOVER:-discover.sh}

work=$(mktemp -d /tmp/discover_test.XXXXXX) || exit 1
tests=0
failed=0

cleanup() {
	[ -d /sys/module/vpro_heci ] || insmod "$MODULE" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Records one TAP result: $1 is 0 for a pass, the rest the test name.
result() {
	rc=$1
	shift
	tests=$((tests + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $tests - $*"
	else
		echo "not ok $tests - $*"
		failed=$((failed + 1))
	fi
}

diag_file() {
	[ -s "$1" ] && sed 's/^/# /' "$1"
}

# Runs discover.sh for at most 30 s with the environment assignments in
# the arguments, into $work/out and $work/err. Sets $status and $word.
run_discover() {
	env "$@" timeout 30 "$discover" >"$work/out" 2>"$work/err"
	status=$?
	word=$(cat "$work/out")
}

# Succeeds when path $1 exists ($2 = present) or not ($2 = absent) within 10 s.
wait_path() {
	i=0
	while [ $i -lt 100 ]; do
		if [ -e "$1" ]; then
			[ "$2" = present ] && return 0
		else
			[ "$2" = absent ] && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

case ${VPRO_SKU:-} in
amt) expected=vpro ;;
ism) expected=ism ;;
none) expected=none ;;
*)
	echo "not ok 1 - invalid VPRO_SKU '${VPRO_SKU:-}': expected amt, ism or none"
	echo "1..1"
	exit 1
	;;
esac

echo "TAP version 13"
if ! command -v "$discover" >/dev/null 2>&1; then
	result 1 "$discover found in PATH (set DISCOVER to scripts/discover.sh)"
	echo "1..$tests"
	exit 1
fi

# With the module loaded, /sys/class/vpro decides. The module creates
# vpro0 after its first AMTHI query, so one read is enough once it exists.
[ -d /sys/class/vpro ]
result $? "/sys/class/vpro exists with vpro_heci loaded"
if [ "$VPRO_SKU" != none ]; then
	wait_path /sys/class/vpro/vpro0 present
	result $? "vpro0 appears for SKU $VPRO_SKU"
fi

run_discover
[ "$status" -eq 0 ] && [ "$word" = "$expected" ]
result $? "module loaded: SKU $VPRO_SKU prints $expected (got '$word', status $status)"
diag_file "$work/err"

# vproctl must not matter while the module is loaded.
run_discover VPROCTL=/nonexistent/vproctl
[ "$status" -eq 0 ] && [ "$word" = "$expected" ]
result $? "module loaded: output without vproctl is $expected (got '$word')"

run_discover
[ ! -s "$work/err" ]
result $? "module loaded: nothing on stderr"
diag_file "$work/err"

# Usage error: discover.sh takes no arguments.
timeout 30 "$discover" extra >"$work/out" 2>"$work/err"
status=$?
[ "$status" -eq 2 ]
result $? "argument 'extra' exits 2 (got $status)"
grep -q "unexpected argument 'extra'" "$work/err"
result $? "argument 'extra' is named in the error"
diag_file "$work/err"

# Without the module, the fallback runs "vproctl info --json".
rmmod vpro_heci >"$work/rmmod.out" 2>&1
result $? "rmmod vpro_heci"
diag_file "$work/rmmod.out"
wait_path /sys/class/vpro absent
result $? "/sys/class/vpro is gone after rmmod"

run_discover
[ "$status" -eq 0 ] && [ "$word" = "$expected" ]
result $? "module unloaded: vproctl fallback prints $expected (got '$word', status $status)"
diag_file "$work/err"

timeout 30 vproctl info --json >"$work/json" 2>&1
echo "# vproctl info --json exited $?"
grep '"features"' "$work/json" | sed 's/^/# /'

run_discover VPROCTL=/nonexistent/vproctl
[ "$status" -eq 0 ] && [ "$word" = none ]
result $? "module unloaded, no vproctl: prints none (got '$word')"
grep -q "warning: .*not found" "$work/err"
result $? "module unloaded, no vproctl: warns on stderr"
diag_file "$work/err"

insmod "$MODULE" >"$work/insmod.out" 2>&1
result $? "insmod $MODULE"
diag_file "$work/insmod.out"
wait_path /sys/class/vpro present
result $? "/sys/class/vpro is back after insmod"
if [ "$VPRO_SKU" != none ]; then
	wait_path /sys/class/vpro/vpro0 present
	result $? "vpro0 is back after insmod"
fi

run_discover
[ "$status" -eq 0 ] && [ "$word" = "$expected" ]
result $? "module reloaded: prints $expected again (got '$word')"

echo "1..$tests"
[ "$failed" -eq 0 ]
