#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl's transports against fwsim --sku amt. With vpro_heci.ko
# unloaded, local CCM activation works over APF on /dev/mei0's LME client
# (forced with --transport mei, then picked by auto), and so does an RPS
# activation through rps-peer with --transport mei. --transport apf exits
# 71, --transport lms exits 139 with nothing on 127.0.0.1:16992, and an
# invalid --transport exits 28. With the module back, auto picks apf, and
# --transport mei exits 71 while the module's APF link keeps LME connected.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

PASSWORD='Transport-Passw0rd!'
MODULE=/lib/modules/vpro/vpro_heci.ko
LINGER=/sys/module/vpro_heci/parameters/apf_linger_ms
CERTS=/etc/vpro-vm/certs
PROFILE=ccm-profile

work=$(mktemp -d /tmp/transport_test.XXXXXX) || exit 1
tests=0
failed=0
peer_pid=

# Loads vpro_heci.ko again whatever happened, so later suites have it.
cleanup() {
	if [ -n "$peer_pid" ]; then
		kill -TERM "$peer_pid" 2>/dev/null
		wait "$peer_pid" 2>/dev/null
	fi
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
	[ -f "$1" ] && sed 's/^/# /' "$1"
}

# Runs vproctl with the arguments after $1 for at most 60 s into
# $work/run.out (stdout and stderr) and records whether it exited $1.
# The test name shows the arguments with the password replaced.
expect_exit() {
	expected=$1
	shift
	timeout 60 vproctl "$@" >"$work/run.out" 2>&1
	vp_status=$?
	cat "$work/run.out" >>"$work/all.out"
	name=$(printf '%s\n' "$*" | sed "s/$PASSWORD/***/g")
	[ "$vp_status" -eq "$expected" ]
	result $? "vproctl $name exits $expected (got $vp_status)"
	[ "$vp_status" -eq "$expected" ] || diag_file "$work/run.out"
}

# Records whether $work/run.out has a line matching pattern $1.
expect_output() {
	grep -q -e "$1" "$work/run.out"
	result $? "output has '$1'"
}

# Starts rps-peer for one CCM session on a free port and sets peer_port.
# Returns non-zero when it wrote no ready file within 10 s.
start_peer() {
	rm -f "$work/port"
	rps-peer --port 0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--profile "$PROFILE:$PASSWORD" --once --accept-timeout 60 \
		--ready-file "$work/port" </dev/null >"$work/peer.log" 2>&1 &
	peer_pid=$!
	i=0
	while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do
		kill -0 "$peer_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$work/port" ] || return 1
	peer_port=$(cat "$work/port")
}

# Waits up to 70 s for rps-peer to exit and sets peer_status (124: killed).
wait_peer() {
	i=0
	while kill -0 "$peer_pid" 2>/dev/null && [ $i -lt 700 ]; do
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

# Records whether "vproctl info" reports control mode $1.
expect_mode() {
	timeout 30 vproctl info >"$work/info.out" 2>&1
	grep -q "^Control Mode	*: $1\$" "$work/info.out"
	result $? "info reports '$1'"
	grep -q "^Control Mode	*: $1\$" "$work/info.out" ||
		grep '^Control Mode' "$work/info.out" | sed 's/^/# got: /'
}

# Preconditions: each missing piece is a failure, never a skip.
[ "${VPRO_SKU:-amt}" = amt ]
result $? "VPRO_SKU is amt (got ${VPRO_SKU:-unset})"
[ -d /sys/module/vpro_heci ]
result $? "vpro_heci.ko loaded at the start"
command -v rps-peer >/dev/null && [ -f "$CERTS/ca.pem" ]
result $? "rps-peer and $CERTS/ca.pem present"
unset AMT_PASSWORD
: >"$work/all.out"

# Without the module: no /dev/vpro_apf0.
rmmod vpro_heci >"$work/rmmod.out" 2>&1
result $? "rmmod vpro_heci"
diag_file "$work/rmmod.out"
[ ! -e /dev/vpro_apf0 ]
result $? "/dev/vpro_apf0 gone without the module"

expect_mode 'pre-provisioning state'
expect_exit 0 activate --local --ccm --password "$PASSWORD" --transport mei -v
expect_output 'transport: mei'
expect_output 'Device activated in client control mode'
diag_file "$work/run.out"
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local
expect_mode 'pre-provisioning state'

expect_exit 0 activate --local --ccm --password "$PASSWORD" -v
expect_output 'transport: mei'
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local

# vproctl relays each WS-Man request of the RPS session over one LME link.
if start_peer; then
	result 0 "rps-peer started"
	expect_exit 0 activate -u "wss://127.0.0.1:$peer_port/activate" \
		--profile "$PROFILE" -d vpro.test --ca "$CERTS/ca.pem" \
		--transport mei -v
	expect_output 'transport: mei'
	wait_peer
	[ "$peer_status" -eq 0 ]
	result $? "rps-peer reports a finished session (status $peer_status)"
	[ "$peer_status" -eq 0 ] || diag_file "$work/peer.log"
else
	result 1 "rps-peer started"
	diag_file "$work/peer.log"
fi
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local

expect_exit 71 activate --local --ccm --password "$PASSWORD" --transport apf
expect_output '^Error 71: '
expect_output '/dev/vpro_apf0 not found: vpro_heci.ko is not loaded'

if nc -z 127.0.0.1 16992 2>/dev/null; then
	result 1 "nothing listens on 127.0.0.1:16992"
fi
expect_exit 139 activate --local --ccm --password "$PASSWORD" --transport lms
expect_output '^Error 139: '
expect_output 'LMS on 127.0.0.1:16992 failed'

expect_exit 28 activate --local --ccm --password "$PASSWORD" --transport bogus
expect_output 'invalid --transport "bogus"'
expect_mode 'pre-provisioning state'

# With the module back: auto picks apf.
insmod "$MODULE" >"$work/insmod.out" 2>&1
result $? "insmod vpro_heci.ko"
diag_file "$work/insmod.out"
i=0
while [ ! -e /dev/vpro_apf0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e /dev/vpro_apf0 ]
result $? "/dev/vpro_apf0 back within 10 s"

# A long linger keeps LME held by the module after this activation.
old_linger=$(cat "$LINGER")
echo 20000 >"$LINGER"
expect_exit 0 activate --local --ccm --password "$PASSWORD" -v
expect_output 'transport: apf'
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local

# LME is still held by the module, so mei retries EBUSY and gives up.
expect_exit 71 activate --local --ccm --password "$PASSWORD" --transport mei
expect_output 'stayed busy'
echo "$old_linger" >"$LINGER"
expect_mode 'pre-provisioning state'

# The password is a secret: no vproctl output may contain it.
! grep -q -F "$PASSWORD" "$work/all.out"
result $? "no output contains the password"

echo "1..$tests"
[ "$failed" -eq 0 ]
