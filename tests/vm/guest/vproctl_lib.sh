# SPDX-License-Identifier: MIT
#
# Shell functions shared by the guest tests that run vproctl against
# fwsim and rps-peer (transport_test.sh, rps_edges_test.sh,
# eintr_test.sh). Before
# sourcing this file a test sets PASSWORD (the AMT password, hidden in
# test names), CERTS (the certificate directory), PROFILE (the rps-peer
# profile name), work (a scratch directory) and tests=0 failed=0
# peer_pid=. Runs under busybox sh.

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

# Runs vproctl with the arguments after $1 for at most $expect_seconds
# (default 60) into $work/run.out (stdout and stderr) and records whether
# it exited $1. The test name shows the arguments with the password
# replaced.
expect_exit() {
	expected=$1
	shift
	timeout "${expect_seconds:-60}" vproctl "$@" >"$work/run.out" 2>&1
	vp_status=$?
	cat "$work/run.out" >>"$work/all.out"
	name=$(printf '%s\n' "$*" | sed "s/$PASSWORD/***/g")
	[ "$vp_status" -eq "$expected" ]
	result $? "vproctl $name exits $expected (got $vp_status)"
	[ "$vp_status" -eq "$expected" ] || diag_file "$work/run.out"
}

# Records whether $work/run.out has a line matching pattern $1, and
# prints the output when it has none.
expect_output() {
	grep -q -e "$1" "$work/run.out"
	result $? "output has '$1'"
	grep -q -e "$1" "$work/run.out" || diag_file "$work/run.out"
}

# Starts rps-peer for one CCM session on a free port, sets peer_port and
# records whether rps-peer wrote its ready file within 10 s. The
# arguments are more rps-peer options; a later --cert or --key replaces
# the default server certificate. Returns non-zero when it did not start.
start_peer() {
	rm -f "$work/port"
	rps-peer --port 0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--profile "$PROFILE:$PASSWORD" --once --accept-timeout 60 \
		--ready-file "$work/port" "$@" </dev/null >"$work/peer.log" 2>&1 &
	peer_pid=$!
	i=0
	while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do
		kill -0 "$peer_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$work/port" ]
	result $? "rps-peer started"
	if [ ! -s "$work/port" ]; then
		diag_file "$work/peer.log"
		return 1
	fi
	peer_port=$(cat "$work/port")
}

# Waits up to $2 tenths of a second for process $1 to exit. Returns
# non-zero when it still runs.
wait_exit() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# Waits up to 70 s for rps-peer to exit and sets peer_status (124: killed).
wait_peer() {
	if ! wait_exit "$peer_pid" 700; then
		kill -KILL "$peer_pid"
		wait "$peer_pid" 2>/dev/null
		peer_status=124
	else
		wait "$peer_pid"
		peer_status=$?
	fi
	peer_pid=
}

# Stops background process $1 (a pid, or nothing) and reaps it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Stops rps-peer if it still runs, for the cleanup traps.
stop_peer() {
	stop_pid "$peer_pid"
	peer_pid=
}

# Exit trap of the tests that unload vpro_heci.ko ($MODULE): stops
# rps-peer, loads the module again whatever happened, so that later
# suites have it, and removes $work.
cleanup_and_reload() {
	stop_peer
	[ -d /sys/module/vpro_heci ] || insmod "$MODULE" 2>/dev/null
	rm -rf "$work"
}

# Records whether "vproctl info" reports control mode $1.
expect_mode() {
	timeout 30 vproctl info >"$work/info.out" 2>&1
	grep -q "^Control Mode	*: $1\$" "$work/info.out"
	result $? "info reports '$1'"
	grep -q "^Control Mode	*: $1\$" "$work/info.out" ||
		grep '^Control Mode' "$work/info.out" | sed 's/^/# got: /'
}

# Records whether no vproctl output of the test contains the password.
expect_password_hidden() {
	! grep -q -F "$PASSWORD" "$work/all.out"
	result $? "no output contains the password"
}

# Checks what every test of fwsim --sku amt with rps-peer needs, each
# missing piece a failure and never a skip, and starts $work/all.out.
check_amt_setup() {
	[ "${VPRO_SKU:-amt}" = amt ]
	result $? "VPRO_SKU is amt (got ${VPRO_SKU:-unset})"
	[ -d /sys/module/vpro_heci ]
	result $? "vpro_heci.ko loaded at the start"
	command -v rps-peer >/dev/null && [ -f "$CERTS/ca.pem" ]
	result $? "rps-peer and $CERTS/ca.pem present"
	unset AMT_PASSWORD
	: >"$work/all.out"
}
