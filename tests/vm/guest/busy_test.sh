#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl and vpro_heci while another program keeps an MEI client busy,
# against fwsim --sku amt: both must back off and retry, then fail with a
# line that names the symptom. mei_hold
# (tests/selftests/vpro_heci) connects AMTHI or LME through /dev/mei0 and
# keeps it connected, as LMS or a second rpc-go would:
#
#   - AMTHI held for 1 s: "vproctl info" backs off, retries and exits 0.
#   - AMTHI held for 20 s: "vproctl info" gives up after its backoff,
#     within 15 s, with exit 4 and a line naming the symptom. A write to
#     the module's refresh attribute fails with EBUSY and works again
#     once the holder exits.
#   - LME held for 20 s, vpro_heci.ko unloaded: "activate --local
#     --transport mei" exits 71 with a line saying that another program
#     holds the LME client.
#
# Needs vproctl, mei_hold, timeout and busybox. Prints TAP and exits 1
# when any check fails. Runs under busybox sh.
set -u

PASSWORD='Busy-Test-Passw0rd'
MODULE=/lib/modules/vpro/vpro_heci.ko
SYSFS=/sys/class/vpro/vpro0
HOLD=$(dirname "$0")/mei_hold

work=$(mktemp -d /tmp/busy_test.XXXXXX) || exit 1
tests=0
failed=0
peer_pid=
hold_pid=

. "$(dirname "$0")/vproctl_lib.sh"

cleanup() {
	stop_pid "$hold_pid"
	cleanup_and_reload
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Starts mei_hold on client $1 for $2 ms and records whether it connected
# within 10 s.
start_hold() {
	rm -f "$work/hold.ready"
	"$HOLD" "$1" "$2" "$work/hold.ready" >"$work/hold.log" 2>&1 &
	hold_pid=$!
	i=0
	while [ ! -s "$work/hold.ready" ] && [ $i -lt 100 ] &&
		kill -0 "$hold_pid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$work/hold.ready" ]
	result $? "mei_hold connects $1"
	[ -s "$work/hold.ready" ] || diag_file "$work/hold.log"
}

# Waits for mei_hold to exit, so that the client is free again.
end_hold() {
	wait_exit "$hold_pid" 300 || kill -KILL "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
	hold_pid=
}

echo "TAP version 13"

start_hold amthi 1000
expect_exit 0 info
expect_output '^Control Mode'
end_hold

start_hold amthi 20000
started=$(date +%s)
expect_exit 4 info
expect_output 'AMTHI client stayed busy.*another program'
elapsed=$(($(date +%s) - started))
[ "$elapsed" -le 15 ]
result $? "info gives up within 15 s (took $elapsed s)"

echo 1 2>"$work/refresh.err" >"$SYSFS/refresh"
refresh_status=$?
[ "$refresh_status" -ne 0 ] && grep -q -i busy "$work/refresh.err"
result $? "refresh fails with EBUSY while AMTHI is held"
diag_file "$work/refresh.err"
stop_pid "$hold_pid"
hold_pid=
echo 1 >"$SYSFS/refresh"
result $? "refresh works once the holder exits"

rmmod vpro_heci
result $? "rmmod vpro_heci"
start_hold lme 20000
expect_exit 71 activate --local --ccm --password "$PASSWORD" --transport mei
expect_output 'LME client of /dev/mei0 stayed busy'
stop_pid "$hold_pid"
hold_pid=
insmod "$MODULE"
result $? "insmod vpro_heci.ko"

expect_password_hidden

echo "1..$tests"
[ "$failed" -eq 0 ]
