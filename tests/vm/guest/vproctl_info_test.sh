#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Checks vproctl against fwsim for $VPRO_SKU: version, help and command
# line errors with their exit codes, then "vproctl info" in text and JSON.
# With amt or ism the report shows fwsim's values; with none, info fails
# at once with "Error 3: AMT not detected" and exit code 3.

failures=0
out=/tmp/vproctl_info.out
err=/tmp/vproctl_info.err

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# Runs vproctl with the arguments after $1 and checks its exit code is $1.
expect_exit() {
	expected=$1
	shift
	vproctl "$@" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne "$expected" ]; then
		fail "vproctl $* exited $rc, expected $expected"
		sed 's/^/  stderr: /' "$err"
	fi
}

# Checks that $out has the line "LABEL<tabs>: VALUE".
expect_field() {
	if ! grep -q "^$1	*: $2\$" "$out"; then
		fail "info has no line '$1 : $2'"
		grep "^$1" "$out" | sed 's/^/  got: /'
	fi
}

expect_exit 0 version
grep -q '^vproctl [0-9]' "$out" || fail "version printed no 'vproctl N.N.N' line"
expect_exit 5 --help
grep -q 'activate' "$out" || fail "--help does not list the activate command"
expect_exit 28 no-such-command
grep -q '^Error 28: Incorrect command line parameters' "$err" ||
	fail "unknown command did not print 'Error 28'"
expect_exit 28 info --no-such-option

case ${VPRO_SKU:-} in
amt | ism)
	expect_exit 0 info
	cat "$out"
	expect_field Version 16.1.25
	expect_field 'Build Number' 2022
	expect_field UUID 4c4c4544-0042-3510-8051-b2c04f4b4d32
	expect_field 'Control Mode' 'pre-provisioning state'
	if [ "$VPRO_SKU" = amt ]; then
		expect_field SKU 16392
		expect_field Features 'AMT Pro Corporate'
	else
		expect_field SKU 16400
		expect_field Features 'Intel Standard Manageability Corporate'
	fi

	expect_exit 0 info --json
	for key in amt buildNumber sku features uuid controlMode dnsSuffix \
		dnsSuffixOS hostnameOS; do
		grep -q "\"$key\": " "$out" || fail "info --json lacks key \"$key\""
	done
	grep -q '"uuid": "4c4c4544-0042-3510-8051-b2c04f4b4d32"' "$out" ||
		fail "info --json has the wrong uuid"

	expect_exit 0 info --cert
	grep -q -e '^---Certificate Hashes---' -e '^---No Certificate Hashes Found---' "$out" ||
		fail "info --cert printed no certificate hash block"
	;;
none)
	start=$(date +%s)
	expect_exit 3 info
	elapsed=$(($(date +%s) - start))
	grep -q '^Error 3: AMT not detected' "$err" ||
		fail "info without AMT did not print 'Error 3: AMT not detected'"
	# ENOTTY from the connect is final, so no busy retries may run.
	[ "$elapsed" -le 2 ] || fail "info without AMT took ${elapsed} s, expected at most 2"
	;;
*)
	fail "invalid VPRO_SKU '${VPRO_SKU:-}': expected amt, ism or none"
	;;
esac

[ $failures -eq 0 ] && echo "PASS: vproctl info matches SKU $VPRO_SKU"
exit $((failures != 0))
