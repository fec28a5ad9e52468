#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl activate through an HTTP CONNECT proxy in the test VM: tinyproxy
# on 127.0.0.1 tunnels the session to rps-peer on 127.0.0.1. Checks
# --proxy, the HTTPS_PROXY environment variable (which libcurl reads when
# --proxy is not given), and the error for a proxy that is not running.
#
# Needs vproctl, rps-peer, tinyproxy (Debian's tinyproxy-bin, packed by
# tests/vm/run.sh) and a running fwsim with SKU amt. Certificates come
# from /etc/vpro-vm/certs. Prints TAP and exits 1 when any check fails.
# Runs under busybox sh.
set -u

PROFILE=proxy
PROFILE_PASSWORD='Proxy-Test-Passw0rd'
CERTS=/etc/vpro-vm/certs
PROXY_PORT=3128
# Nothing listens here: the "proxy down" case.
DOWN_PORT=3129
# rpc-go's exit code 20, "Missing or incorrect URL", which vproctl gives
# when it cannot connect to RPS (directly or through the proxy).
EXIT_CONNECT_FAILED=20

work=$(mktemp -d /tmp/proxy_test.XXXXXX) || exit 1
peer_pid=
proxy_pid=
tests=0
failed=0

cleanup() {
	for pid in $peer_pid $proxy_pid; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

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

# Waits up to 10 s for file $1 while process $2 runs.
wait_for_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# Starts rps-peer for one session on a free port and sets peer_port.
start_peer() {
	rm -f "$work/peer.port"
	rps-peer --port 0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--profile "$PROFILE:$PROFILE_PASSWORD" --once \
		--ready-file "$work/peer.port" </dev/null >>"$work/peer.log" 2>&1 &
	peer_pid=$!
	wait_for_file "$work/peer.port" "$peer_pid" || return 1
	peer_port=$(cat "$work/peer.port")
}

stop_peer() {
	[ -n "$peer_pid" ] || return 1
	wait "$peer_pid"
	rc=$?
	peer_pid=
	return $rc
}

# Starts tinyproxy in the foreground mode (-d) on 127.0.0.1:PROXY_PORT,
# logging every request, and waits up to 10 s for its log line
# "Accepting connections".
start_proxy() {
	if ! command -v tinyproxy >/dev/null; then
		echo "tinyproxy not found in the guest: install tinyproxy-bin on the host (scripts/install-deps.sh)" >"$work/proxy.log"
		return 1
	fi
	cat >"$work/tinyproxy.conf" <<CONF
Port $PROXY_PORT
Listen 127.0.0.1
Timeout 60
MaxClients 4
LogLevel Info
LogFile "$work/proxy.log"
Allow 127.0.0.1
CONF
	tinyproxy -d -c "$work/tinyproxy.conf" </dev/null >"$work/proxy.out" 2>&1 &
	proxy_pid=$!
	i=0
	while [ $i -lt 100 ]; do
		kill -0 "$proxy_pid" 2>/dev/null || return 1
		grep -q 'Accepting connections' "$work/proxy.log" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

url() {
	echo "wss://127.0.0.1:$peer_port/activate"
}

# Activation through --proxy.
if ! start_proxy; then
	result 1 "tinyproxy starts"
	diag_file "$work/proxy.out"
	diag_file "$work/proxy.log"
	echo "1..$tests"
	exit 1
fi
result 0 "tinyproxy starts"

if start_peer; then
	vproctl activate -u "$(url)" --profile "$PROFILE" -d vpro.test \
		--password "$PROFILE_PASSWORD" --ca "$CERTS/ca.pem" \
		--proxy "http://127.0.0.1:$PROXY_PORT" >"$work/out" 2>&1
	rc=$?
	result $rc "activate with --proxy exits 0"
	[ $rc -eq 0 ] || diag_file "$work/out"
	stop_peer
	result $? "rps-peer session through --proxy succeeds"
	grep -q "CONNECT 127.0.0.1:$peer_port" "$work/proxy.log"
	result $? "proxy log shows CONNECT for --proxy"
else
	result 1 "rps-peer starts for --proxy"
fi
diag_file "$work/peer.log"

# Activation through HTTPS_PROXY. AMT is activated now, so vproctl sends
# the password and rps-peer checks it against the profile's.
: >"$work/peer.log"
connects_before=$(grep -c 'CONNECT 127.0.0.1:' "$work/proxy.log")
if start_peer; then
	HTTPS_PROXY="http://127.0.0.1:$PROXY_PORT" \
		vproctl activate -u "$(url)" --profile "$PROFILE" -d vpro.test \
		--password "$PROFILE_PASSWORD" --ca "$CERTS/ca.pem" >"$work/out" 2>&1
	rc=$?
	result $rc "activate with HTTPS_PROXY exits 0"
	[ $rc -eq 0 ] || diag_file "$work/out"
	stop_peer
	result $? "rps-peer session through HTTPS_PROXY succeeds"
	[ "$(grep -c 'CONNECT 127.0.0.1:' "$work/proxy.log")" -eq $((connects_before + 1)) ]
	result $? "proxy log shows CONNECT for HTTPS_PROXY"
else
	result 1 "rps-peer starts for HTTPS_PROXY"
fi
diag_file "$work/peer.log"

# A proxy that is not running: no RPS is needed, the connect fails first.
vproctl activate -u "wss://127.0.0.1:8443/activate" --profile "$PROFILE" \
	-d vpro.test --password "$PROFILE_PASSWORD" --ca "$CERTS/ca.pem" \
	--proxy "http://127.0.0.1:$DOWN_PORT" >"$work/out" 2>&1
rc=$?
[ $rc -eq $EXIT_CONNECT_FAILED ]
result $? "proxy down exits $EXIT_CONNECT_FAILED (got $rc)"
grep -q "Error $EXIT_CONNECT_FAILED" "$work/out"
result $? "proxy down prints the exit code"
grep -q "$DOWN_PORT" "$work/out"
result $? "proxy down error names the proxy port"
diag_file "$work/out"

diag_file "$work/proxy.log"
echo "1..$tests"
[ $failed -eq 0 ]
