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

. "$(dirname "$0")/vproctl_lib.sh"

trap cleanup_and_reload EXIT
trap 'exit 1' INT TERM

check_amt_setup

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
	expect_exit 0 activate -u "wss://127.0.0.1:$peer_port/activate" \
		--profile "$PROFILE" -d vpro.test --ca "$CERTS/ca.pem" \
		--transport mei -v
	expect_output 'transport: mei'
	wait_peer
	[ "$peer_status" -eq 0 ]
	result $? "rps-peer reports a finished session (status $peer_status)"
	[ "$peer_status" -eq 0 ] || diag_file "$work/peer.log"
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
expect_password_hidden

echo "1..$tests"
[ "$failed" -eq 0 ]
