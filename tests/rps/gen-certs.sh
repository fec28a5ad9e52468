#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Creates a throwaway test CA and a server certificate for 127.0.0.1 and
# localhost, signed by that CA, for rps-peer:
#   DIR/ca.pem  DIR/ca.key  DIR/server.pem  DIR/server.key
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

openssl req -newkey rsa:2048 -nodes \
	-subj "/CN=localhost" \
	-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null

cat >"$dir/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
openssl x509 -req -in "$dir/server.csr" -days 2 \
	-CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
	-extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null

rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null
