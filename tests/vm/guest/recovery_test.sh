#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Recovery in the test VM against fwsim --sku amt, without RPS: local CCM
# activation, "vproctl deactivate --local" back to pre-provisioning, and
# a second activation. Checks the exit codes rpc-go gives for the same
# cases, the sysfs state after each step, "vproctl status" and the
# STATUS_CHANGED events that "vproctl status --watch" prints. The password
# must not appear in any output, in fwsim's log or in the kernel log.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

PASSWORD='Recovery-Passw0rd!'
SYSFS=/sys/class/vpro/vpro0

work=$(mktemp -d /tmp/recovery_test.XXXXXX) || exit 1
watch_pid=
tests=0
failed=0

cleanup() {
	if [ -n "$watch_pid" ]; then
		kill -TERM "$watch_pid" 2>/dev/null
		wait "$watch_pid" 2>/dev/null
	fi
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

# Prints file $1 as TAP diagnostics.
diag_file() {
	[ -f "$1" ] && sed 's/^/# /' "$1"
}

# Prints the arguments with the password replaced by ***.
hide_password() {
	printf '%s\n' "$*" | awk -v p="$PASSWORD" '{
		while ((i = index($0, p)) > 0)
			$0 = substr($0, 1, i - 1) "***" substr($0, i + length(p))
		print
	}'
}

# Runs vproctl with the arguments after $1 for at most 60 s, appends its
# output to $work/all.out and records whether it exited with status $1.
expect_exit() {
	expected=$1
	shift
	timeout 60 vproctl "$@" >"$work/run.out" 2>&1
	vp_status=$?
	cat "$work/run.out" >>"$work/all.out"
	[ "$vp_status" -eq "$expected" ]
	result $? "vproctl $(hide_password "$*") exits $expected (got $vp_status)"
	[ "$vp_status" -eq "$expected" ] || diag_file "$work/run.out"
}

# Succeeds when sysfs attribute $1 reads $2 within 5 s.
sysfs_is() {
	i=0
	while [ $i -lt 50 ]; do
		[ "$(cat "$SYSFS/$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# $SYSFS/$1 is '$(cat "$SYSFS/$1" 2>&1)', expected '$2'"
	return 1
}

check_sysfs() {
	sysfs_is "$1" "$2"
	result $? "$1 is $2 $3"
}

# Starts "vproctl status --watch --count 1" with the extra arguments
# given and waits up to 5 s until it has joined the events group.
start_watch() {
	rm -f "$work/watch.out" "$work/watch.err"
	timeout 60 vproctl status --watch --count 1 --event status_changed "$@" \
		>"$work/watch.out" 2>"$work/watch.err" &
	watch_pid=$!
	i=0
	while [ $i -lt 50 ]; do
		grep -q '^Watching' "$work/watch.err" 2>/dev/null && return 0
		kill -0 "$watch_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	diag_file "$work/watch.err"
	return 1
}

# Waits up to 10 s for the watcher to exit; sets watch_status (124 when
# it had to be killed).
wait_watch() {
	i=0
	while kill -0 "$watch_pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$watch_pid" 2>/dev/null; then
		kill -TERM "$watch_pid"
		wait "$watch_pid" 2>/dev/null
		watch_status=124
	else
		wait "$watch_pid"
		watch_status=$?
	fi
	watch_pid=
	cat "$work/watch.out" "$work/watch.err" >>"$work/all.out"
}

# Preconditions: each missing piece is a failure, never a skip.
if [ "${VPRO_SKU:-amt}" != amt ]; then
	result 1 "recovery_test needs VPRO_SKU=amt, got ${VPRO_SKU}"
	echo "1..$tests"
	exit 1
fi
command -v vproctl >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1
result $? "vproctl and timeout present"
unset AMT_PASSWORD
: >"$work/all.out"

check_sysfs control_mode none "before"
check_sysfs provisioning_state pre "before"

# status reads the same sysfs values.
expect_exit 0 status
grep -q '^Control Mode *: none$' "$work/run.out"
result $? "status shows control mode none"
grep -q '^Capability *: amt$' "$work/run.out"
result $? "status shows capability amt"
expect_exit 0 status --json
grep -q '"controlMode": "none"' "$work/run.out"
result $? "status --json has controlMode none"

# Wrong usage and a missing password, as rpc-go reports them.
expect_exit 28 activate --local
expect_exit 28 activate --local --ccm --acm
expect_exit 28 deactivate
expect_exit 28 status --count 1
expect_exit 28 status --watch --count zero
expect_exit 23 activate --local --ccm
grep -q '^Error 23: Missing or incorrect password' "$work/run.out"
result $? "missing password prints Error 23"
expect_exit 23 activate --local --ccm --password-file "$work/missing"
expect_exit 109 deactivate --local
grep -q 'pre-provisioning' "$work/run.out"
result $? "deactivate in pre-provisioning says so"

# The first local activation, seen by a watcher.
start_watch
result $? "status --watch joins the events group"
expect_exit 0 activate --local --ccm --password "$PASSWORD"
wait_watch
[ "$watch_status" -eq 0 ]
result $? "status --watch --count 1 exits 0 (got $watch_status)"
grep -q '^status_changed device=0 .*activation_status=in_progress' "$work/watch.out"
rc=$?
result $rc "status --watch prints the STATUS_CHANGED event"
[ "$rc" -eq 0 ] || diag_file "$work/watch.out"
check_sysfs control_mode ccm "after local activation"
check_sysfs provisioning_state post "after local activation"
check_sysfs activation_status provisioned "after local activation"
expect_exit 0 status
grep -q '^Activation Status *: provisioned$' "$work/run.out"
result $? "status shows activation status provisioned"
timeout 30 vproctl info >"$work/run.out" 2>&1
grep -q '^Control Mode[[:space:]]*: *activated in client control mode$' "$work/run.out"
result $? "info shows client control mode"

# Activated devices are not activated again.
expect_exit 111 activate --local --ccm --password "$PASSWORD"
grep -q 'already activated in client control mode' "$work/run.out"
result $? "second activation names the control mode"
check_sysfs control_mode ccm "after the refused activation"

# Deactivation, with a JSON watcher.
start_watch --json
result $? "status --watch --json joins the events group"
expect_exit 0 deactivate --local
wait_watch
grep -q '"event":"status_changed".*"activation_status":"idle"' "$work/watch.out"
rc=$?
result $rc "status --watch --json prints the idle STATUS_CHANGED event"
[ "$rc" -eq 0 ] || diag_file "$work/watch.out"
check_sysfs control_mode none "after deactivation"
check_sysfs provisioning_state pre "after deactivation"
check_sysfs activation_status idle "after deactivation"

# Activating again works, with the password from a file.
printf '%s\n' "$PASSWORD" >"$work/password"
expect_exit 0 activate --local --ccm --password-file "$work/password"
check_sysfs control_mode ccm "after the second activation"
check_sysfs provisioning_state post "after the second activation"
rm -f "$work/password"
export AMT_PASSWORD="$PASSWORD"
expect_exit 111 activate --local --ccm
unset AMT_PASSWORD
expect_exit 0 deactivate --local
check_sysfs control_mode none "at the end"

# The password must not leak anywhere.
! grep -q -F "$PASSWORD" "$work/all.out"
result $? "no password in vproctl output"
dmesg >"$work/dmesg.out" 2>&1
! grep -q -F "$PASSWORD" "$work/dmesg.out"
result $? "no password in the kernel log"
! grep -q -F "$PASSWORD" "$SYSFS/activation_status"
result $? "no password in activation_status"
if [ -f /tmp/fwsim.log ]; then
	! grep -q -F "$PASSWORD" /tmp/fwsim.log
	result $? "no password in fwsim's log"
fi

echo "1..$tests"
[ "$failed" -eq 0 ]
