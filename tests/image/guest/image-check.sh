#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Checks, inside the booted image, that vpro_heci was installed and
# loaded the way a device gets it: by udev from the MEI modalias, with
# no insmod or modprobe by this script and no modules-load.d entry.
# Prints TAP to stdout and to /dev/ttyS1 (results.log on the host),
# followed by the kernel taint mask and the kernel log.

exec 3>/dev/ttyS1
amthi_uuid=12f80028-b4b7-4b2d-aca8-46e0ff65814c
lme_uuid=6733a4db-0476-4e7b-b3af-bcfc29bee7a7
tests=0
failed=0

say() {
	echo "$*"
	echo "$*" >&3
}

# Prints TAP line DESCRIPTION ($2...) for exit status $1.
result() {
	local rc=$1
	shift
	tests=$((tests + 1))
	if [ "$rc" -eq 0 ]; then
		say "ok $tests - $*"
	else
		failed=$((failed + 1))
		say "not ok $tests - $*"
	fi
}

diag() {
	while IFS= read -r line; do
		say "# $line"
	done
}

# Waits up to $1 seconds for command $2... to succeed.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@" && [ $i -lt "$limit" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$@"
}

# Prints the driver bound to the MEI bus device whose modalias has $1.
mei_driver_for() {
	local dev
	for dev in /sys/bus/mei/devices/*; do
		if grep -qi ":$1:" "$dev/modalias" 2>/dev/null; then
			basename "$(readlink "$dev/driver" 2>/dev/null)"
			return
		fi
	done
}

# shellcheck disable=SC2317 # called through wait_for
# Succeeds when the MEI bus device whose modalias has $1 is bound to vpro_heci.
mei_bound_to_vpro_heci() {
	[ "$(mei_driver_for "$1")" = vpro_heci ]
}

say "TAP version 13"
say "# kernel $(uname -r)"

[ -d /sys/module/mesim ]
result $? "software ME (mesim) is loaded"
wait_for 30 test -e /run/fwsim.ready
ready=$?
result $ready "fwsim is ready"
if [ $ready -ne 0 ]; then
	systemctl status --no-pager -n 0 vpro-fwsim.service 2>&1 | diag
	journalctl -b --no-pager -o cat -u vpro-fwsim.service 2>&1 | tail -n 30 | diag
fi

wait_for 60 test -d /sys/module/vpro_heci
loaded=$?
result $loaded "/sys/module/vpro_heci exists without insmod"
# Seconds to wait for the module's devices, none when it is not loaded,
# so a failed autoload ends the check well inside TimeoutStartSec.
settle=30
[ $loaded -eq 0 ] || settle=0

lsmod | grep -q '^vpro_heci '
result $? "lsmod lists vpro_heci"
lsmod | diag

path=$(modinfo -n vpro_heci 2>&1)
[[ "$path" == "/lib/modules/$(uname -r)/updates/vpro_heci.ko"* ]]
result $? "modprobe resolves vpro_heci to updates/ ($path)"

found=$(grep -rs vpro_heci /etc/modules /etc/modules-load.d /usr/lib/modules-load.d \
	/run/modules-load.d /etc/modprobe.d 2>/dev/null)
[ -z "$found" ]
result $? "no modules-load.d or modprobe.d entry names vpro_heci"
[ -z "$found" ] || echo "$found" | diag

for pair in "AMTHI:$amthi_uuid" "LME:$lme_uuid"; do
	name=${pair%%:*}
	uuid=${pair#*:}
	wait_for "$settle" mei_bound_to_vpro_heci "$uuid"
	driver=$(mei_driver_for "$uuid")
	[ "$driver" = vpro_heci ]
	result $? "MEI $name client ($uuid) is bound to vpro_heci (driver '${driver:-none}')"
done
grep -H . /sys/bus/mei/devices/*/modalias 2>&1 | diag

wait_for "$settle" test -r /sys/class/vpro/vpro0/capability
capability=$(cat /sys/class/vpro/vpro0/capability 2>&1)
[ "$capability" = amt ]
result $? "/sys/class/vpro/vpro0/capability reads amt (read '$capability')"

output=$(timeout 60 vproctl info 2>&1)
rc=$?
[ $rc -eq 0 ]
result $? "vproctl info exits 0 (exit status $rc)"
echo "$output" | diag

wait_for "$settle" test -c /dev/vpro_apf0
mode=$(stat -c '%a %U %G' /dev/vpro_apf0 2>&1)
[ -c /dev/vpro_apf0 ] && [ "$mode" = "600 root root" ]
result $? "/dev/vpro_apf0 is a char device, mode 600 root root (found '$mode')"

rules=$(udevadm info --query=property --name=/dev/vpro_apf0 2>&1)
[ -f /etc/udev/rules.d/60-vpro-heci.rules ] && echo "$rules" | grep -q '^DEVNAME=/dev/vpro_apf0$'
result $? "udev knows /dev/vpro_apf0 and the vpro_heci rule is installed"

journalctl -b --no-pager -o cat -u systemd-udevd 2>/dev/null | grep -i vpro | diag

say "1..$tests"
say "$((tests - failed)) passed, $failed failed"
say "tainted: $(cat /proc/sys/kernel/tainted)"
say "==== vpro-image dmesg begin"
dmesg >&3
say "==== vpro-image dmesg end"
exit 0
