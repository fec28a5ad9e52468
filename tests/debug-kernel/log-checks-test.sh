#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Checks that check_guest in tests/vm/lib.sh fails a guest run when the
# kernel log contains a report of one of the debug kernel's checkers
# (KASAN, KFENCE, UBSAN, lockdep, the sleep-in-atomic check, kmemleak).
# A failed kmemleak scan result must fail too, and a clean run must pass.
# A test's own output (no printk timestamp) with those words passes.
# Runs on the host without a VM and prints TAP.
# usage: tests/debug-kernel/log-checks-test.sh
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
# check_guest in lib.sh reads kver for its messages.
# shellcheck disable=SC2034
kver=debug
work=$(mktemp -d /tmp/log-checks-test.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

log() { echo "# $*"; }
die() { echo "Bail out! $*"; exit 1; }
# shellcheck source=../vm/lib.sh
. "$repo/tests/vm/lib.sh"

tests=0
failed=0

# Writes a results port log with one passing suite, an optional extra
# TAP line $1, the summary and a taint mask with only O and E set.
write_results() {
	{
		echo 'TAP version 13'
		echo 'ok 1 - amt apf_test'
		[ -n "$1" ] && echo "$1"
		echo '1..2'
		echo '2 passed, 0 failed'
		echo 'tainted: 12288'
	} >"$work/results.log"
}

# Runs check_guest on console line $3 and TAP line $4, and records one
# TAP result named $1 that passes when the exit status is $2 (pass or fail).
expect() {
	local name=$1 expected=$2 console_line=$3 tap_line=$4 rc actual
	printf '[    1.000000] Linux version 6.12\r\n%s\r\n' "$console_line" >"$work/guest.log"
	write_results "$tap_line"
	check_guest check "$work/guest.log" "$work/results.log" >"$work/check.out" 2>&1
	rc=$?
	actual=pass
	[ $rc -eq 0 ] || actual=fail
	tests=$((tests + 1))
	if [ "$actual" = "$expected" ]; then
		echo "ok $tests - $name"
	else
		failed=$((failed + 1))
		echo "not ok $tests - $name: expected $expected, check_guest returned $rc"
		sed 's/^/# /' "$work/check.out"
	fi
}

ts='[   42.123456]'
expect "clean run passes" pass "$ts vpro_heci: bound AMTHI client" 'ok 2 - kmemleak scan after the suites'
expect "KASAN report fails" fail \
	"$ts BUG: KASAN: slab-use-after-free in vpro_apf_rx+0x12/0x340 [vpro_heci]" ''
expect "KFENCE report fails" fail \
	"$ts BUG: KFENCE: out-of-bounds read in vpro_amthi_recv+0x40/0x90 [vpro_heci]" ''
expect "UBSAN report fails" fail \
	"$ts UBSAN: shift-out-of-bounds in /build/kernel/apf_codec.c:88:20" ''
expect "lockdep circular dependency fails" fail \
	"$ts WARNING: possible circular locking dependency detected" ''
expect "lockdep recursive locking fails" fail \
	"$ts WARNING: possible recursive locking detected" ''
expect "lockdep inconsistent state fails" fail \
	"$ts WARNING: inconsistent lock state" ''
expect "sleep in atomic context fails" fail \
	"$ts BUG: sleeping function called from invalid context at mm/slub.c:4150" ''
expect "kmemleak printk fails" fail \
	"$ts kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" ''
expect "kmemleak scan result fails" fail \
	"$ts vpro_heci: bound AMTHI client" 'not ok 2 - kmemleak scan after the suites'
expect "untimestamped UBSAN text passes" pass \
	"UBSAN: printed by a test, not by the kernel" ''
expect "untimestamped KASAN text passes" pass \
	"BUG: KASAN: printed by a test, not by the kernel" ''

echo "1..$tests"
echo "$((tests - failed)) passed, $failed failed"
[ $failed -eq 0 ]
