#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vproctl's transports against fwsim --sku amt. With vpro_heci.ko
# unloaded, local CCM activation works over APF on /dev/mei0's LME client
# (forced with --transport mei, then picked by auto), --transport apf exits
# 71, --transport lms exits 139 with nothing on 127.0.0.1:16992, and an
# invalid --transport exits 28. With the module back, auto picks apf, and
# --transport mei exits 71 while the module's APF link still holds LME.
# Prints TAP and exits 1 when any check fails. Runs under busybox sh.
set -u

PASSWORD='Transport-Passw0rd!'
MODULE=/lib/modules/vpro/vpro_heci.ko
LINGER=/sys/module/vpro_heci/parameters/apf_linger_ms

work=$(mktemp -d /tmp/transport_test.XXXXXX) || exit 1
tests=0
failed=0

# Loads vpro_heci.ko again whatever happened, so later suites have it.
cleanup() {
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
unset AMT_PASSWORD

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
expect_mode 'activated in client control mode'
expect_exit 0 deactivate --local
expect_mode 'pre-provisioning state'

expect_exit 0 activate --local --ccm --password "$PASSWORD" -v
expect_output 'transport: mei'
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

echo "1..$tests"
[ "$failed" -eq 0 ]
