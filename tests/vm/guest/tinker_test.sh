#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The Tinker action entrypoint (scripts/tinker/entrypoint.sh, in the
# guest as tinker-entrypoint.sh) against fwsim and rps-peer on 127.0.0.1.
# With VPRO_SKU=amt: input checks, an RPS failure, a CCM activation with
# an inline CA certificate, a second activation with AMT_PASSWORD, and a
# stub vproctl that records every process command line while it runs.
# With VPRO_SKU=none: the "unsupported" result. Every run must print
# exactly one JSON line, and the AMT password must appear in no output.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

PROFILE_NAME=ccm
PROFILE_PASSWORD='Tinker-Passw0rd"\x'
SYSFS=/sys/class/vpro/vpro0
# The result line: three fixed keys, then "result" with vproctl's JSON.
LINE_PATTERN='^\{"status":"(success|error|unsupported)","exitCode":[0-9]+,"message":"([^"\\]|\\.)*"(,"result":\{.*\})?\}$'

entrypoint=${TINKER_ENTRYPOINT:-tinker-entrypoint.sh}
certs=${VPRO_RPS_CERTS:-/etc/vpro-vm/certs}
work=$(mktemp -d /tmp/tinker_test.XXXXXX) || exit 1
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

# Runs the entrypoint for at most 120 s with a clean environment plus the
# VAR=VALUE arguments. Sets ep_status, leaves stdout in $work/ep.out and
# stderr in $work/ep.err, and appends both to $work/all.out.
run_entrypoint() {
	env -i PATH="$PATH" TMPDIR="$work" "$@" \
		timeout 120 "$entrypoint" >"$work/ep.out" 2>"$work/ep.err"
	ep_status=$?
	cat "$work/ep.out" "$work/ep.err" >>"$work/all.out"
}

# Checks the last run: one result line in the expected form with status
# $1 and exit code $2, and exit status $2. $3 names the case.
check_run() {
	lines=$(wc -l <"$work/ep.out")
	[ "$lines" -eq 1 ]
	result $? "$3: one stdout line (got $lines)"
	grep -Eq "$LINE_PATTERN" "$work/ep.out"
	result $? "$3: result line is well formed"
	grep -q "^{\"status\":\"$1\"," "$work/ep.out"
	result $? "$3: status $1"
	grep -q "\"exitCode\":$2," "$work/ep.out"
	result $? "$3: exitCode $2 in the line"
	[ "$ep_status" -eq "$2" ]
	result $? "$3: exits $2 (got $ep_status)"
	if [ "$lines" -ne 1 ] || [ "$ep_status" -ne "$2" ] ||
		! grep -q "^{\"status\":\"$1\"," "$work/ep.out"; then
		diag_file "$work/ep.out"
		diag_file "$work/ep.err"
	fi
}

# Starts rps-peer for one session and sets peer_port. Returns non-zero if
# it did not write its ready file within 10 s.
start_peer() {
	peer_runs=$((peer_runs + 1))
	peer_log=$work/peer$peer_runs.log
	rm -f "$work/port"
	rps-peer --port 0 --cert "$certs/server.pem" --key "$certs/server.key" \
		--profile "$PROFILE_NAME:$PROFILE_PASSWORD" --once --heartbeat \
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

# Waits up to 70 s (the peer's 60 s session bound plus margin) for
# rps-peer to exit and sets peer_status, which is 124 when it was killed.
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

# Writes a stub vproctl to $work/stub-vproctl that stores its arguments
# and every process command line, then prints JSON like vproctl --json.
write_stub() {
	cat >"$work/stub-vproctl" <<STUB
#!/bin/sh
printf '%s\n' "\$@" >"$work/stub.args"
for f in /proc/[0-9]*/cmdline; do
	tr '\0' ' ' <"\$f" 2>/dev/null
	echo
done >"$work/stub.cmdlines"
printf '{\n  "status": "success",\n  "message": {\n    "Status": "stub"\n  }\n}\n'
STUB
	chmod 0755 "$work/stub-vproctl"
}

# Cases that need no firmware: the input checks.
input_checks() {
	run_entrypoint PROFILE=ccm
	check_run error 20 "missing RPS_URL"
	grep -q 'RPS_URL is missing' "$work/ep.out"
	result $? "missing RPS_URL: message names RPS_URL"

	run_entrypoint RPS_URL="wss://127.0.0.1:9/activate"
	check_run error 21 "missing PROFILE"
	grep -q 'PROFILE is missing' "$work/ep.out"
	result $? "missing PROFILE: message names PROFILE"

	run_entrypoint RPS_URL="wss://127.0.0.1:9/activate" PROFILE=ccm SKIP_CERT_CHECK=yes
	check_run error 28 "SKIP_CERT_CHECK=yes"
	grep -q "SKIP_CERT_CHECK='yes' is invalid" "$work/ep.out"
	result $? "SKIP_CERT_CHECK=yes: message names the value"

	for value in 0 -5 1.5 ten; do
		run_entrypoint RPS_URL="wss://127.0.0.1:9/activate" PROFILE=ccm TIMEOUT="$value"
		check_run error 28 "TIMEOUT=$value"
	done

	run_entrypoint RPS_URL="wss://127.0.0.1:9/activate" PROFILE=ccm CA_CERT="$work/missing.pem"
	check_run error 36 "CA_CERT missing file"
}

run_amt() {
	if [ ! -f "$certs/ca.pem" ] || [ ! -f "$certs/server.pem" ]; then
		result 1 "test certificates in $certs"
		return
	fi
	input_checks

	# The stub shows the command line vproctl gets, and that the
	# password is in no process's command line while vproctl runs.
	write_stub
	run_entrypoint VPROCTL="$work/stub-vproctl" RPS_URL="wss://127.0.0.1:9/activate" \
		PROFILE=ccm AMT_PASSWORD="$PROFILE_PASSWORD" DNS_SUFFIX=example.test \
		AMT_HOSTNAME=node1 SKIP_CERT_CHECK=true TIMEOUT=30
	check_run success 0 "stub vproctl"
	tr '\n' ' ' <"$work/stub.args" >"$work/stub.line"
	grep -qx 'activate -u wss://127.0.0.1:9/activate --profile ccm --json -d example.test --hostname node1 -n ' "$work/stub.line"
	rc=$?
	result $rc "stub vproctl: command line maps every variable"
	[ "$rc" -eq 0 ] || diag_file "$work/stub.line"
	grep -q '"result":{"status": "success","message": {"Status": "stub"}}}$' "$work/ep.out"
	result $? "stub vproctl: its JSON is the result"
	grep -q 'tinker-entrypoint\|entrypoint.sh' "$work/stub.cmdlines"
	result $? "stub vproctl: process list read while the entrypoint runs"
	! grep -q -F "$PROFILE_PASSWORD" "$work/stub.cmdlines"
	result $? "stub vproctl: no password in any command line"

	sysfs_is control_mode none
	result $? "control_mode is none before"

	# RPS rejects an unknown profile: vproctl's code in the line and as
	# the exit status.
	if start_peer; then
		run_entrypoint RPS_URL="wss://127.0.0.1:$peer_port/activate" PROFILE=nosuch \
			CA_CERT="$certs/ca.pem" TIMEOUT=90
		wait_peer
		code=$(sed -n 's/.*"exitCode":\([0-9]*\),.*/\1/p' "$work/ep.out")
		[ -n "$code" ] && [ "$code" -ne 0 ] && [ "$code" -eq "$ep_status" ]
		result $? "unknown profile: exitCode $code equals exit status $ep_status"
		check_run error "$ep_status" "unknown profile"
		grep -q 'nosuch' "$work/ep.out"
		result $? "unknown profile: message names the profile"
	else
		result 1 "unknown profile (peer did not start)"
	fi

	# The activation, with the CA certificate given as PEM content.
	if start_peer; then
		run_entrypoint RPS_URL="wss://127.0.0.1:$peer_port/activate" PROFILE="$PROFILE_NAME" \
			CA_CERT="$(cat "$certs/ca.pem")" SKIP_CERT_CHECK=false TIMEOUT=90
		wait_peer
		check_run success 0 "activation"
		grep -q '"result":{.*"Client control mode"' "$work/ep.out"
		result $? "activation: result has the RPS status"
		[ "$peer_status" -eq 0 ]
		result $? "activation: peer session succeeds (got $peer_status)"
		[ "$peer_status" -eq 0 ] || diag_file "$peer_log"
	else
		result 1 "activation (peer did not start)"
	fi
	sysfs_is control_mode ccm
	result $? "control_mode is ccm after activation"
	leftover=$(ls -d "$work"/vpro-tinker.* 2>/dev/null)
	[ -z "$leftover" ]
	result $? "no temporary files left behind${leftover:+ ($leftover)}"

	# Once activated, RPS logs in with the password from AMT_PASSWORD.
	if start_peer; then
		run_entrypoint RPS_URL="wss://127.0.0.1:$peer_port/activate" PROFILE="$PROFILE_NAME" \
			CA_CERT="$certs/ca.pem" AMT_PASSWORD="$PROFILE_PASSWORD" TIMEOUT=90
		wait_peer
		check_run success 0 "activation with AMT_PASSWORD"
		[ "$peer_status" -eq 0 ]
		result $? "activation with AMT_PASSWORD: peer session succeeds (got $peer_status)"
	else
		result 1 "activation with AMT_PASSWORD (peer did not start)"
	fi
}

run_none() {
	run_entrypoint RPS_URL="wss://127.0.0.1:9/activate" PROFILE=ccm TIMEOUT=60 \
		AMT_PASSWORD="$PROFILE_PASSWORD"
	check_run unsupported 3 "device without AMT"
	grep -q 'AMT not detected' "$work/ep.out"
	result $? "device without AMT: message says AMT not detected"
}

missing=
for prog in "$entrypoint" vproctl rps-peer timeout env; do
	command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
[ -z "$missing" ]
result $? "programs present${missing:+ (missing:$missing)}"
: >"$work/all.out"

case ${VPRO_SKU:-amt} in
amt) run_amt ;;
none) run_none ;;
*) result 1 "tinker_test runs with VPRO_SKU amt or none, got ${VPRO_SKU}" ;;
esac

! grep -q -F "$PROFILE_PASSWORD" "$work/all.out"
result $? "no password in any output"
if [ -n "$(ls "$work"/peer*.log 2>/dev/null)" ]; then
	! grep -q -F "$PROFILE_PASSWORD" "$work"/peer*.log
	result $? "no password in the peer logs"
fi

echo "1..$tests"
[ "$failed" -eq 0 ]
