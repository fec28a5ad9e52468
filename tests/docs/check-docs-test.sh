#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Shows that tests/docs/check-docs.sh fails on drift. Each case copies the
# files it reads into a temporary tree, changes one thing in the code or
# in the docs with sed, and expects check-docs.sh to exit 1 with the
# "not ok" line that names the change. The unchanged copy must pass.
#
# usage: tests/docs/check-docs-test.sh
# Prints TAP and a final "N passed, N failed" line; exits 1 when any case
# fails.
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
checker=$repo/tests/docs/check-docs.sh
work=$(mktemp -d /tmp/check-docs-test.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

passed=0
failed=0

result() {
	local rc=$1
	shift
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok $((passed + failed)) - $*"
	else
		failed=$((failed + 1))
		echo "not ok $((passed + failed)) - $*"
	fi
}

# Copies the files that check-docs.sh reads into a fresh $work/tree.
fresh_tree() {
	rm -rf "$work/tree"
	mkdir -p "$work/tree/include/uapi/linux" "$work/tree/kernel" "$work/tree/user"
	cp "$repo/include/uapi/linux/vpro_heci.h" "$work/tree/include/uapi/linux/"
	cp "$repo"/kernel/*.c "$work/tree/kernel/"
	cp "$repo"/user/*.c "$repo"/user/*.h "$work/tree/user/"
	cp -r "$repo/Documentation" "$work/tree/"
}

# Applies sed script $2 to file $1 of the tree and fails when nothing
# changed, because then the case would test nothing.
mutate() {
	cp "$work/tree/$1" "$work/before"
	sed -i "$2" "$work/tree/$1"
	if cmp -s "$work/before" "$work/tree/$1"; then
		echo "# sed '$2' did not change $1: update this case to the current file"
		return 1
	fi
}

# Runs one case: $1 is the case name, $2 the file, $3 the sed script and
# $4 an extended regular expression that a "not ok" line must match.
expect_failure() {
	local name=$1 file=$2 script=$3 pattern=$4 rc
	fresh_tree
	if ! mutate "$file" "$script"; then
		result 1 "$name"
		return
	fi
	"$checker" "$work/tree" >"$work/out" 2>&1
	rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "# check-docs.sh exited $rc, expected 1"
		result 1 "$name"
		return
	fi
	if ! grep -qE "^not ok [0-9]+ - $pattern" "$work/out"; then
		echo "# no 'not ok' line matches: $pattern"
		grep '^not ok' "$work/out" | sed 's/^/# got: /'
		result 1 "$name"
		return
	fi
	result 0 "$name"
}

fresh_tree
"$checker" "$work/tree" >"$work/out" 2>&1
rc=$?
result "$rc" "unchanged tree passes"
[ "$rc" -eq 0 ] || grep '^not ok' "$work/out" | sed 's/^/# /'

expect_failure "undocumented sysfs attribute" kernel/sysfs.c \
	's/^\t&dev_attr_refresh\.attr,$/&\n\t\&dev_attr_fake_attr.attr,/' \
	'sysfs attribute fake_attr has a What:'
expect_failure "ABI entry without attribute" Documentation/ABI/testing/sysfs-class-vpro \
	's|^What:\t\t/sys/class/vpro/vproN/uuid$|What:\t\t/sys/class/vpro/vproN/ghost\n&|' \
	'ABI entry vproN/ghost exists in kernel/sysfs.c'
expect_failure "ABI entry without Contact" Documentation/ABI/testing/sysfs-class-vpro \
	'/^Contact:/d' \
	'ABI entry /sys/class/vpro/vproN/capability has Date'
expect_failure "undocumented netlink attribute" include/uapi/linux/vpro_heci.h \
	's/^\t__VPRO_A_MAX,$/\tVPRO_A_FAKE,\n&/' \
	'netlink attribute VPRO_A_FAKE \(13\) is in a table'
expect_failure "netlink attribute value drift" include/uapi/linux/vpro_heci.h \
	's/^\tVPRO_A_SKU,/\tVPRO_A_INSERTED,\n&/' \
	'netlink attribute VPRO_A_SKU \(6\) is in a table'
expect_failure "undocumented netlink command" include/uapi/linux/vpro_heci.h \
	's/^\t__VPRO_CMD_MAX,$/\tVPRO_CMD_FAKE,\n&/' \
	'netlink command VPRO_CMD_FAKE \(9\) is in a table'
expect_failure "netlink.rst names a removed command" include/uapi/linux/vpro_heci.h \
	'/^\tVPRO_CMD_STATUS_CHANGED,/d' \
	'netlink.rst name VPRO_CMD_STATUS_CHANGED exists in enum vpro_cmd'
expect_failure "undocumented multicast group" kernel/netlink.c \
	's/^\t\[VPRO_NL_MCGRP_EVENTS\] = .*/&\n\t[1] = { .name = "fake_group" },/' \
	'multicast group fake_group has a section'
expect_failure "module parameter default drift" kernel/apf.c \
	's/^static unsigned int apf_linger_ms = 2000;/static unsigned int apf_linger_ms = 3000;/' \
	'module parameter apf_linger_ms \(default 3000\) is in apf-chardev.rst'
# $a is the sed command that appends after the last line.
# shellcheck disable=SC2016
expect_failure "undocumented module parameter" kernel/main.c \
	'$a static unsigned int fake_param = 1;\nmodule_param(fake_param, uint, 0444);' \
	'module parameter fake_param \(default 1\) is in apf-chardev.rst'
expect_failure "ioctl number drift" include/uapi/linux/vpro_heci.h \
	's/_IOW(VPRO_APF_IOC_MAGIC, 1,/_IOW(VPRO_APF_IOC_MAGIC, 2,/' \
	"ioctl VPRO_APF_IOC_CONNECT is documented in apf-chardev.rst as _IOW\\('V', 2,"
expect_failure "undocumented ioctl" include/uapi/linux/vpro_heci.h \
	's/^#define VPRO_APF_IOC_CONNECT.*/&\n#define VPRO_APF_IOC_FAKE\t_IO(VPRO_APF_IOC_MAGIC, 9)/' \
	'ioctl VPRO_APF_IOC_FAKE is documented'
expect_failure "undocumented vproctl command" user/main.c \
	's/^\t{ "version", cmd_version,.*/&\n\t{ "fake", cmd_version, "x" },/' \
	'vproctl command fake has an entry in vproctl.8'
expect_failure "undocumented vproctl option" user/status.c \
	's/^\t\t{ "watch", no_argument, NULL, .w. },/&\n\t\t{ "fake-option", no_argument, NULL, 0 },/' \
	'vproctl status --fake-option is documented under status'
expect_failure "option documented under another command" Documentation/vproctl.8 \
	's/^\.B \\-\\-cert$/.B \\-\\-certs/' \
	'vproctl info --cert is documented under info'
expect_failure "vproctl.8 option without code" Documentation/vproctl.8 \
	's/^\.B \\-\\-watch$/&\n.B \\-\\-bogus/' \
	'vproctl.8 option --bogus exists in user/\*\.c'
expect_failure "exit code name drift" user/exit_codes.c \
	's/"AMT not ready"/"AMT is not ready"/' \
	"exit code '4 AMT is not ready' is in the vproctl.8"
expect_failure "exit code number drift" user/exit_codes.h \
	's/VP_EXIT_INVALID_UUID = 37,/VP_EXIT_INVALID_UUID = 38,/' \
	"vproctl.8 exit code '37 Invalid UUID' is in user/exit_codes"

echo "1..$((passed + failed))"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
