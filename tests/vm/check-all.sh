#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `make check`: the host tests (vproctl and codec unit tests, the firmware
# model's unit tests, the RPS test peer's tests), then the guest suites on
# the 6.1 and 6.12 kernels. Ends with one line `N passed, N failed` over all of them
# and exits non-zero on any failure. Logs go to build/check/.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
logs=$repo/build/check
mkdir -p "$logs"
passed=0
failed=0

# Adds the TAP results of log $1 to the totals. A run that exited with
# status $2 != 0 but printed no `not ok` line adds one failure, because
# it broke before its tests could report (build error, crash).
count_tap() {
	local logfile=$1 rc=$2 name=$3 ok not_ok
	ok=$(grep -c '^ok ' "$logfile")
	not_ok=$(grep -c '^not ok ' "$logfile")
	passed=$((passed + ok))
	failed=$((failed + not_ok))
	if [ "$rc" -ne 0 ] && [ "$not_ok" -eq 0 ]; then
		echo "check: $name failed (exit status $rc) with no failed test line: counted as one failure (log: $logfile)"
		failed=$((failed + 1))
	fi
}

echo "check: host unit tests (make check-unit)"
make --no-print-directory -C "$repo" check-unit 2>&1 | tee "$logs/unit.log"
count_tap "$logs/unit.log" "${PIPESTATUS[0]}" "check-unit"

echo "check: firmware model unit tests (make -C tests/fwsim/test check)"
make --no-print-directory -C "$repo/tests/fwsim/test" check 2>&1 |
	tee "$logs/fwsim.log"
count_tap "$logs/fwsim.log" "${PIPESTATUS[0]}" "fwsim unit tests"

echo "check: RPS test peer (tests/rps/smoke_test.py)"
{ make --no-print-directory -C "$repo/tests/rps" &&
	python3 "$repo/tests/rps/smoke_test.py"; } 2>&1 | tee "$logs/rps.log"
count_tap "$logs/rps.log" "${PIPESTATUS[0]}" "RPS test peer tests"

for kver in 6.1 6.12; do
	echo "check: guest suites on Linux $kver (tests/vm/run.sh $kver check)"
	"$repo/tests/vm/run.sh" "$kver" check 2>&1 | tee "$logs/vm-$kver.log"
	count_tap "$logs/vm-$kver.log" "${PIPESTATUS[0]}" "check-vm KVER=$kver"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
