#!/bin/sh
# SPDX-License-Identifier: MIT
#
# End-to-end client control mode (CCM) activation and configuration in the
# test VM: vproctl activates the software ME (fwsim --sku amt) against
# rps-peer on 127.0.0.1, which then configures the device as RPS does
# (wired DHCP, redirection, user consent, KVM), first with a profile
# without CIRA, then with one with CIRA (trusted root, MPS, policy rule,
# user-initiated connections). Checks "vproctl activate --json", and that
# bad server messages give rpc-go's exit code and one clear error line.
#
# Needs vproctl, rps-peer and a running fwsim with SKU amt. Certificates
# come from $VPRO_RPS_CERTS (default /etc/vpro-vm/certs). Prints TAP and
# exits 1 when any check fails. Runs under busybox sh.
set -u

PROFILE_PASSWORD='Cira-Test-Passw0rd'
SYSFS=/sys/class/vpro/vpro0
# rpc-go's exit codes: a failure must map to one of them.
RPC_EXIT_CODES=' 1 2 3 4 5 10 20 21 22 23 24 25 26 28 33 36 37 70 71 100 101 102 104 109 110 111 113 115 138 139 '

certs=${VPRO_RPS_CERTS:-/etc/vpro-vm/certs}
work=$(mktemp -d /tmp/activate_cira_test.XXXXXX) || exit 1
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

# Starts rps-peer for one session with the profiles "ccm" and "cira" (both
# with $PROFILE_PASSWORD) and any extra rps-peer arguments, and sets
# peer_port. Returns non-zero if it did not write its ready file within 10 s.
start_peer() {
	peer_runs=$((peer_runs + 1))
	peer_log=$work/peer$peer_runs.log
	rm -f "$work/port"
	rps-peer --port 0 --cert "$certs/server.pem" --key "$certs/server.key" \
		--profile "ccm:$PROFILE_PASSWORD" \
		--profile "cira:$PROFILE_PASSWORD:cira" --once \
		--accept-timeout 60 --log "$peer_log" \
		--ready-file "$work/port" "$@" </dev/null 2>>"$peer_log" &
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
# vp_status and leaves stdout in $work/vproctl.out, stderr in
# $work/vproctl.err.
run_activate() {
	timeout 150 vproctl activate -u "wss://127.0.0.1:$peer_port/activate" \
		--ca "$certs/ca.pem" "$@" >"$work/vproctl.out" 2>"$work/vproctl.err"
	vp_status=$?
}

# Prints vproctl's output and the peer log as TAP diagnostics.
diag_run() {
	diag_file "$work/vproctl.out"
	diag_file "$work/vproctl.err"
	diag_file "$peer_log"
}

# Succeeds when the peer log of the last run has line pattern $1.
peer_logged() {
	grep -q -- "$1" "$peer_log"
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
	result 1 "activate_cira_test needs VPRO_SKU=amt, got ${VPRO_SKU}"
	echo "1..$tests"
	exit 1
fi
missing=
for prog in vproctl rps-peer timeout; do
	command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
result "$([ -z "$missing" ] && echo 0 || echo 1)" "programs present${missing:+ (missing:$missing)}"
test -f "$certs/ca.pem" && test -f "$certs/server.pem" && test -f "$certs/server.key"
result $? "test certificates in $certs"
if [ "$failed" -ne 0 ]; then
	echo "1..$tests"
	exit 1
fi
sysfs_is control_mode none
result $? "control_mode is none before"

# A frame that is not JSON: rpc-go's 113 (unmarshal failed), one Error line.
if start_peer --misbehave non-json; then
	run_activate --profile ccm
	wait_peer
	[ "$vp_status" -eq 113 ]
	result $? "non-JSON frame exits 113 (got $vp_status)"
	errors=$(grep -c '^Error [0-9]*: ' "$work/vproctl.err")
	[ "$errors" -eq 1 ] && grep -q 'not a JSON object' "$work/vproctl.err"
	result $? "non-JSON frame prints one clear Error line"
	[ "$vp_status" -eq 113 ] && [ "$errors" -eq 1 ] || diag_run
else
	result 1 "non-JSON frame exits 113 (peer did not start)"
fi

# A wsman message whose payload is not base64: also 113.
if start_peer --misbehave bad-base64; then
	run_activate --profile ccm
	wait_peer
	[ "$vp_status" -eq 113 ]
	result $? "invalid base64 payload exits 113 (got $vp_status)"
	grep -q 'not valid base64' "$work/vproctl.err"
	rc=$?
	result $rc "invalid base64 error names the payload"
	[ "$vp_status" -eq 113 ] && [ $rc -eq 0 ] || diag_run
else
	result 1 "invalid base64 payload exits 113 (peer did not start)"
fi
sysfs_is control_mode none
result $? "control_mode stays none after bad messages"

# Activation with the profile without CIRA, result as JSON.
if start_peer; then
	run_activate --profile ccm --json
	wait_peer
	[ "$vp_status" -eq 0 ] && [ "$peer_status" -eq 0 ]
	rc=$?
	result $rc "ccm activation succeeds (vproctl $vp_status, peer $peer_status)"
	grep -q '"status": "success"' "$work/vproctl.out"
	result $? "--json prints status success"
	grep -q '"Status": "Client control mode"' "$work/vproctl.out"
	result $? "--json prints the RPS status"
	grep -q '"Network": "Wired network configured with DHCP"' "$work/vproctl.out"
	result $? "--json prints the network result"
	grep -q '"CIRAConnection": "None"' "$work/vproctl.out"
	result $? "--json prints no CIRA for the ccm profile"
	[ "$(head -c 1 "$work/vproctl.out")" = "{" ] && [ "$(tail -n 1 "$work/vproctl.out")" = "}" ]
	result $? "--json output is one JSON object"
	peer_logged 'AMT_EthernetPortSettings Put returned HTTP 200'
	result $? "peer set the wired port to DHCP"
	peer_logged 'CIM_KVMRedirectionSAP.RequestStateChange returned HTTP 200'
	result $? "peer enabled KVM"
	! peer_logged 'AddMpServer'
	result $? "no CIRA calls for the ccm profile"
	[ $rc -eq 0 ] || diag_run
else
	result 1 "ccm activation succeeds (peer did not start)"
fi
sysfs_is control_mode ccm
result $? "control_mode is ccm after activation"

# The activated device with the CIRA profile: RPS logs in as admin and
# adds the CIRA configuration.
if start_peer; then
	run_activate --profile cira --password "$PROFILE_PASSWORD" --json
	wait_peer
	[ "$vp_status" -eq 0 ] && [ "$peer_status" -eq 0 ]
	rc=$?
	result $rc "cira configuration succeeds (vproctl $vp_status, peer $peer_status)"
	grep -q '"CIRAConnection": "Configured"' "$work/vproctl.out"
	result $? "--json prints CIRA configured"
	for call in AMT_PublicKeyManagementService.AddTrustedRootCertificate \
		    AMT_RemoteAccessService.AddMpServer \
		    AMT_RemoteAccessService.AddRemoteAccessPolicyRule \
		    AMT_UserInitiatedConnectionService.RequestStateChange; do
		peer_logged "wsman $call "
		result $? "peer called $call"
	done
	[ $rc -eq 0 ] || diag_run
else
	result 1 "cira configuration succeeds (peer did not start)"
fi

# An unknown method is ignored with a line on stderr; configuring again
# deletes the CIRA rule and MPS the previous run added.
if start_peer --misbehave unknown-method; then
	run_activate --profile ccm --password "$PROFILE_PASSWORD"
	wait_peer
	[ "$vp_status" -eq 0 ] && [ "$peer_status" -eq 0 ]
	rc=$?
	result $rc "unknown method is ignored (vproctl $vp_status, peer $peer_status)"
	grep -q 'unknown method "bogus_method"' "$work/vproctl.err"
	result $? "unknown method is named on stderr"
	peer_logged 'AMT_RemoteAccessPolicyRule Delete returned HTTP 200'
	result $? "old policy rule deleted"
	peer_logged 'AMT_ManagementPresenceRemoteSAP Delete returned HTTP 200'
	result $? "old MPS deleted"
	[ $rc -eq 0 ] || diag_run
else
	result 1 "unknown method is ignored (peer did not start)"
fi
sysfs_is control_mode ccm
result $? "control_mode is still ccm"

# Neither side may log or print the password.
! grep -q -F "$PROFILE_PASSWORD" "$work"/peer*.log "$work/vproctl.out" "$work/vproctl.err"
result $? "no password in logs or output"

echo "1..$tests"
[ "$failed" -eq 0 ]
