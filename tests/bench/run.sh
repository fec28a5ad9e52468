#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make bench: builds apf_bench and fwsim, boots one VM with
# tests/vm/run.sh (suite list tests/bench/suites) and prints the table
# that tests/bench/bench-guest.sh measured.
#
# usage: tests/bench/run.sh [KVER]   KVER 6.1 (default) or 6.12
# Output: the table, also saved as build/bench/bench-KVER.txt.
set -euo pipefail

kver=${1:-6.1}
case $kver in 6.1 | 6.12) ;; *) echo "bench: invalid KVER '$kver': use 6.1 or 6.12" >&2; exit 2 ;; esac

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/build/bench
guest=$out/guest
rm -rf "$guest"
mkdir -p "$guest"

make -C "$repo/tests/bench" O="$out" >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; echo "bench: building apf_bench failed" >&2; exit 1; }
make -C "$repo/tests/fwsim" >"$out/fwsim-build.log" 2>&1 ||
	{ cat "$out/fwsim-build.log" >&2; echo "bench: building fwsim failed" >&2; exit 1; }
cp "$out/apf_bench" "$repo/tests/bench/bench-guest.sh" "$guest/"
cp "$repo/tests/fwsim/fwsim" "$guest/fwsim-bench"
# guest-init.sh starts "fwsim --sku SKU ..." for the suite, so this
# wrapper takes the name fwsim and adds the benchmark port.
cat >"$guest/fwsim" <<'WRAPPER'
#!/bin/sh
exec /usr/bin/fwsim-bench --bench-port 16999 "$@"
WRAPPER
chmod +x "$guest/fwsim"

# The timings depend on what else the host runs, so keep its load with them.
load=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
VPRO_VM_COMPONENTS="module mesim" \
	VPRO_VM_SUITES="$repo/tests/bench/suites" \
	VPRO_VM_EXTRA_BIN="$guest" \
	VPRO_SUITE_TIMEOUT="${VPRO_SUITE_TIMEOUT:-900}" \
	VPRO_VM_TIMEOUT="${VPRO_VM_TIMEOUT:-1200}" \
	"$repo/tests/vm/run.sh" "$kver" check >"$out/vm-$kver.log" 2>&1 || rc=$?

table=$out/bench-$kver.txt
sed -n '/^# ==== bench table begin/,/^# ==== bench table end/p' \
	"$repo/build/$kver/results.log.txt" | sed '1d;$d;s/^# //' >"$table"
[ -s "$table" ] && echo "host load average before the run (1, 5, 15 min): $load" >>"$table"
if [ ! -s "$table" ] || [ "$rc" -ne 0 ]; then
	cat "$out/vm-$kver.log" >&2
	echo "bench: the VM run failed (exit status $rc); logs: build/bench/vm-$kver.log, build/$kver/guest.log" >&2
	exit 1
fi
echo "apf_bench on kernel $kver (QEMU TCG, 2 vCPUs, software ME):"
cat "$table"
