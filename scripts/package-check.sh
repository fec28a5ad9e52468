#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Check the Debian and RPM packaging. The script builds the .debs with
# dpkg-buildpackage into build/packages, installs them with apt-get, runs
# /usr/sbin/vproctl and checks that DKMS built the module for each kernel
# with headers in /lib/modules. It then purges the packages, and any
# package apt-get pulled in for them, so the system ends as it started.
# Last, it builds the RPMs with rpmbuild into build/packages/rpm and lists
# their files. Prints TAP and `N passed, N failed`, and exits non-zero when
# any check fails.
#
# usage: scripts/package-check.sh   (as root, on Debian 12)
#
# Missing build tools (debhelper, dh-dkms, rpm, fakeroot, dkms) and the
# linux-headers-KREL packages of the test kernels in build/kernels are
# installed with apt-get and kept, as scripts/dkms-check.sh does. Do not
# run both scripts at the same time: both use /usr/src/vpro-heci-VERSION.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/build/packages
arch=$(dpkg --print-architecture)

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

# Prints TAP line NAME for the exit status of the last command.
check() {
	local rc=$? name=$1
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name"
	fi
	return "$rc"
}

# Runs "$@" with its output, tail only, as TAP diagnostics and logs all of
# it to LOG. Prints TAP line NAME.
step() {
	local name=$1 log=$2 rc=0
	shift 2
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name (exit status $rc, log: $log)"
		tail -n 20 "$log" | sed 's/^/# /'
	fi
	return "$rc"
}

bail_out() {
	echo "Bail out! $1"
	exit 1
}

finish() {
	echo "1..$test_number"
	echo "$((test_number - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

is_installed() {
	[ "$(dpkg-query -W -f '${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if [ "$(id -u)" -ne 0 ]; then
	bail_out "package-check.sh must run as root: it installs and removes packages"
fi

version=$(sed -n 's/^VERSION := //p' "$repo/user/Makefile")
if [ -z "$version" ]; then
	bail_out "VERSION not found in $repo/user/Makefile"
fi

# Versions must agree, because dh_dkms and the RPM install the source to
# /usr/src/vpro-heci-VERSION and dkms.conf names the same directory.
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$repo/dkms.conf")
deb_version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version 2>/dev/null)
rpm_version=$(sed -n 's/^Version: *//p' "$repo/rpm/vpro-heci.spec")
for pair in "dkms.conf:$dkms_version" "debian/changelog:$deb_version" \
	"rpm/vpro-heci.spec:$rpm_version"; do
	file=${pair%%:*}
	found=${pair#*:}
	[ "${found%%-*}" = "$version" ]
	check "$file version '$found' matches user/Makefile $version"
done

# Build tools. apt-get install is skipped for tools already present.
tools=""
command -v dpkg-buildpackage >/dev/null || tools+=" dpkg-dev"
command -v dh >/dev/null || tools+=" debhelper"
command -v dh_dkms >/dev/null || tools+=" dh-dkms"
command -v dkms >/dev/null || tools+=" dkms"
command -v rpmbuild >/dev/null || tools+=" rpm"
command -v fakeroot >/dev/null || tools+=" fakeroot"
mkdir -p "$out"
if [ -n "$tools" ]; then
	step "apt-get install$tools" "$out/apt-tools.log" \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $tools ||
		bail_out "build tools missing:$tools"
fi

for package in vpro-heci-dkms vproctl; do
	if is_installed "$package"; then
		bail_out "$package is already installed: purge it first, because this check installs and removes it"
	fi
done
if [ -e "/usr/src/vpro-heci-$version" ] || dkms status -m vpro-heci 2>/dev/null | grep -q .; then
	bail_out "/usr/src/vpro-heci-$version or a vpro-heci DKMS entry exists: wait for scripts/dkms-check.sh to finish, or run 'dkms remove -m vpro-heci -v $version --all'"
fi

# Kernels to check DKMS against: the test kernels, whose headers are
# installed if missing, plus any other kernel with headers.
for env in "$repo"/build/kernels/*/kernel.env; do
	# The debug kernel is built here and has no Debian headers package.
	case $env in */kernels/debug/*) continue ;; esac
	krel=$(sed -n 's/^KREL=//p' "$env" 2>/dev/null)
	if [ -z "$krel" ] || [ -f "/lib/modules/$krel/build/Makefile" ]; then
		continue
	fi
	step "apt-get install linux-headers-$krel" "$out/apt-headers-$krel.log" \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "linux-headers-$krel"
done
krels=()
for dir in /lib/modules/*/; do
	krel=$(basename "$dir")
	if [ -f "/lib/modules/$krel/build/Makefile" ]; then
		krels+=("$krel")
	fi
done
echo "# kernels with headers: ${krels[*]:-none}"

# Stage the tracked and new, not ignored, files, because the build must
# not see objects left in the working tree and must not clean it.
stage=$out/tree/vpro-heci-$version
rm -rf "$out/tree" "$out/rpm" "$out"/*.deb
mkdir -p "$stage"
if ! git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	bail_out "$repo is not a git checkout: the staging step lists files with git ls-files"
fi
(cd "$repo" && git ls-files -z -co --exclude-standard | grep -zv '^build/' |
	tar -cf - --null -T -) | tar -xf - -C "$stage"
check "stage the source tree in $stage" || finish
tar -czf "$out/tree/vpro-heci-$version.tar.gz" -C "$out/tree" "vpro-heci-$version"
check "create the RPM source tarball" || finish

# Debian packages.
dkms_deb=vpro-heci-dkms_${version}_all.deb
vproctl_deb=vproctl_${version}_${arch}.deb
if step "dpkg-buildpackage -us -uc -b" "$out/dpkg-buildpackage.log" \
	sh -c "cd '$stage' && dpkg-buildpackage -us -uc -b"; then
	mv "$out/tree/$dkms_deb" "$out/tree/$vproctl_deb" "$out/"
	check "move $dkms_deb and $vproctl_deb to $out"
fi

# Listings go to variables first, because with pipefail a grep -q that
# closes the pipe early fails the pipeline through SIGPIPE.
vproctl_files=$(dpkg-deb -c "$out/$vproctl_deb" 2>/dev/null | awk '{print $6}')
dkms_files=$(dpkg-deb -c "$out/$dkms_deb" 2>/dev/null | awk '{print $6}')
grep -qx './usr/sbin/vproctl' <<<"$vproctl_files"
check "$vproctl_deb contains /usr/sbin/vproctl"
grep -qx './usr/share/man/man8/vproctl.8.gz' <<<"$vproctl_files"
check "$vproctl_deb contains the vproctl(8) man page"
for file in dkms.conf Kbuild kernel/main.c include/uapi/linux/vpro_heci.h; do
	grep -qxF "./usr/src/vpro-heci-$version/$file" <<<"$dkms_files"
	check "$dkms_deb contains /usr/src/vpro-heci-$version/$file"
done
dpkg-deb -f "$out/$dkms_deb" Depends 2>/dev/null | grep -w dkms >/dev/null
check "$dkms_deb depends on dkms"

if [ ! -f "$out/$dkms_deb" ] || [ ! -f "$out/$vproctl_deb" ]; then
	bail_out "no .debs to install in $out: see $out/dpkg-buildpackage.log"
fi

packages_before=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" {print $2}' | sort)

# Purges the two packages if the script stops between install and removal.
purge_packages() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q vpro-heci-dkms vproctl
}
trap 'purge_packages >/dev/null 2>&1' EXIT

step "apt-get install $dkms_deb $vproctl_deb" "$out/apt-install.log" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "$out/$dkms_deb" "$out/$vproctl_deb"
grep -E 'Building for|rror' "$out/apt-install.log" | head -n 10 | sed 's/^/# postinst: /'

output=$(/usr/sbin/vproctl version 2>&1)
rc=$?
echo "# vproctl version: $output"
[ "$rc" -eq 0 ] && [[ "$output" == "vproctl $version "* ]]
check "/usr/sbin/vproctl version prints vproctl $version"

# The postinst (dkms 3.0.10's common.postinst) builds for the running
# kernel and the newest one, or for every kernel when the running kernel
# has no /lib/modules directory. The other kernels with headers are built
# here, so the packaged source is built against each of them.
if [ "${#krels[@]}" -eq 0 ]; then
	not_ok "no kernel has headers in /lib/modules/KREL/build: install linux-headers-\$(uname -r) or run 'make deps'"
fi
for krel in "${krels[@]}"; do
	# dkms status prints readelf warnings on stderr for some kernels.
	status=$(dkms status -m vpro-heci -v "$version" -k "$krel" 2>/dev/null)
	if [[ "$status" == *": installed"* ]]; then
		echo "# $krel: built by the postinst"
	else
		dkms install -m vpro-heci -v "$version" -k "$krel" >"$out/dkms-install-$krel.log" 2>&1
		status=$(dkms status -m vpro-heci -v "$version" -k "$krel" 2>/dev/null)
	fi
	echo "# dkms status: $status"
	[[ "$status" == "vpro-heci/$version, $krel, "*": installed"* ]]
	check "dkms status lists vpro-heci/$version installed for $krel"
	ls "/lib/modules/$krel/updates/dkms/"vpro_heci.ko* >/dev/null 2>&1
	check "$krel: vpro_heci.ko is in /lib/modules/$krel/updates/dkms"
done

step "apt-get purge vpro-heci-dkms vproctl" "$out/apt-purge.log" purge_packages
trap - EXIT

# apt-get may have pulled in runtime libraries that were not installed.
packages_after=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" {print $2}' | sort)
added=$(comm -13 <(echo "$packages_before") <(echo "$packages_after") | tr '\n' ' ')
if [ -n "$added" ]; then
	echo "# purging packages installed as dependencies: $added"
	# shellcheck disable=SC2086 # one argument per package name
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $added >"$out/apt-purge-deps.log" 2>&1
	packages_after=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" {print $2}' | sort)
fi
[ "$packages_before" = "$packages_after" ]
check "installed package set is the same as before the install"

! is_installed vproctl && ! is_installed vpro-heci-dkms
check "vproctl and vpro-heci-dkms are not installed"
[ ! -e /usr/sbin/vproctl ] && [ ! -e "/usr/src/vpro-heci-$version" ]
check "/usr/sbin/vproctl and /usr/src/vpro-heci-$version are gone"
left=$(dkms status -m vpro-heci 2>/dev/null; ls /lib/modules/*/updates/dkms/vpro_heci.ko* 2>/dev/null)
[ -z "$left" ]
check "purge leaves no DKMS entry and no vpro_heci.ko"
if [ -n "$left" ]; then
	echo "$left" | sed 's/^/# left: /'
fi

# RPM packages. Debian has no RPM database of the build dependencies, so
# rpmbuild runs with --nodeps (see the header of rpm/vpro-heci.spec).
mkdir -p "$out/rpm/SOURCES"
cp "$out/tree/vpro-heci-$version.tar.gz" "$out/rpm/SOURCES/"
step "rpmbuild -bb --nodeps rpm/vpro-heci.spec" "$out/rpmbuild.log" \
	rpmbuild -bb --nodeps --define "_topdir $out/rpm" "$repo/rpm/vpro-heci.spec"

vproctl_rpm=$(find "$out/rpm/RPMS" -name "vproctl-$version-*.rpm" 2>/dev/null | head -n 1)
dkms_rpm=$(find "$out/rpm/RPMS" -name "vpro-heci-dkms-$version-*.noarch.rpm" 2>/dev/null | head -n 1)
vproctl_files=$(rpm -qpl "$vproctl_rpm" 2>/dev/null)
dkms_files=$(rpm -qpl "$dkms_rpm" 2>/dev/null)
grep -qx /usr/sbin/vproctl <<<"$vproctl_files"
check "vproctl RPM lists /usr/sbin/vproctl (${vproctl_rpm:-not built})"
for file in dkms.conf Kbuild kernel/main.c include/uapi/linux/vpro_heci.h; do
	grep -qxF "/usr/src/vpro-heci-$version/$file" <<<"$dkms_files"
	check "vpro-heci-dkms RPM lists /usr/src/vpro-heci-$version/$file"
done
rpm -qpR "$dkms_rpm" 2>/dev/null | grep -x dkms >/dev/null
check "vpro-heci-dkms RPM requires dkms"

finish
