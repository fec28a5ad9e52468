#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Checks that `tests/vm/run.sh debug check` fails when a module leaks
# memory: boots the debug kernel with one suite that loads leak_guard.ko
# and expects the kmemleak scan result to fail and the run to exit
# non-zero. Needs the debug kernel (scripts/build-debug-kernel.sh) and
# takes about one to two minutes under TCG. Prints TAP.
# usage: tests/debug-kernel/kmemleak-guard-test.sh
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
env_file=$repo/build/kernels/debug/kernel.env
work=$(mktemp -d /tmp/kmemleak-guard.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

"$repo/scripts/build-debug-kernel.sh" || { echo "Bail out! scripts/build-debug-kernel.sh failed"; exit 1; }
# shellcheck source=/dev/null
. "$env_file"

cp "$repo/tests/debug-kernel/leak-guard/leak_guard.c" "$repo/tests/debug-kernel/leak-guard/Kbuild" "$work/"
if ! make -C "$KDIR" M="$work" modules >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	echo "Bail out! building leak_guard.ko against $KDIR failed"
	exit 1
fi
mkdir -p "$work/bin"
cp "$work/leak_guard.ko" "$work/bin/"
printf '#!/bin/sh\ninsmod /usr/bin/leak_guard.ko\n' >"$work/bin/leak_guard_load.sh"
chmod +x "$work/bin/leak_guard_load.sh"
echo 'none leak_guard_load.sh' >"$work/suites"

VPRO_VM_COMPONENTS="mesim fwsim" VPRO_VM_SUITES="$work/suites" VPRO_VM_EXTRA_BIN="$work/bin" \
	"$repo/tests/vm/run.sh" debug check >"$work/run.log" 2>&1
rc=$?

tests=0
failed=0
check() {
	tests=$((tests + 1))
	if "${@:2}"; then
		echo "ok $tests - $1"
	else
		failed=$((failed + 1))
		echo "not ok $tests - $1"
	fi
}
check "leak_guard suite loads" grep -q '^ok [0-9]* - none leak_guard_load.sh' "$work/run.log"
check "kmemleak scan result fails" grep -q '^not ok [0-9]* - kmemleak scan after the suites' "$work/run.log"
check "kmemleak report names insmod" grep -q '# kmemleak: .*comm "insmod"' "$work/run.log"
check "run.sh exits non-zero" test "$rc" -ne 0
if [ $failed -ne 0 ]; then
	sed 's/^/# /' "$work/run.log"
fi
echo "1..$tests"
echo "$((tests - failed)) passed, $failed failed"
[ $failed -eq 0 ]
