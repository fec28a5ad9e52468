#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Creates a throwaway test CA and a server certificate for 127.0.0.1 and
# localhost, signed by that CA, for rps-peer:
#   DIR/ca.pem  DIR/ca.key  DIR/server.pem  DIR/server.key
# and a second certificate from the same CA that names only
# rps.test.invalid, for tests of the client's host name check:
#   DIR/wrong-name.pem  DIR/wrong-name.key
# Usage: gen-certs.sh DIR
# Needs the openssl command line tool; runs under busybox sh too.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
if ! command -v openssl >/dev/null 2>&1; then
	echo "gen-certs.sh: openssl not found; install the openssl package" >&2
	exit 1
fi
mkdir -p "$dir"

# The keys protect nothing but a test session, so 2048-bit RSA without a
# passphrase is enough. Two days of validity cover a CI run even when the
# guest clock is a day off.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	-subj "/CN=vpro_heci test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null

# Signs a server certificate DIR/$1.pem (key DIR/$1.key) for common
# name $2 and subjectAltName $3 with the test CA.
server_cert() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" \
		-keyout "$dir/$1.key" -out "$dir/$1.csr" 2>/dev/null
	cat >"$dir/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$3
EXT
	openssl x509 -req -in "$dir/$1.csr" -days 2 \
		-CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
		-extfile "$dir/$1.ext" -out "$dir/$1.pem" 2>/dev/null
	rm -f "$dir/$1.csr" "$dir/$1.ext"
	openssl verify -CAfile "$dir/ca.pem" "$dir/$1.pem" >/dev/null
}

server_cert server localhost IP:127.0.0.1,DNS:localhost
# .invalid never resolves (RFC 2606), so no client can reach a real host by it.
server_cert wrong-name rps.test.invalid DNS:rps.test.invalid
rm -f "$dir/ca.srl"
