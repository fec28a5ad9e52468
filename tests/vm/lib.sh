# SPDX-License-Identifier: MIT
#
# Functions for tests/vm/run.sh: building, packing the initramfs and
# judging the guest's output. Sourced, not run.

# Runs kbuild against headers dir $1 with the remaining arguments.
# Debian's headers Makefile is one line, `include /usr/src/...-common/Makefile`.
# That absolute path does not exist in a tree unpacked by fetch-kernel.sh,
# so the -common Makefile next to KDIR is used instead. kbuild takes its
# source tree from that Makefile's directory and its object tree from KDIR.
kbuild() {
	local kdir=$1 inc alt makefile
	shift
	makefile=$kdir/Makefile
	inc=$(sed -n 's/^include //p' "$makefile")
	alt=$kdir/../$(basename "$(dirname "$inc")")/Makefile
	if [ -n "$inc" ] && [ ! -f "$inc" ] && [ -f "$alt" ]; then
		makefile=$(realpath "$alt")
	fi
	make -j2 -C "$kdir" -f "$makefile" "$@"
}

# Copies the source tree $1 to $2 without build/, .git and build outputs.
# Only files whose content changed are written, and they get the current
# time: make then rebuilds exactly what changed, even when the edit is
# older than an object that a previous run built from an earlier copy.
copy_tree() {
	local staged=$2.staged f
	rm -rf "$staged"
	mkdir -p "$staged" "$2"
	tar -C "$1" --exclude=./build --exclude=./.git \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
		-cf - . | tar -C "$staged" -xf -
	while IFS= read -r -d '' f; do
		cmp -s "$staged/$f" "$2/$f" && continue
		mkdir -p "$(dirname "$2/$f")"
		cp "$staged/$f" "$2/$f"
	done < <(cd "$staged" && find . -type f -print0)
	rm -rf "$staged"
}

# Runs one build command, logging to file $2. Prints the log and fails
# when the command fails or the compiler printed a warning, because the
# project builds warning-free.
build_step() {
	local name=$1 logfile=$2
	shift 2
	log "building $name"
	if ! "$@" >"$logfile" 2>&1; then
		cat "$logfile" >&2
		log "error: building $name failed (log: $logfile)"
		return 1
	fi
	if grep -q 'warning:' "$logfile"; then
		grep -B2 -A2 'warning:' "$logfile" >&2
		log "error: building $name printed compiler warnings (log: $logfile)"
		return 1
	fi
}

# Creates the directory layout, busybox with its applet links, and the
# few /etc files that glibc and OpenSSL look for.
make_base_root() {
	local root=$1 applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,run,tmp,root,var/log}
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$root/etc/hosts"
	echo 'hosts: files' >"$root/etc/nsswitch.conf"
	mkdir -p "$root/etc/ssl/certs"
	cp /etc/ssl/openssl.cnf "$root/etc/ssl/"
	cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

# Copies mei.ko from the kernel's module tree to $2, decompressed (6.12
# ships it xz-compressed), so busybox insmod needs no decompression support.
install_mei_ko() {
	local dir=$1/kernel/drivers/misc/mei
	if [ -f "$dir/mei.ko" ]; then
		cp "$dir/mei.ko" "$2"
	elif [ -f "$dir/mei.ko.xz" ]; then
		xz -dc "$dir/mei.ko.xz" >"$2"
	elif [ -f "$dir/mei.ko.zst" ]; then
		zstd -q -dc "$dir/mei.ko.zst" >"$2"
	else
		die "mei.ko not found in $dir"
	fi
}

# Copies program $2 into directory $3 of root $1, with every shared
# library ldd lists for it (including the dynamic loader) at the same path.
add_program() {
	local root=$1 prog=$2 dest=$3 lib
	[ -f "$prog" ] || die "program $prog not found"
	mkdir -p "$root$dest"
	cp -L "$prog" "$root$dest/"
	# Scripts and static programs have no libraries to copy.
	if ! ldd "$prog" >/dev/null 2>&1; then
		return 0
	fi
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		[ -f "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"; }
	done
}

# Creates a fresh test CA and server certificate with
# tests/rps/gen-certs.sh in directory $2 (they expire after 2 days) and
# copies ca.pem, server.pem and server.key to the guest's /etc/vpro-vm/certs.
# The RPS test peer serves wss:// with them and vproctl trusts ca.pem.
add_rps_certs() {
	local root=$1 dir=$2
	rm -rf "$dir"
	sh "$repo/tests/rps/gen-certs.sh" "$dir" || die "tests/rps/gen-certs.sh failed"
	mkdir -p "$root/etc/vpro-vm/certs"
	cp "$dir/ca.pem" "$dir/server.pem" "$dir/server.key" "$root/etc/vpro-vm/certs/"
}

# Prints the names of the taint flags set in taint mask $1, except O
# (out-of-tree module, bit 12) and E (unsigned module, bit 13), which
# every test module sets.
bad_taint_flags() {
	local mask=$1 bit flags='' letters='PFSRMBUDAWCIOELKXTN'
	for bit in $(seq 0 18); do
		[ "$bit" -eq 12 ] || [ "$bit" -eq 13 ] && continue
		if [ $(((mask >> bit) & 1)) -eq 1 ]; then
			flags="$flags${letters:$bit:1}"
		fi
	done
	echo "$flags"
}

# Judges one guest run from the console log $2 and the results port log
# $3, prints the TAP (mode check) or the demonstration output (mode run),
# and returns non-zero on any failure.
check_guest() {
	local mode=$1 console=$2 results=$3 clean status=0 pattern taint bad
	clean=$results.txt
	tr -d '\r' <"$results" >"$clean" 2>/dev/null || : >"$clean"

	if [ "$mode" = check ]; then
		grep -E '^(TAP version|ok |not ok |1\.\.|#|[0-9]+ passed, [0-9]+ failed$)' "$clean" |
			sed -n '/^==== vpro-vm dmesg begin/q;p' || true
		if grep -q '^not ok ' "$clean"; then
			log "FAIL: guest suites failed:"
			grep '^not ok ' "$clean" >&2
			status=1
		fi
		if ! grep -Eq '^1\.\.[0-9]+$' "$clean"; then
			log "FAIL: no TAP plan from the guest: it crashed or timed out (see build/$kver/guest.log)"
			status=1
		fi
	else
		sed -n '/^==== vpro-vm run begin/,/^==== vpro-vm run end/p' "$clean"
		if ! grep -q '^==== vpro-vm run end status=0' "$clean"; then
			bad=$(sed -n '/^==== vpro-vm run begin/,/^==== vpro-vm run end/p' "$clean" |
				grep -m1 '^Error [0-9]*:')
			log "FAIL: the demonstration did not finish with status 0${bad:+ (first error: $bad)}"
			status=1
		fi
	fi
	if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$clean"; then
		log "FAIL: no summary line from the guest: it crashed or timed out (see build/$kver/guest.log)"
		status=1
	fi

	# Only kernel lines (with a printk timestamp) count, so a test that
	# prints one of these words does not fail the run. KASAN, KFENCE and
	# the sleep-in-atomic check print "BUG:", lockdep "WARNING: possible"
	# or "inconsistent lock state", UBSAN "UBSAN:" and kmemleak's own
	# scans "suspected memory leaks" (the debug kernel has these checkers).
	pattern='^\[ *[0-9]+\.[0-9]+\].*(BUG:|WARNING:|Oops|refcount_t|general protection'
	pattern=$pattern'|KASAN:|KFENCE:|UBSAN:|possible circular locking|inconsistent lock state'
	pattern=$pattern'|sleeping function called from invalid context|suspected memory leaks)'
	if tr -d '\r' <"$console" | cat - "$clean" | grep -E "$pattern" >"$results.kernel-errors"; then
		log "FAIL: the guest kernel log reports errors:"
		sort -u "$results.kernel-errors" >&2
		status=1
	fi
	taint=$(sed -n 's/^tainted: \([0-9][0-9]*\)$/\1/p' "$clean" | tail -n 1)
	if [ -z "$taint" ]; then
		log "FAIL: the guest did not report its taint mask"
		status=1
	else
		bad=$(bad_taint_flags "$taint")
		if [ -n "$bad" ]; then
			log "FAIL: guest kernel tainted with flags '$bad' (mask $taint); only O and E are expected"
			status=1
		fi
	fi
	return $status
}

# Checks the RPS settings of `make run RPS_URL=...`: URL $1, MODE $2,
# SKU $3, profile $4 and CA file $5. Sets rps_port (the port forwarded
# into the guest, the URL's or the scheme's default) and rps_target (the
# host address portfwd connects to). Only loopback hosts are accepted,
# because the guest reaches the host through portfwd and nothing else.
check_rps_url() {
	local url=$1 mode=$2 sku=$3 profile=$4 ca=$5 re host
	re='^(wss?)://(127\.0\.0\.1|localhost|\[::1\])(:([0-9]+))?(/[A-Za-z0-9._~/?=&%-]*)?$'
	if [[ ! $url =~ $re ]]; then
		echo "run.sh: invalid RPS_URL '$url': use ws[s]://127.0.0.1[:PORT]/PATH (or localhost, [::1]); only a loopback host can be forwarded into the VM" >&2
		return 1
	fi
	host=${BASH_REMATCH[2]}
	rps_port=${BASH_REMATCH[4]}
	if [ -z "$rps_port" ]; then
		if [ "${BASH_REMATCH[1]}" = wss ]; then rps_port=443; else rps_port=80; fi
	fi
	if [ "$rps_port" -lt 1 ] || [ "$rps_port" -gt 65535 ]; then
		echo "run.sh: invalid port $rps_port in RPS_URL '$url': give 1 to 65535" >&2
		return 1
	fi
	case $host in
	'[::1]') rps_target="[::1]:$rps_port" ;;
	*) rps_target="127.0.0.1:$rps_port" ;;
	esac
	if [ "$mode" != run ]; then
		echo "run.sh: RPS_URL is only used by MODE run, not '$mode'" >&2
		return 1
	fi
	if [ "$sku" = none ]; then
		echo "run.sh: RPS_URL needs SKU amt or ism: SKU none has no AMT to activate" >&2
		return 1
	fi
	if [[ ! $profile =~ ^[A-Za-z0-9._-]+$ ]]; then
		echo "run.sh: invalid or missing PROFILE '$profile': give the RPS profile name (letters, digits, . _ -)" >&2
		return 1
	fi
	if [ -n "$ca" ] && [ ! -f "$ca" ]; then
		echo "run.sh: RPS_CA file '$ca' not found: give the PEM file of the CA that signed the RPS certificate" >&2
		return 1
	fi
}

# Copies the modules virtio_console needs, from module tree $1 into
# directory $2, decompressed, with a load-order file $2/order for
# guest-init.sh. Debian's 6.1 builds them as modules; 6.12 builds them
# in, so there nothing is copied and the order file stays empty.
install_virtio_console() {
	local moddir=$1 dest=$2 name file
	mkdir -p "$dest"
	: >"$dest/order"
	for name in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
		file=$(find "$moddir/kernel/drivers" -name "$name.ko*" | head -n 1)
		[ -n "$file" ] || continue
		case $file in
		*.xz) xz -dc "$file" >"$dest/$name.ko" ;;
		*.zst) zstd -q -dc "$file" >"$dest/$name.ko" ;;
		*) cp "$file" "$dest/$name.ko" ;;
		esac
		echo "$name" >>"$dest/order"
	done
}

# Starts `portfwd host` on Unix socket $1 for target $2, logging to $3,
# and waits up to 5 s for the socket, which QEMU's chardev connects to.
# Sets fwd_pid.
start_portfwd() {
	local sock=$1 target=$2 logfile=$3 i=0
	rm -f "$sock"
	"$out/portfwd" host "$sock" "$target" </dev/null >"$logfile" 2>&1 &
	fwd_pid=$!
	while [ ! -S "$sock" ] && [ $i -lt 50 ]; do
		kill -0 "$fwd_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -S "$sock" ]; then
		cat "$logfile" >&2
		die "portfwd did not create $sock"
	fi
	log "forwarding the guest's port $rps_port to $target (portfwd pid $fwd_pid)"
}

# Stops the portfwd started by start_portfwd. It exits by itself when
# QEMU closes the chardev, so the signal only covers a QEMU that never
# connected.
stop_portfwd() {
	kill -TERM "$fwd_pid" 2>/dev/null || true
	wait "$fwd_pid" 2>/dev/null || true
	fwd_pid=
}
