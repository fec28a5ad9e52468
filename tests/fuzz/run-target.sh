#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Fuzzes one target for a bounded time and prints its executions per
# second from libFuzzer's final stats. Exits non-zero when libFuzzer
# reports a finding (crash, leak, timeout, out of memory) or fails.
#
# Usage: run-target.sh OUT_DIR TARGET SECONDS
set -u

out=$1
target=$2
seconds=$3

case $seconds in
''|*[!0-9]*|0)
	echo "error: FUZZ_SECONDS='$seconds' is not a positive whole number of seconds" >&2
	exit 2 ;;
esac

corpus=$out/corpus/$target
artifacts=$out/artifacts/$target
log=$out/$target.run.log
# Findings of an earlier run are not this run's: clear them.
rm -rf "$artifacts"
mkdir -p "$corpus" "$artifacts"

# New inputs go into the first directory, the seeds are only read.
"$out/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -max_len=8192 \
	-use_value_profile=1 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" \
	"$corpus" "$out/seeds/$target" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
findings=$(find "$artifacts" -type f | wc -l)

echo "$target: ${execs:-unknown} exec/s, ${runs:-unknown} runs (limit ${seconds} s), $findings finding(s), libFuzzer exit status $rc"
if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
	echo "$target: FAILED, full output in $log:" >&2
	grep -m 10 -E 'ERROR|SUMMARY|check failed|Test unit written' "$log" >&2
	find "$artifacts" -type f >&2
	exit 1
fi
