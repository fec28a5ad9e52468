#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /init of the test VM (busybox sh). Loads mei.ko, mesim.ko and
# vpro_heci.ko, then runs the mode tests/vm/run.sh chose in
# /etc/vpro-vm/config: every suite of /etc/vpro-vm/suites (check) or the
# demonstration (run). Results go to the console and to /dev/ttyS1, which
# the host reads as results.log. Ends with poweroff in every case.

export PATH=/usr/lib/vpro/tests:/usr/bin:/usr/sbin:/bin:/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up
hostname vpro-vm

. /etc/vpro-vm/config

exec 3>/dev/ttyS1
# Prints a line to the console and to the results port.
say() {
	echo "$*"
	echo "$*" >&3
}

# Prints file $2 with prefix $1 on every line, to both outputs.
say_file() {
	sed "s/^/$1/" "$2" | tee /proc/self/fd/3
}

tests=0
passed=0
failed=0

# Records one TAP result: $1 is the exit status, the rest the description.
result() {
	rc=$1
	shift
	tests=$((tests + 1))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		say "ok $tests - $*"
	else
		failed=$((failed + 1))
		say "not ok $tests - $*"
	fi
}

mesim_loaded() {
	[ -d /sys/module/mesim ]
}

# Starts fwsim for SKU $1, with the remaining arguments as extra fwsim
# options, and waits up to 20 s for its ready file and, when mesim is
# loaded, for /dev/mei0. Sets fwsim_pid. Returns non-zero when fwsim is
# missing, exited, or did not get ready in time.
start_fwsim() {
	fwsim_sku=$1
	shift
	fwsim_pid=
	rm -f /run/fwsim.ready /tmp/fwsim.log
	if ! command -v fwsim >/dev/null; then
		echo "fwsim not found in the guest" >/tmp/fwsim.log
		return 1
	fi
	fwsim --sku "$fwsim_sku" --ready-file /run/fwsim.ready "$@" </dev/null >/tmp/fwsim.log 2>&1 &
	fwsim_pid=$!
	i=0
	while [ $i -lt 200 ]; do
		if [ -e /run/fwsim.ready ] && { ! mesim_loaded || [ -e /dev/mei0 ]; }; then
			return 0
		fi
		if ! kill -0 "$fwsim_pid" 2>/dev/null; then
			wait "$fwsim_pid"
			echo "fwsim exited with status $? before it was ready" >>/tmp/fwsim.log
			fwsim_pid=
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "fwsim not ready after 20 s (ready file or /dev/mei0 missing)" >>/tmp/fwsim.log
	return 1
}

# Stops fwsim with SIGTERM (SIGKILL after 10 s) and waits for /dev/mei0 to
# go away, so the next suite starts on a fresh MEI device. Returns
# non-zero unless fwsim exited with status 0.
stop_fwsim() {
	[ -n "$fwsim_pid" ] || return 1
	kill -TERM "$fwsim_pid" 2>/dev/null
	i=0
	while kill -0 "$fwsim_pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$fwsim_pid" 2>/dev/null; then
		echo "fwsim ignored SIGTERM for 10 s: killed" >>/tmp/fwsim.log
		kill -KILL "$fwsim_pid"
		wait "$fwsim_pid"
		fwsim_pid=
		return 1
	fi
	wait "$fwsim_pid"
	fw_rc=$?
	fwsim_pid=
	i=0
	while mesim_loaded && [ -e /dev/mei0 ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$fw_rc" -ne 0 ]; then
		echo "fwsim exited with status $fw_rc" >>/tmp/fwsim.log
		return 1
	fi
	return 0
}

load_modules() {
	for module in $VM_MODULES; do
		if insmod "/lib/modules/vpro/$module.ko" >/tmp/insmod.log 2>&1; then
			result 0 "insmod $module.ko"
		else
			result 1 "insmod $module.ko"
			say_file '# ' /tmp/insmod.log
		fi
	done
}

# Runs one suite line: SKU[:FWSIM-OPTION...] COMMAND [ARGS...].
run_suite() {
	suite_spec=$1
	suite_sku=${suite_spec%%:*}
	fwsim_options=
	case $suite_spec in *:*) fwsim_options=$(echo "${suite_spec#*:}" | tr ':' ' ') ;; esac
	shift
	name="$suite_spec $*"
	# Word splitting of $fwsim_options is wanted: one word per option.
	# shellcheck disable=SC2086
	if ! start_fwsim "$suite_sku" $fwsim_options; then
		result 1 "$name"
		say_file '# fwsim: ' /tmp/fwsim.log
		stop_fwsim
		return
	fi

	started=$(date +%s)
	VPRO_SKU=$suite_sku timeout -s TERM -k 5 "$VM_SUITE_TIMEOUT" "$@" </dev/null >/tmp/suite.log 2>&1
	rc=$?
	elapsed=$(($(date +%s) - started))
	# The exit status of a suite killed by timeout depends on its signal
	# handling, so the elapsed time shows whether the timeout fired.
	if [ $elapsed -ge "$VM_SUITE_TIMEOUT" ]; then
		echo "suite timed out: killed after $VM_SUITE_TIMEOUT s (exit status $rc)" >>/tmp/suite.log
		[ $rc -ne 0 ] || rc=1
	elif [ $rc -eq 4 ]; then
		echo "suite exited 4 (kselftest skip): a skip counts as a failure" >>/tmp/suite.log
	fi
	stop_fwsim || rc=1

	result $rc "$name"
	say_file '# ' /tmp/suite.log
	if [ $rc -ne 0 ]; then
		say_file '# fwsim: ' /tmp/fwsim.log
	fi
}

# With kmemleak (the debug kernel), clears the leaks suspected before the
# modules are loaded, because those are not the modules' leaks. kmemleak
# reports an object only when it is older than 5 s, so the scan waits
# until every boot allocation is that old.
kmemleak_clear() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	i=0
	while [ "$(cut -d. -f1 /proc/uptime)" -lt 6 ] && [ $i -lt 10 ]; do
		sleep 1
		i=$((i + 1))
	done
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
}

# With kmemleak, scans twice, 6 s apart so that the last objects the
# suites freed or leaked are older than kmemleak's 5 s minimum age, and
# records one TAP result: any suspected leak fails and is printed.
kmemleak_check() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/tmp/kmemleak.log
	if [ -s /tmp/kmemleak.log ]; then
		result 1 "kmemleak scan after the suites"
		say_file '# kmemleak: ' /tmp/kmemleak.log
	else
		result 0 "kmemleak scan after the suites"
	fi
}

run_check() {
	say "TAP version 13"
	kmemleak_clear
	load_modules
	while read -r line; do
		case $line in '' | '#'*) continue ;; esac
		# Word splitting of $line is wanted: SKU COMMAND ARGS.
		# shellcheck disable=SC2086
		run_suite $line
	done </etc/vpro-vm/suites
	kmemleak_check
	say "1..$tests"
}

# Prints the command (after the expected exit status $1) with its output.
# Another exit status, or a run longer than the suite timeout, fails the
# demonstration.
step_expect() {
	expected=$1
	shift
	say "\$ $*"
	timeout -s TERM -k 5 "$VM_SUITE_TIMEOUT" "$@" </dev/null >/tmp/step.log 2>&1
	rc=$?
	say_file '' /tmp/step.log
	if [ $rc -ne 0 ]; then
		say "(exit status $rc)"
	fi
	if [ $rc -ne "$expected" ]; then
		say "(expected exit status $expected)"
		run_status=1
	fi
}

step() {
	step_expect 0 "$@"
}

# Prints the sysfs state device discovery and the workflow read, one
# "attribute: value" line each. With AMTHI on the bus (SKU amt or ism) it
# first waits up to 5 s for vpro_heci to finish its probe query.
show_capability() {
	dir=/sys/class/vpro/vpro0
	if [ "$VM_SKU" != none ]; then
		i=0
		while [ ! -e $dir/capability ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	if [ -e $dir/capability ]; then
		for attr in capability features control_mode provisioning_state activation_status; do
			say "$attr: $(cat $dir/$attr)"
		done
	elif [ ! -d /sys/module/vpro_heci ]; then
		say "$dir does not exist: vpro_heci.ko is not loaded"
		run_status=1
	else
		say "$dir does not exist: vpro_heci bound no AMTHI client (no out-of-band management)"
		if [ "$VM_SKU" != none ]; then
			run_status=1
		fi
	fi
}

# Starts the RPS test peer on port 8443 with one CCM profile and waits up
# to 10 s for it to listen. Sets rps_pid.
start_rps_peer() {
	rps_pid=
	rm -f /run/rps.ready
	rps-peer --port 8443 --cert /etc/vpro-vm/certs/server.pem \
		--key /etc/vpro-vm/certs/server.key \
		--profile ccm-profile:P@ssw0rd-vm --ready-file /run/rps.ready \
		--once </dev/null >/tmp/rps.log 2>&1 &
	rps_pid=$!
	i=0
	while [ ! -e /run/rps.ready ] && [ $i -lt 100 ]; do
		kill -0 "$rps_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -e /run/rps.ready ]
}

# Loads the virtio-serial modules run.sh packed (none when the kernel has
# them built in) and starts portfwd, which forwards 127.0.0.1:VM_RPS_PORT
# to the host's RPS. Waits up to 10 s for it to listen. Sets fwd_pid.
start_portfwd() {
	fwd_pid=
	if [ -f /lib/modules/virtio/order ]; then
		while read -r module; do
			[ -d "/sys/module/$module" ] && continue
			if ! insmod "/lib/modules/virtio/$module.ko" >>/tmp/portfwd.log 2>&1; then
				echo "insmod $module.ko failed" >>/tmp/portfwd.log
				return 1
			fi
		done </lib/modules/virtio/order
	fi
	# The port appears once virtio_console has probed the PCI device.
	i=0
	while ! grep -qsx vpro.rps /sys/class/virtio-ports/*/name && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -f /run/portfwd.ready
	portfwd guest vpro.rps "$VM_RPS_PORT" /run/portfwd.ready </dev/null >>/tmp/portfwd.log 2>&1 &
	fwd_pid=$!
	i=0
	while [ ! -e /run/portfwd.ready ] && [ $i -lt 100 ]; do
		kill -0 "$fwd_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -e /run/portfwd.ready ]
}

# Activates against the host's RPS at VM_RPS_URL through portfwd. The
# guest port equals the host port, so the URL (and the certificate's
# host name) stays as given.
activate_host_rps() {
	set -- -u "$VM_RPS_URL" --profile "$VM_RPS_PROFILE" -d vpro.test
	[ -f /etc/vpro-vm/rps-ca.pem ] && set -- "$@" --ca /etc/vpro-vm/rps-ca.pem
	[ -f /etc/vpro-vm/amt-password ] && set -- "$@" --password-file /etc/vpro-vm/amt-password
	if start_portfwd; then
		step vproctl activate "$@"
		step vproctl info
		show_capability
	else
		say "portfwd did not start"
		run_status=1
	fi
	[ -n "$fwd_pid" ] && kill -TERM "$fwd_pid" 2>/dev/null && wait "$fwd_pid"
	say_file '# portfwd: ' /tmp/portfwd.log
}

run_demo() {
	run_status=0
	say "==== vpro-vm run begin (SKU $VM_SKU)"
	load_modules
	if start_fwsim "$VM_SKU"; then
		show_capability
		if [ "$VM_SKU" = none ]; then
			# rpc-go's exit code 3: AMT not detected.
			step_expect 3 vproctl info
		else
			step vproctl info
			if [ -n "$VM_RPS_URL" ]; then
				activate_host_rps
			elif start_rps_peer; then
				step vproctl activate -u wss://127.0.0.1:8443/activate \
					--profile ccm-profile -d vpro.test \
					--ca /etc/vpro-vm/certs/ca.pem
				step vproctl info
				show_capability
			else
				say "RPS test peer did not start"
				run_status=1
			fi
			if [ -n "$rps_pid" ]; then
				kill -TERM "$rps_pid" 2>/dev/null
				wait "$rps_pid"
				say_file '# rps-peer: ' /tmp/rps.log
			fi
		fi
	else
		say "fwsim did not start:"
		say_file '# fwsim: ' /tmp/fwsim.log
		run_status=1
	fi
	stop_fwsim || run_status=1
	[ $failed -eq 0 ] || run_status=1
	say "==== vpro-vm run end status=$run_status"
}

case $VM_MODE in
check) run_check ;;
run) run_demo ;;
*) say "unknown VM_MODE '$VM_MODE' in /etc/vpro-vm/config" ;;
esac
say "$passed passed, $failed failed"

# The host scans this dump too, in case console output interleaved.
say "tainted: $(cat /proc/sys/kernel/tainted)"
say "==== vpro-vm dmesg begin"
dmesg >/tmp/dmesg.log
say_file '' /tmp/dmesg.log >/dev/null
say "==== vpro-vm dmesg end"
sync
poweroff -f
