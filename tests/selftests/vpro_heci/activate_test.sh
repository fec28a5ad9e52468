#!/bin/sh
# SPDX-License-Identifier: MIT
#
# End-to-end client control mode (CCM) activation in the test VM:
# vproctl activates the software ME (fwsim --sku amt) against rps-peer,
# the RPS stand-in, on 127.0.0.1. Checks the exit codes rpc-go would
# give, the sysfs state before and after, and "vproctl info".
#
# Needs vproctl, rps-peer and a running fwsim with SKU amt. Certificates
# come from $VPRO_RPS_CERTS (default /etc/vpro-vm/certs, where
# tests/vm/run.sh puts ca.pem, server.pem and server.key). Without them,
# gen-certs.sh from tests/rps must be in PATH to create them.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

PROFILE=ccm
PROFILE_PASSWORD='Ccm-Test-Passw0rd'
SYSFS=/sys/class/vpro/vpro0
# rpc-go's exit codes: a failure must map to one of them.
RPC_EXIT_CODES=' 1 2 3 4 5 10 20 21 22 23 24 25 26 28 33 36 37 70 71 100 101 102 104 109 110 111 113 115 138 139 '

certs=${VPRO_RPS_CERTS:-/etc/vpro-vm/certs}
work=$(mktemp -d /tmp/activate_test.XXXXXX) || exit 1
peer_pid=
peer_runs=0
tests=0
failed=0

cleanup() {
	if [ -n "$peer_pid" ]; then
		kill -TERM "$peer_pid" 2>/dev/null
		wait "$peer_pid" 2>/dev/null
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

# Starts rps-peer for one session and sets peer_port. Returns non-zero if
# it did not write its ready file within 10 s.
start_peer() {
	peer_runs=$((peer_runs + 1))
	peer_log=$work/peer$peer_runs.log
	rm -f "$work/port"
	rps-peer --port 0 --cert "$certs/server.pem" --key "$certs/server.key" \
		--profile "$PROFILE:$PROFILE_PASSWORD" --once --heartbeat \
		--accept-timeout 60 --log "$peer_log" \
		--ready-file "$work/port" </dev/null 2>>"$peer_log" &
	peer_pid=$!
	i=0
	while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do
		kill -0 "$peer_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$work/port" ]; then
		echo "# rps-peer did not start within 10 s"
		diag_file "$peer_log"
		return 1
	fi
	peer_port=$(cat "$work/port")
	return 0
}

# Waits up to 130 s (the peer's 120 s session bound plus margin) for
# rps-peer to exit and sets peer_status, which is 124 when it was killed.
wait_peer() {
	i=0
	while kill -0 "$peer_pid" 2>/dev/null && [ $i -lt 1300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$peer_pid" 2>/dev/null; then
		kill -KILL "$peer_pid"
		wait "$peer_pid" 2>/dev/null
		peer_status=124
	else
		wait "$peer_pid"
		peer_status=$?
	fi
	peer_pid=
}

# Runs vproctl activate with the arguments given for at most 150 s. Sets
# vp_status and leaves the output in $work/vproctl.out.
run_activate() {
	timeout 150 vproctl activate -u "wss://127.0.0.1:$peer_port/activate" \
		"$@" >"$work/vproctl.out" 2>&1
	vp_status=$?
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

is_rpc_exit_code() {
	case $RPC_EXIT_CODES in *" $1 "*) return 0 ;; esac
	return 1
}

# Preconditions: each missing piece is a failure, never a skip.
if [ "${VPRO_SKU:-amt}" != amt ]; then
	result 1 "activate_test needs VPRO_SKU=amt, got ${VPRO_SKU}"
	echo "1..$tests"
	exit 1
fi
missing=
for prog in vproctl rps-peer timeout; do
	command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
result "$([ -z "$missing" ] && echo 0 || echo 1)" "programs present${missing:+ (missing:$missing)}"
if [ ! -f "$certs/server.pem" ] && command -v gen-certs.sh >/dev/null 2>&1; then
	certs=$work/certs
	gen-certs.sh "$certs" >/dev/null 2>&1
fi
test -f "$certs/ca.pem" && test -f "$certs/server.pem" && test -f "$certs/server.key"
result $? "test certificates in $certs"
if [ "$failed" -ne 0 ]; then
	echo "# set VPRO_RPS_CERTS to a directory with ca.pem, server.pem, server.key"
	echo "1..$tests"
	exit 1
fi

sysfs_is control_mode none
result $? "control_mode is none before"
sysfs_is provisioning_state pre
result $? "provisioning_state is pre before"

# Without --ca, the test CA is unknown and TLS verification must fail.
if start_peer; then
	run_activate --profile "$PROFILE"
	wait_peer
	[ "$vp_status" -eq 22 ]
	result $? "activate without --ca exits 22 (got $vp_status)"
	[ "$vp_status" -eq 22 ] || diag_file "$work/vproctl.out"
	[ "$peer_status" -ne 0 ]
	result $? "peer reports no session without --ca"
else
	result 1 "activate without --ca exits 22 (peer did not start)"
fi

# A profile RPS does not know: a chart exit code and one readable error.
if start_peer; then
	run_activate --profile nosuch --ca "$certs/ca.pem"
	wait_peer
	is_rpc_exit_code "$vp_status" && [ "$vp_status" -ne 0 ]
	result $? "unknown profile exits with an rpc-go code (got $vp_status)"
	errors=$(grep -c '^Error [0-9]*: ' "$work/vproctl.out")
	[ "$errors" -eq 1 ]
	result $? "unknown profile prints one Error line (got $errors)"
	grep -q 'nosuch' "$work/vproctl.out"
	result $? "unknown profile error names the profile"
	[ "$vp_status" -ne 0 ] && [ "$errors" -eq 1 ] || diag_file "$work/vproctl.out"
	[ "$peer_status" -eq 1 ]
	result $? "peer exits 1 after the unknown profile (got $peer_status)"
else
	result 1 "unknown profile exits with an rpc-go code (peer did not start)"
fi
sysfs_is control_mode none
result $? "control_mode stays none after failures"

# The activation itself.
if start_peer; then
	run_activate --profile "$PROFILE" --ca "$certs/ca.pem"
	wait_peer
	[ "$vp_status" -eq 0 ]
	result $? "activate exits 0 (got $vp_status)"
	grep -q 'Client control mode' "$work/vproctl.out"
	result $? "activate prints the RPS status"
	[ "$vp_status" -eq 0 ] || diag_file "$work/vproctl.out"
	[ "$peer_status" -eq 0 ]
	result $? "peer session ends with success (got $peer_status)"
	[ "$peer_status" -eq 0 ] || diag_file "$peer_log"
else
	result 1 "activate exits 0 (peer did not start)"
fi
sysfs_is control_mode ccm
result $? "control_mode is ccm after activation"
sysfs_is provisioning_state post
result $? "provisioning_state is post after activation"
timeout 30 vproctl info >"$work/info.out" 2>&1
grep -q '^Control Mode[[:space:]]*: *activated in client control mode$' "$work/info.out"
rc=$?
result $rc "vproctl info shows client control mode"
[ $rc -eq 0 ] || diag_file "$work/info.out"

# Once activated, RPS logs in as admin with the profile password.
if start_peer; then
	run_activate --profile "$PROFILE" --ca "$certs/ca.pem" \
		--password "$PROFILE_PASSWORD"
	wait_peer
	[ "$vp_status" -eq 0 ] && [ "$peer_status" -eq 0 ]
	rc=$?
	result $rc "activate again as admin succeeds (vproctl $vp_status, peer $peer_status)"
	[ $rc -eq 0 ] || { diag_file "$work/vproctl.out"; diag_file "$peer_log"; }
else
	result 1 "activate again as admin succeeds (peer did not start)"
fi

# Neither side may log or print the password.
! grep -q -F "$PROFILE_PASSWORD" "$work"/peer*.log "$work/vproctl.out"
result $? "no password in logs or output"

echo "1..$tests"
[ "$failed" -eq 0 ]
