#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl's exit codes in the test VM, one row per code that vproctl can
# reach here. Each row runs a command and checks the exit code and that
# stderr has exactly one "Error N:" line with that code (none for 0 and
# 5). Rows that need RPS run against rps-peer on 127.0.0.1. The first
# argument selects the row set, so that each suite line starts fwsim in
# the state its rows need:
#
#   amt:--control=/run/fwsim.ctl exit_codes_test.sh main
#       0 1 5 20 21 22 23 24 25 26 28 33 36 70 71 109 110 111 113 115 139,
#       and 0 again for "deactivate -u" after an activation
#   none exit_codes_test.sh none                     3
#   amt:--uuid=00000000-0000-0000-0000-000000000000 exit_codes_test.sh invalid-uuid
#                                                    37
#   amt:--state=post exit_codes_test.sh setup-rejected
#                                                    102
#   amt:--control=/run/fwsim.ctl exit_codes_test.sh local-faults
#       0 (Setup reply lost, control mode rechecked), 102 (the same
#       through RPS, which cannot finish then), 101 (Setup reply
#       without ReturnValue), 100 (401 for the local system account),
#       0 and 4 (AMTHI not ready after Unprovision, within and past
#       vproctl's 20 s bound, local and through RPS)
#   amt:--fault=tls-only exit_codes_test.sh tls-only
#                                                    138 (mei and apf)
#
# rps_edges_test.sh has the rows for 2 (no /dev/mei0: its set no-heci)
# and 10 (RPS drops the connection mid-session: its set drop).
#
# Code that cannot be reached, and why:
#   104 vproctl has no code path that returns it: RPS configures CIRA
#       and reports the result in its status message.
#
# The rows for 100, 101 and 138 use "activate --local", because only
# local activation reads WS-Man replies itself. Through RPS, RPS reports
# WS-Man errors. The row for 4 covers AMTHI "not ready"; busy_test.sh
# covers 4 for an AMTHI client that another program keeps busy.
#
# Needs vproctl, rps-peer, timeout and su (busybox). Certificates come
# from $VPRO_RPS_CERTS (default /etc/vpro-vm/certs). Prints TAP and
# exits 1 when any check fails. Runs under busybox sh.
set -u

PROFILE_PASSWORD='Exit-Codes-Passw0rd'
CONTROL_FIFO=/run/fwsim.ctl
SYSFS=/sys/class/vpro/vpro0
# A URL on which nothing listens: rows that fail before connecting.
NO_RPS_URL=wss://127.0.0.1:1/activate

set_name=${1:-}
certs=${VPRO_RPS_CERTS:-/etc/vpro-vm/certs}
work=$(mktemp -d /tmp/exit_codes_test.XXXXXX) || exit 1
peer_pid=
peer_runs=0
passwd_saved=
tests=0
failed=0

cleanup() {
	if [ -n "$peer_pid" ]; then
		kill -TERM "$peer_pid" 2>/dev/null
		wait "$peer_pid" 2>/dev/null
	fi
	[ -n "$passwd_saved" ] && cp "$work/passwd" /etc/passwd
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

# Runs one row: $1 is the expected exit code, $2 the row's name, the
# rest the command (at most 150 s). Checks the exit code and that stderr
# has exactly one "Error N:" line, with N the expected code, or none
# for 0 and 5.
check_row() {
	expected=$1
	name=$2
	shift 2
	timeout 150 "$@" >"$work/out" 2>"$work/err"
	status=$?
	errors=$(grep -c '^Error [0-9]*: ' "$work/err")
	if [ "$expected" -eq 0 ] || [ "$expected" -eq 5 ]; then
		want_errors=0
	else
		want_errors=1
	fi
	rc=0
	[ "$status" -eq "$expected" ] || rc=1
	[ "$errors" -eq "$want_errors" ] || rc=1
	if [ "$want_errors" -eq 1 ] &&
	   ! grep -q "^Error $expected: " "$work/err"; then
		rc=1
	fi
	result $rc "exit $expected: $name (got $status, $errors Error lines)"
	if [ $rc -ne 0 ]; then
		echo "# command: $*"
		diag_file "$work/out"
		diag_file "$work/err"
	fi
}

# Starts rps-peer for one session with the profile "ccm" and any extra
# arguments, and sets peer_url. Returns non-zero when it did not write
# its ready file within 10 s.
start_peer() {
	peer_runs=$((peer_runs + 1))
	peer_log=$work/peer$peer_runs.log
	rm -f "$work/port"
	rps-peer --port 0 --cert "$certs/server.pem" --key "$certs/server.key" \
		--profile "ccm:$PROFILE_PASSWORD" --once --accept-timeout 60 \
		--log "$peer_log" --ready-file "$work/port" "$@" \
		</dev/null 2>>"$peer_log" &
	peer_pid=$!
	i=0
	while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do
		kill -0 "$peer_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$work/port" ]; then
		result 1 "rps-peer $* starts"
		diag_file "$peer_log"
		return 1
	fi
	peer_url="wss://127.0.0.1:$(cat "$work/port")/activate"
	return 0
}

# Waits up to 130 s for rps-peer to exit (SIGKILL after that) and sets
# peer_status, 124 when it was killed.
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

# Runs one row against a fresh rps-peer, which gets the arguments before
# "--". The row's command follows and may use '$peer_url', which is set
# once the peer listens. The peer's own exit status is not checked.
check_peer_row() {
	expected=$1
	name=$2
	shift 2
	peer_args=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		peer_args="$peer_args $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086 # peer_args are words without spaces
	if ! start_peer $peer_args; then
		return
	fi
	# The row's words are evaluated once more so that $peer_url expands.
	row=
	for word in "$@"; do
		row="$row \"$word\""
	done
	eval "check_row \"\$expected\" \"\$name\" $row"
	wait_peer
	[ $rc -ne 0 ] && diag_file "$peer_log"
}

# Sends one line to fwsim's control FIFO and waits up to 5 s until fwsim
# has read it (it writes its counters when it reaches "stats").
fwsim_control() {
	rm -f "$work/stats"
	printf '%s\nstats %s\n' "$1" "$work/stats" >"$CONTROL_FIFO"
	i=0
	while [ ! -s "$work/stats" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$work/stats" ]
}

# Adds the user "nobody" (uid 65534) for the permission row. cleanup()
# restores /etc/passwd.
add_nobody() {
	grep -q '^nobody:' /etc/passwd && return 0
	cp /etc/passwd "$work/passwd" || return 1
	passwd_saved=1
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
}

rows_main() {
	check_row 0 "version" vproctl version
	check_row 5 "help" vproctl --help
	check_row 28 "unknown command" vproctl no-such-command
	check_row 20 "URL without wss://" \
		vproctl activate -u http://127.0.0.1/activate --profile ccm
	check_row 21 "missing profile" vproctl activate -u "$NO_RPS_URL"
	check_row 26 "proxy without host and port" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm --proxy http://
	check_row 33 "deactivate with --local and -u" \
		vproctl deactivate --local -u "$NO_RPS_URL"
	check_row 36 "unreadable --ca file" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm --ca "$work/no-such-ca.pem"
	check_row 23 "deactivate -u without a password" \
		env -u AMT_PASSWORD vproctl deactivate -u "$NO_RPS_URL"
	check_row 25 "empty hostname" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm --hostname ''
	# rpc-go's codes for an option without its value.
	check_row 24 "-d without a value" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm -d
	check_row 25 "--hostname without a value" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm --hostname
	if add_nobody; then
		check_row 1 "info as uid 65534" su -s /bin/sh nobody -c 'vproctl info'
	else
		result 1 "exit 1: adding the user nobody to /etc/passwd failed"
	fi
	check_row 109 "deactivate --local in pre-provisioning" \
		vproctl deactivate --local
	check_row 115 "deactivate -u in pre-provisioning" \
		vproctl deactivate -u "$NO_RPS_URL" --password "$PROFILE_PASSWORD"

	check_peer_row 22 "RPS certificate not trusted" -- \
		vproctl activate -u '$peer_url' --profile ccm
	# With --json the same error is also one JSON object on stdout.
	check_peer_row 22 "RPS certificate not trusted, --json" -- \
		vproctl activate -u '$peer_url' --profile ccm --json
	grep -q '^{"status":"error","code":22,"name":"Server certificate verification failed","message":"[^"]' \
		"$work/out"
	result $? "--json prints the error as JSON on stdout"
	[ "$(wc -l <"$work/out")" -eq 1 ]
	result $? "--json prints one line on stdout"
	diag_file "$work/out"
	check_peer_row 70 "RPS answers the upgrade with 401" \
		--misbehave reject-upgrade -- \
		vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm
	check_peer_row 113 "RPS sends a frame that is not JSON" \
		--misbehave non-json -- \
		vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm
	check_peer_row 111 "RPS rejects an unknown profile" -- \
		vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile no-such-profile
	check_peer_row 139 "no LMS on 127.0.0.1" -- \
		vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm \
		--transport lms
	if fwsim_control open-failure=2; then
		check_peer_row 71 "AMT refuses the APF channel" -- \
			vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm \
			--transport apf
	else
		result 1 "exit 71: fwsim did not apply open-failure=2 through $CONTROL_FIFO"
	fi
	fwsim_control clear || result 1 "fwsim did not apply clear through $CONTROL_FIFO"

	check_peer_row 0 "activate through RPS" -- \
		vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm
	check_peer_row 110 "deactivate -u with a wrong password" -- \
		vproctl deactivate -u '$peer_url' --ca "$certs/ca.pem" \
		--password Wrong-Passw0rd
	check_peer_row 0 "deactivate -u with the AMT password" -- \
		vproctl deactivate -u '$peer_url' --ca "$certs/ca.pem" \
		--password-file "$work/password"
	vproctl info >"$work/info" 2>&1
	grep -q 'pre-provisioning' "$work/info"
	result $? "AMT is in pre-provisioning after deactivate -u"
	! grep -q -F "$PROFILE_PASSWORD" "$work"/peer*.log "$work/out" "$work/err"
	result $? "no log or output contains the AMT password"
}

rows_none() {
	check_row 3 "activate without AMT" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm
	check_row 3 "deactivate -u without AMT" \
		vproctl deactivate -u "$NO_RPS_URL" --password "$PROFILE_PASSWORD"
}

rows_invalid_uuid() {
	check_row 37 "all-zero firmware UUID" \
		vproctl activate -u "$NO_RPS_URL" --profile ccm
}

rows_setup_rejected() {
	check_row 102 "Setup returns 2 in post-provisioning" \
		vproctl activate --local --ccm --password "$PROFILE_PASSWORD"
}

# Succeeds when sysfs attribute $1 reads $2 within 5 s, after a refresh.
sysfs_is() {
	echo 1 >"$SYSFS/refresh" 2>/dev/null
	i=0
	while [ $i -lt 50 ]; do
		[ "$(cat "$SYSFS/$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# $SYSFS/$1 is '$(cat "$SYSFS/$1" 2>&1)', expected '$2'"
	return 1
}

# Sets one fwsim fault through the control FIFO and records a failed
# check when fwsim did not read it.
set_fault() {
	fwsim_control "$1" && return 0
	result 1 "fwsim did not apply $1 through $CONTROL_FIFO"
	return 1
}

# Local activation against firmware faults: a lost or incomplete Setup
# reply, rejected local system account credentials, and firmware that
# is not ready for a while after Unprovision.
rows_local_faults() {
	local_activate='vproctl activate --local --ccm --password-file'

	# The reply is lost, but AMT did activate: the control mode decides.
	if set_fault setup-reply=drop; then
		check_row 0 "Setup reply lost, AMT activated" \
			$local_activate "$work/password"
		grep -q '^Warning: WS-Man Setup failed: .*checking the control mode' \
			"$work/err"
		result $? "lost Setup reply gives a warning"
		sysfs_is control_mode ccm
		result $? "control_mode is ccm after the lost Setup reply"
	fi
	fwsim_control clear
	check_row 0 "deactivate --local after the lost Setup reply" \
		vproctl deactivate --local

	# Through RPS, a lost Setup reply cannot be completed, but vproctl
	# reads the control mode and reports that AMT did activate.
	if set_fault setup-reply=drop; then
		check_peer_row 102 "Setup reply lost in an RPS session" -- \
			vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm
		grep -q "reply to Setup was lost, but AMT now reports client control mode" \
			"$work/err"
		result $? "lost Setup reply through RPS names the control mode"
		sysfs_is activation_status "failed: Setup reply lost, but AMT is in client control mode"
		result $? "activation_status names the lost Setup reply"
	fi
	fwsim_control clear
	check_row 0 "deactivate --local after the lost RPS Setup reply" \
		vproctl deactivate --local

	if set_fault setup-reply=no-return-value; then
		check_row 101 "Setup reply without ReturnValue" \
			$local_activate "$work/password"
		sysfs_is provisioning_state pre
		result $? "provisioning_state is pre after a Setup reply without ReturnValue"
	fi
	fwsim_control clear

	if set_fault reject-lsa-auth; then
		check_row 100 "AMT rejects the local system account" \
			$local_activate "$work/password"
		sysfs_is provisioning_state pre
		result $? "provisioning_state is pre after the rejected login"
	fi
	fwsim_control clear

	# Firmware not ready after Unprovision: 3 s is within vproctl's 20 s
	# bound, 30 s is past it.
	check_row 0 "activate --local before the settle rows" \
		$local_activate "$work/password"
	if set_fault settle-ms=3000; then
		check_row 0 "deactivate --local with a 3 s settle" \
			vproctl deactivate --local
		check_row 0 "activate --local at once after deactivation" \
			$local_activate "$work/password"
		grep -q 'AMT is not ready (AMTHI status 2), waiting up to 20 s' \
			"$work/err"
		result $? "activate --local says that it waits for AMT"
	fi
	if set_fault settle-ms=30000; then
		check_row 0 "deactivate --local with a 30 s settle" \
			vproctl deactivate --local
		check_row 4 "activate --local while AMT settles for 30 s" \
			$local_activate "$work/password"
		grep -q 'AMTHI still returns status 2 (not ready) after 20 s' "$work/err"
		result $? "exit 4 names the status and the 20 s bound"
	fi
	fwsim_control clear
	sysfs_is provisioning_state pre
	result $? "provisioning_state is pre after the settle rows"

	# The RPS path waits too.
	check_row 0 "activate --local before the RPS settle row" \
		$local_activate "$work/password"
	if set_fault settle-ms=3000; then
		check_row 0 "deactivate --local with a 3 s settle before RPS" \
			vproctl deactivate --local
		check_peer_row 0 "activate through RPS at once after deactivation" -- \
			vproctl activate -u '$peer_url' --ca "$certs/ca.pem" --profile ccm
		grep -q 'AMT is not ready (AMTHI status 2), waiting up to 20 s' \
			"$work/err"
		result $? "activate through RPS says that it waits for AMT"
	fi
	fwsim_control clear
}

# fwsim --fault=tls-only announces only ports 16993 and 664. The mei row
# runs first, before vpro_heci's APF link connects to the LME client.
rows_tls_only() {
	check_row 138 "TLS-only firmware over LME on /dev/mei0" \
		vproctl activate --local --ccm --password-file "$work/password" \
		--transport mei
	grep -q 'does not forward its non-TLS port 16992' "$work/err"
	result $? "exit 138 over LME names the non-TLS port"
	check_row 138 "TLS-only firmware over /dev/vpro_apf0" \
		vproctl activate --local --ccm --password-file "$work/password"
	grep -q 'does not forward its non-TLS port 16992' "$work/err"
	result $? "exit 138 over /dev/vpro_apf0 names the non-TLS port"
	sysfs_is provisioning_state pre
	result $? "provisioning_state is pre after the TLS-only rows"
}

for prog in vproctl rps-peer timeout su; do
	if ! command -v "$prog" >/dev/null; then
		echo "Bail out! $prog not found"
		exit 1
	fi
done
printf '%s\n' "$PROFILE_PASSWORD" >"$work/password"

case $set_name in
main) rows_main ;;
none) rows_none ;;
invalid-uuid) rows_invalid_uuid ;;
setup-rejected) rows_setup_rejected ;;
local-faults) rows_local_faults ;;
tls-only) rows_tls_only ;;
*)
	echo "Bail out! unknown row set \"$set_name\": use main, none, invalid-uuid, setup-rejected, local-faults or tls-only"
	exit 1
	;;
esac

echo "1..$tests"
[ "$failed" -eq 0 ]
