#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl at the edges of its transports and of an RPS session, against
# fwsim --sku amt and rps-peer on 127.0.0.1. The first argument selects
# one row set, run as its own suite line so that each starts on a fresh
# fwsim:
#
#   lms       vpro_heci.ko unloaded and apf_bench's relay on
#             127.0.0.1:16992 as the LMS stand-in: local and RPS
#             activations with --transport lms exit 0, and auto falls
#             back to lms while the relay keeps the LME client connected.
#   drop      rps-peer --misbehave drop closes TCP after the first WS-Man
#             exchange: exit 10 with one line saying the connection
#             dropped, and activation_status "failed".
#   hostname  rps-peer serves a certificate of the test CA that names only
#             rps.test.invalid: --ca exits 22 with a line naming
#             127.0.0.1, and -n activates.
#   system-ca without --ca, the test CA's certificate fails with 22. Once
#             the test CA is in the guest's system CA store, the
#             activation exits 0.
#   silent-server
#             a server that accepts TCP and never replies to TLS: exit 20
#             after vproctl's 30 s connect timeout, saying it timed out.
#   silent-rps
#             rps-peer stops after the first WS-Man exchange: exit 10
#             after vproctl's 60 s wait for the next message.
#   me-reset  an ME reset (SIGUSR1 to fwsim) between two WS-Man exchanges
#             of an RPS session over --transport mei: vproctl reconnects
#             the LME link and the activation exits 0.
#   no-heci   fwsim stopped, vpro_heci.ko and mesim.ko unloaded, so no
#             /dev/mei0: info and local activation exit 2 and say what
#             to load. Stops the runner's fwsim; cleanup reloads both
#             modules for the next suites.
#
# Needs vproctl, rps-peer, apf_bench (lms only), timeout and busybox.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

PASSWORD='Rps-Edges-Passw0rd!'
MODULE_DIR=/lib/modules/vpro
CERTS=/etc/vpro-vm/certs
PROFILE=ccm-profile
SYSFS=/sys/class/vpro/vpro0
# The ready file of the fwsim that tests/vm/guest-init.sh starts. fwsim
# writes it again after each re-enumeration.
FWSIM_READY=/run/fwsim.ready
LMS_PORT=16992
SYSTEM_CA_STORE=/etc/ssl/certs/ca-certificates.crt
# A loopback port where a server accepts connections and never replies.
SILENT_PORT=18443

set_name=${1:-}
work=$(mktemp -d /tmp/rps_edges_test.XXXXXX) || exit 1
tests=0
failed=0
peer_pid=
relay_pid=
vproctl_pid=
silent_pid=

. "$(dirname "$0")/vproctl_lib.sh"

# Stops what the test started and loads the modules again, whatever
# happened, so later suites find mesim.ko and vpro_heci.ko.
cleanup() {
	[ -f "$work/store.saved" ] && cp "$work/store.saved" "$SYSTEM_CA_STORE"
	stop_peer
	stop_relay
	stop_pid "$silent_pid"
	stop_pid "$vproctl_pid"
	[ -d /sys/module/mesim ] || insmod "$MODULE_DIR/mesim.ko" 2>/dev/null
	[ -d /sys/module/vpro_heci ] || insmod "$MODULE_DIR/vpro_heci.ko" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

stop_relay() {
	stop_pid "$relay_pid"
	relay_pid=
}

# Waits up to $2 tenths of a second for path $1 to exist.
wait_path() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# Prints the pid of the one running fwsim, or nothing.
fwsim_pid() {
	for comm in /proc/[0-9]*/comm; do
		[ "$(cat "$comm" 2>/dev/null)" = fwsim ] || continue
		pid=${comm#/proc/}
		echo "${pid%/comm}"
		return 0
	done
}

# Records whether the last vproctl run printed exactly one "Error N:" line.
expect_one_error_line() {
	count=$(grep -c '^Error [0-9]*: ' "$work/run.out")
	[ "$count" -eq 1 ]
	result $? "one 'Error N:' line (got $count)"
}

unload_vpro_heci() {
	rmmod vpro_heci >"$work/rmmod.out" 2>&1
	result $? "rmmod vpro_heci"
	diag_file "$work/rmmod.out"
}

# Records whether the RPS session that ended with wait_peer succeeded.
expect_peer_success() {
	wait_peer
	[ "$peer_status" -eq 0 ]
	result $? "rps-peer reports a finished session (status $peer_status)"
	[ "$peer_status" -eq 0 ] || diag_file "$work/peer.log"
}

# Activates through rps-peer with the options after $1, expecting exit $1.
activate_rps() {
	expected=$1
	shift
	expect_exit "$expected" activate -u "wss://127.0.0.1:$peer_port/activate" \
		--profile "$PROFILE" -d vpro.test "$@"
}

# LMS path: apf_bench's relay listens on 127.0.0.1:16992 and carries each
# TCP connection over its own APF channel on the LME client, as LMS does.
run_lms() {
	unload_vpro_heci
	apf_bench relay --tcp-port "$LMS_PORT" --amt-port "$LMS_PORT" \
		--device /dev/mei0 --ready-file "$work/relay.ready" \
		</dev/null >"$work/relay.log" 2>&1 &
	relay_pid=$!
	wait_path "$work/relay.ready" 150
	result $? "LMS stand-in listens on 127.0.0.1:$LMS_PORT within 15 s"
	diag_file "$work/relay.log"

	expect_mode 'pre-provisioning state'
	expect_exit 0 activate --local --ccm --password "$PASSWORD" --transport lms -v
	expect_output 'transport: lms'
	expect_output 'Device activated in client control mode'
	expect_mode 'activated in client control mode'
	expect_exit 0 deactivate --local
	expect_mode 'pre-provisioning state'

	if start_peer; then
		activate_rps 0 --ca "$CERTS/ca.pem" --transport lms -v
		expect_output 'transport: lms'
		expect_peer_success
	fi
	expect_mode 'activated in client control mode'
	expect_exit 0 deactivate --local

	# The relay keeps the LME client connected, so auto finds it busy and uses LMS.
	expect_exit 0 activate --local --ccm --password "$PASSWORD" -v
	expect_output 'LME client of /dev/mei0 stayed busy'
	expect_output 'transport: lms'
	expect_mode 'activated in client control mode'
	expect_exit 0 deactivate --local

	kill -0 "$relay_pid" 2>/dev/null
	result $? "LMS stand-in still runs after the activations"
	stop_relay
	expect_mode 'pre-provisioning state'
}

# RPS drops TCP without a close frame after the first WS-Man exchange.
run_drop() {
	wait_path "$SYSFS/activation_status" 50
	status=$(cat "$SYSFS/activation_status" 2>/dev/null)
	case $status in '' | failed*) false ;; esac
	result $? "activation_status is not 'failed' before the session (got '$status')"
	if start_peer --misbehave drop; then
		activate_rps 10 --ca "$CERTS/ca.pem"
		expect_output '^Error 10: '
		expect_output '^The RPS connection dropped .*retry the activation'
		expect_one_error_line
		wait_peer
		grep -q 'dropping the connection without a close frame' "$work/peer.log"
		result $? "rps-peer dropped the connection after the first WS-Man exchange"
		[ "$peer_status" -ne 0 ]
		result $? "rps-peer counts the dropped session as failed (status $peer_status)"
	fi
	status=$(cat "$SYSFS/activation_status" 2>/dev/null)
	case $status in 'failed: '*'connection dropped'*) true ;; *) false ;; esac
	result $? "activation_status is 'failed' with the reason (got '$status')"
	expect_mode 'pre-provisioning state'
}

# rps-peer's certificate comes from the test CA but names another host.
run_hostname() {
	if start_peer --cert "$CERTS/wrong-name.pem" --key "$CERTS/wrong-name.key"; then
		activate_rps 22 --ca "$CERTS/ca.pem"
		expect_output '^Error 22: '
		expect_output '^The certificate of RPS host 127\.0\.0\.1 was rejected'
		expect_output 'must name the host of the URL'
		expect_one_error_line
		wait_peer
	fi
	expect_mode 'pre-provisioning state'

	# -n skips the verification, so the same certificate is accepted.
	if start_peer --cert "$CERTS/wrong-name.pem" --key "$CERTS/wrong-name.key"; then
		activate_rps 0 -n
		expect_peer_success
	fi
	expect_mode 'activated in client control mode'
	expect_exit 0 deactivate --local
}

# The system CA store: without --ca, vproctl trusts the CAs in the
# guest's /etc/ssl/certs/ca-certificates.crt (the host's bundle), so the
# test CA's certificate fails with 22 until the test CA is added there.
run_system_ca() {
	cp "$SYSTEM_CA_STORE" "$work/store.saved" || return
	if start_peer; then
		activate_rps 22
		expect_output '^The certificate of RPS host 127\.0\.0\.1 was rejected'
		wait_peer
	fi
	expect_mode 'pre-provisioning state'

	cat "$CERTS/ca.pem" >>"$SYSTEM_CA_STORE"
	if start_peer; then
		activate_rps 0
		expect_peer_success
	fi
	cp "$work/store.saved" "$SYSTEM_CA_STORE"
	expect_mode 'activated in client control mode'
	expect_exit 0 deactivate --local
}

# A server that accepts the TCP connection and never replies to the TLS
# handshake: vproctl gives up after its 30 s connect timeout and says so.
run_silent_server() {
	sleep 45 | nc -l -p "$SILENT_PORT" >/dev/null 2>&1 &
	silent_pid=$!
	sleep 0.5
	started=$(date +%s)
	expect_exit 20 activate -u "wss://127.0.0.1:$SILENT_PORT/activate" \
		--profile "$PROFILE" --ca "$CERTS/ca.pem"
	elapsed=$(($(date +%s) - started))
	expect_output 'timed out\|timeout'
	[ "$elapsed" -ge 25 ] && [ "$elapsed" -le 40 ]
	result $? "vproctl gives up after its 30 s connect timeout (took $elapsed s)"
	stop_pid "$silent_pid"
	silent_pid=
	expect_mode 'pre-provisioning state'
}

# rps-peer pauses after the first WS-Man exchange and never resumes:
# vproctl gives up after its 60 s wait for the next message, with exit 10.
run_silent_rps() {
	start_peer --pause-file "$work/pause" || return
	started=$(date +%s)
	expect_seconds=90
	activate_rps 10 --ca "$CERTS/ca.pem"
	expect_seconds=
	elapsed=$(($(date +%s) - started))
	expect_output 'RPS sent nothing for 60 s'
	[ "$elapsed" -ge 55 ] && [ "$elapsed" -le 80 ]
	result $? "vproctl gives up after its 60 s message timeout (took $elapsed s)"
	stop_peer
	expect_mode 'pre-provisioning state'
}

# fwsim resets the ME while rps-peer waits between the first and second
# WS-Man exchange, so vproctl's LME link is gone at the next request.
run_me_reset() {
	unload_vpro_heci
	fw=$(fwsim_pid)
	[ -n "$fw" ]
	result $? "fwsim runs"
	start_peer --pause-file "$work/pause" || return
	timeout 120 vproctl activate -u "wss://127.0.0.1:$peer_port/activate" \
		--profile "$PROFILE" -d vpro.test --ca "$CERTS/ca.pem" \
		--transport mei -v >"$work/run.out" 2>&1 &
	vproctl_pid=$!
	wait_path "$work/pause" 300
	result $? "rps-peer paused after the first WS-Man exchange"

	rm -f "$FWSIM_READY"
	[ -n "$fw" ] && kill -USR1 "$fw"
	wait_path "$FWSIM_READY" 300
	result $? "fwsim enumerated its clients again within 30 s of the ME reset"
	rm -f "$work/pause"

	wait "$vproctl_pid"
	vp_status=$?
	vproctl_pid=
	cat "$work/run.out" >>"$work/all.out"
	[ "$vp_status" -eq 0 ]
	result $? "activation across the ME reset exits 0 (got $vp_status)"
	[ "$vp_status" -eq 0 ] || diag_file "$work/run.out"
	expect_output 'transport: mei'
	expect_output 'APF link lost'
	expect_output 'APF link to /dev/mei0 is back'
	expect_peer_success
	expect_mode 'activated in client control mode'
	expect_exit 0 deactivate --local
}

# No MEI device at all: stop fwsim (which removes it) and unload mesim.
run_no_heci() {
	fw=$(fwsim_pid)
	[ -n "$fw" ]
	result $? "fwsim runs"
	unload_vpro_heci
	# fwsim stays a zombie of the runner, so wait for the device instead.
	[ -n "$fw" ] && kill -TERM "$fw"
	i=0
	while [ -e /dev/mei0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ ! -e /dev/mei0 ]
	result $? "/dev/mei0 gone once fwsim stopped"
	rmmod mesim >"$work/rmmod.out" 2>&1
	result $? "rmmod mesim"
	diag_file "$work/rmmod.out"
	[ -z "$(ls /dev/mei* 2>/dev/null)" ]
	result $? "no /dev/mei* device left"

	expect_exit 2 info
	expect_output '^Error 2: '
	expect_output '^/dev/mei0: not found. Load the mei_me driver'
	expect_one_error_line
	expect_exit 2 activate --local --ccm --password "$PASSWORD"
	expect_output '^Error 2: '
	expect_output '^/dev/mei0: not found. Load the mei_me driver'
	expect_one_error_line

	insmod "$MODULE_DIR/mesim.ko" >"$work/insmod.out" 2>&1
	result $? "insmod mesim.ko"
	insmod "$MODULE_DIR/vpro_heci.ko" >>"$work/insmod.out" 2>&1
	result $? "insmod vpro_heci.ko"
	diag_file "$work/insmod.out"
}

check_amt_setup

case $set_name in
lms)
	command -v apf_bench >/dev/null
	result $? "apf_bench present"
	run_lms
	;;
drop) run_drop ;;
hostname) run_hostname ;;
system-ca) run_system_ca ;;
silent-server) run_silent_server ;;
silent-rps) run_silent_rps ;;
me-reset) run_me_reset ;;
no-heci) run_no_heci ;;
*)
	result 1 "row set '$set_name' is valid (use lms, drop, hostname, system-ca, silent-server, silent-rps, me-reset or no-heci)"
	;;
esac

# The password is a secret: no vproctl output may contain it.
expect_password_hidden

echo "1..$tests"
[ "$failed" -eq 0 ]
