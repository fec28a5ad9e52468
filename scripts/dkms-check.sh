#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Check the DKMS packaging without booting a kernel. The script copies the
# module source to /usr/src/vpro-heci-VERSION and runs dkms add, build and
# install against the headers of each Debian test kernel (6.1 and 6.12).
# It then checks the installed module's MEI aliases and removes it again.
# Prints TAP and exits non-zero when any step fails.
#
# usage: scripts/dkms-check.sh   (as root, on Debian 12)
#
# The kernel releases come from build/kernels/KVER/kernel.env (written by
# scripts/fetch-kernel.sh). Missing dkms and linux-headers-KREL packages
# are installed with apt-get. On Debian 12, linux-headers-6.12.*-amd64
# depends on the matching linux-image package, so that image is installed
# too (it is not booted). The script leaves no DKMS module behind, but it
# keeps the packages it installed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kvers="6.1 6.12"
aliases="mei:*:12f80028-b4b7-4b2d-aca8-46e0ff65814c:*:*
mei:*:6733a4db-0476-4e7b-b3af-bcfc29bee7a7:*:*"

conf_value() {
	sed -n "s/^$1=\"\(.*\)\"$/\1/p" "$repo/dkms.conf"
}

package=$(conf_value PACKAGE_NAME)
version=$(conf_value PACKAGE_VERSION)
if [ -z "$package" ] || [ -z "$version" ]; then
	echo "Bail out! PACKAGE_NAME or PACKAGE_VERSION not found in $repo/dkms.conf"
	exit 1
fi
srcdir=/usr/src/$package-$version

if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! dkms-check.sh must run as root: dkms writes /usr/src, /var/lib/dkms and /lib/modules"
	exit 1
fi

# Kernel releases, in the order of $kvers.
krels=()
for kver in $kvers; do
	env=$repo/build/kernels/$kver/kernel.env
	krel=$(sed -n 's/^KREL=//p' "$env" 2>/dev/null || true)
	if [ -z "$krel" ]; then
		echo "Bail out! KREL not found in $env: run 'make deps' (scripts/fetch-kernel.sh $kver build/kernels) first"
		exit 1
	fi
	krels+=("$krel")
done

test_number=0
failed=0

ok() {
	test_number=$((test_number + 1))
	echo "ok $test_number - $1"
}

not_ok() {
	test_number=$((test_number + 1))
	failed=$((failed + 1))
	echo "not ok $test_number - $1"
}

# Runs "$@" with its output as TAP diagnostics and prints a TAP line NAME.
step() {
	local name=$1 rc=0
	shift
	# With pipefail the status is the command's, since sed does not fail.
	"$@" 2>&1 | sed 's/^/# /' || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name (exit status $rc)"
	fi
	return "$rc"
}

is_added() {
	dkms status -m "$package" -v "$version" 2>/dev/null | grep -q .
}

cleanup() {
	if is_added; then
		dkms remove -m "$package" -v "$version" --all >/dev/null 2>&1 || true
	fi
	rm -rf "$srcdir"
}
trap cleanup EXIT

echo "1..$((4 + 6 * ${#krels[@]}))"
start=$(date +%s)

# Leftovers of an earlier, interrupted run.
cleanup

if command -v dkms >/dev/null; then
	ok "dkms is installed"
else
	step "apt-get install dkms" apt-get install -y --no-install-recommends dkms ||
		{ echo "Bail out! dkms is missing and could not be installed"; exit 1; }
fi

for krel in "${krels[@]}"; do
	if [ -f "/lib/modules/$krel/build/Makefile" ]; then
		ok "headers for $krel are installed"
	else
		step "apt-get install linux-headers-$krel" \
			apt-get install -y --no-install-recommends "linux-headers-$krel" || true
	fi
done

mkdir -p "$srcdir/kernel"
cp "$repo/Kbuild" "$repo/Makefile" "$repo/dkms.conf" "$srcdir/"
cp "$repo"/kernel/*.c "$repo"/kernel/*.h "$srcdir/kernel/"
cp -r "$repo/include" "$srcdir/"
step "dkms add $package/$version" dkms add -m "$package" -v "$version" || true

for krel in "${krels[@]}"; do
	# dkms keeps make.log in the build directory after a failed build,
	# and moves it to KREL/ARCH/log/ after a successful one.
	log=/var/lib/dkms/$package/$version/build/make.log
	if step "dkms build -k $krel" dkms build -m "$package" -v "$version" -k "$krel"; then
		log=/var/lib/dkms/$package/$version/$krel/$(uname -m)/log/make.log
	else
		if [ -f "$log" ]; then
			tail -n 30 "$log" | sed 's/^/# make.log: /'
		fi
	fi
	if [ -f "$log" ] && ! grep -q 'warning:' "$log"; then
		ok "$krel: build has no compiler warnings"
	else
		not_ok "$krel: build has no compiler warnings"
		if [ ! -f "$log" ]; then
			echo "# $log not found"
		else
			grep 'warning:' "$log" | head -n 20 | sed 's/^/# make.log: /'
		fi
	fi
	step "dkms install -k $krel" dkms install -m "$package" -v "$version" -k "$krel" || true

	ko=$(find "/lib/modules/$krel/updates/dkms" -name 'vpro_heci.ko*' 2>/dev/null | head -n 1)
	if [ -n "$ko" ]; then
		ok "$krel: $ko exists"
	else
		not_ok "$krel: no vpro_heci.ko* under /lib/modules/$krel/updates/dkms"
	fi

	found=$(modinfo -F alias "$ko" 2>/dev/null | sort || true)
	if [ -n "$ko" ] && [ "$found" = "$(echo "$aliases" | sort)" ]; then
		ok "$krel: modinfo aliases are AMTHI and LME"
	else
		not_ok "$krel: modinfo aliases of '$ko' are AMTHI and LME"
		echo "# expected: $(echo "$aliases" | tr '\n' ' ')"
		echo "# found:    $(echo "$found" | tr '\n' ' ')"
	fi
done

step "dkms remove --all" dkms remove -m "$package" -v "$version" --all || true

left=""
for krel in "${krels[@]}"; do
	left+=$(find "/lib/modules/$krel/updates/dkms" -name 'vpro_heci.ko*' 2>/dev/null || true)
done
if [ -z "$left" ] && ! is_added; then
	ok "remove leaves no module and no DKMS entry"
else
	not_ok "remove leaves no module and no DKMS entry"
	echo "# left: ${left:-none}; dkms status: $(dkms status -m "$package" 2>&1)"
fi

echo "# dkms-check: $failed failed, $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
