#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl under a storm of signals, against fwsim --sku amt and rps-peer
# on 127.0.0.1: an interrupted system call (EINTR) must never end a
# session, because users have seen rpc-go fail on one.
#
# vproctl installs no signal handler, so a signal would kill it rather
# than interrupt it. eintr_preload.so (tests/selftests/vpro_heci) gives
# it a SIGUSR2 handler without SA_RESTART before main() and a timer that
# raises SIGUSR2 every PERIOD_US microseconds. Under that storm vproctl
# runs an RPS activation, a local deactivation and a local activation
# through /dev/vpro_apf0, then one local activation over /dev/mei0 with
# vpro_heci.ko unloaded. Each must exit 0 with the control mode it set,
# after at least MIN_SIGNALS signals caught.
#
# Needs vproctl, rps-peer, timeout and busybox. Prints TAP and exits 1
# when any check fails. Runs under busybox sh.
set -u

PASSWORD='Eintr-Test-Passw0rd'
CERTS=/etc/vpro-vm/certs
PROFILE=ccm
MODULE=/lib/modules/vpro/vpro_heci.ko
PRELOAD=$(dirname "$0")/eintr_preload.so
PERIOD_US=2000
# At least this many signals must reach vproctl in one run.
MIN_SIGNALS=5

work=$(mktemp -d /tmp/eintr_test.XXXXXX) || exit 1
tests=0
failed=0
peer_pid=

. "$(dirname "$0")/vproctl_lib.sh"

trap cleanup_and_reload EXIT
trap 'exit 1' INT TERM

# Runs vproctl with the arguments after $1 under the signal storm, for
# at most 60 s, and records whether it exited $1 and caught at least
# MIN_SIGNALS signals.
expect_exit_under_signals() {
	expected=$1
	shift
	rm -f "$work/count"
	EINTR_PRELOAD_COUNT=$work/count EINTR_PRELOAD_PERIOD_US=$PERIOD_US \
		LD_PRELOAD=$PRELOAD vproctl "$@" >"$work/run.out" 2>&1 &
	vp_pid=$!
	if ! wait_exit "$vp_pid" 600; then
		echo "# vproctl still runs after 60 s; where it waits:"
		for f in wchan syscall stack; do
			echo "# $f: $(tr '\n' ' ' <"/proc/$vp_pid/$f" 2>&1)"
		done
		kill -KILL "$vp_pid"
	fi
	wait "$vp_pid"
	vp_status=$?
	cat "$work/run.out" >>"$work/all.out"
	name=$(printf '%s\n' "$*" | sed "s/$PASSWORD/***/g")
	[ "$vp_status" -eq "$expected" ]
	result $? "vproctl $name under SIGUSR2 exits $expected (got $vp_status)"
	[ "$vp_status" -eq "$expected" ] || diag_file "$work/run.out"

	caught=$(cat "$work/count" 2>/dev/null)
	[ "${caught:-0}" -ge $MIN_SIGNALS ]
	result $? "vproctl $1 caught at least $MIN_SIGNALS signals (caught ${caught:-none})"
}

echo "TAP version 13"

if [ ! -f "$PRELOAD" ]; then
	result 1 "$PRELOAD exists"
	echo "1..$tests"
	exit 1
fi

expect_mode 'pre-provisioning state'

if start_peer; then
	expect_exit_under_signals 0 activate \
		-u "wss://127.0.0.1:$peer_port/activate" --profile "$PROFILE" \
		-d vpro.test --ca "$CERTS/ca.pem"
	wait_peer
	[ "$peer_status" -eq 0 ]
	result $? "rps-peer reports a finished session (status $peer_status)"
	[ "$peer_status" -eq 0 ] || diag_file "$work/peer.log"
else
	result 1 "rps-peer starts"
	diag_file "$work/peer.log"
fi
expect_mode 'activated in client control mode'

expect_exit_under_signals 0 deactivate --local
expect_mode 'pre-provisioning state'

expect_exit_under_signals 0 activate --local --ccm --password "$PASSWORD"
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local

# Without the module, vproctl runs APF itself over /dev/mei0.
rmmod vpro_heci
result $? "rmmod vpro_heci"
expect_exit_under_signals 0 activate --local --ccm --password "$PASSWORD" \
	--transport mei
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local
insmod "$MODULE"
result $? "insmod vpro_heci.ko"

expect_password_hidden

echo "1..$tests"
[ "$failed" -eq 0 ]
