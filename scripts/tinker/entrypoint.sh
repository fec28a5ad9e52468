#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Tinker action: activates Intel AMT through RPS with
# "vproctl activate ... --json" and prints exactly one JSON line on
# stdout:
#   {"status":"success"|"error"|"unsupported","exitCode":N,"message":"...",
#    "result":{...}}
# "result" is vproctl's own JSON output and appears only when vproctl
# printed one (after a successful activation). vproctl's error messages
# go to stderr as well, for the action log. The exit status is vproctl's
# (rpc-go's exit codes), 124 when TIMEOUT expired, or the code of the
# failed input check below. Runs under POSIX sh and busybox sh.
#
# Environment (README.md next to this file has the full table):
#   RPS_URL            wss:// URL of RPS, required (exit 20 when missing)
#   PROFILE            RPS profile name, required (exit 21 when missing)
#   AMT_PASSWORD       AMT password, passed to vproctl in its environment
#   DNS_SUFFIX         sent as vproctl -d
#   HOSTNAME_OVERRIDE  sent as vproctl --hostname (AMT_HOSTNAME works too)
#   SKIP_CERT_CHECK    true or false (default false); true adds -n
#   CA_CERT            PEM file path, or the PEM content itself
#   TIMEOUT            whole seconds before vproctl is stopped
#   VPROCTL            vproctl program to run, default vproctl in PATH
set -u

# rpc-go exit codes used by the input checks.
EXIT_GENERIC_FAILURE=10
EXIT_MISSING_URL=20
EXIT_MISSING_PROFILE=21
EXIT_INCORRECT_PARAMETERS=28
EXIT_INVALID_USER_INPUT=36
EXIT_AMT_NOT_DETECTED=3
# The exit status coreutils timeout gives when the time ran out.
EXIT_TIMED_OUT=124

vproctl=${VPROCTL:-vproctl}
work=

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Replaces every occurrence of $AMT_PASSWORD on stdin with ***. awk
# reads the password from its environment, so it never appears in a
# command line.
hide_password() {
	awk '{
		p = ENVIRON["AMT_PASSWORD"]
		if (p != "") {
			line = ""
			while ((i = index($0, p)) > 0) {
				line = line substr($0, 1, i - 1) "***"
				$0 = substr($0, i + length(p))
			}
			$0 = line $0
		}
		print
	}'
}

# Prints stdin as one JSON string literal: lines are joined with \n,
# and control characters other than tab and newline are dropped.
json_string() {
	tab=$(printf '\t')
	hide_password | tr -d '\001-\010\013-\037' |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$tab/\\\\t/g" |
		awk 'BEGIN { printf "\"" }
			{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }
			END { printf "\"" }'
}

# Prints the result line: status $1, exit code $2, message $3 and, when
# $4 names a non-empty file, that file's JSON as "result".
print_result() {
	message=$(printf '%s' "$3" | json_string)
	if [ $# -ge 4 ] && [ -s "$4" ]; then
		printf '{"status":"%s","exitCode":%d,"message":%s,"result":%s}\n' \
			"$1" "$2" "$message" "$(hide_password <"$4")"
	else
		printf '{"status":"%s","exitCode":%d,"message":%s}\n' \
			"$1" "$2" "$message"
	fi
}

# Prints an error result for exit code $1 and message $2, then exits $1.
fail() {
	print_result error "$1" "$2"
	exit "$1"
}

# Input checks. Each failed check prints the result line and exits.
RPS_URL=${RPS_URL:-}
PROFILE=${PROFILE:-}
SKIP_CERT_CHECK=${SKIP_CERT_CHECK:-false}
TIMEOUT=${TIMEOUT:-}
CA_CERT=${CA_CERT:-}
DNS_SUFFIX=${DNS_SUFFIX:-}
HOSTNAME_OVERRIDE=${HOSTNAME_OVERRIDE:-}
AMT_HOSTNAME=${AMT_HOSTNAME:-}

[ -n "$RPS_URL" ] ||
	fail $EXIT_MISSING_URL "RPS_URL is missing: set it to the RPS WebSocket URL, e.g. wss://rps.example.com/activate"
[ -n "$PROFILE" ] ||
	fail $EXIT_MISSING_PROFILE "PROFILE is missing: set it to the name of an RPS profile"

case $SKIP_CERT_CHECK in
true | false) ;;
*) fail $EXIT_INCORRECT_PARAMETERS "SKIP_CERT_CHECK='$SKIP_CERT_CHECK' is invalid: set it to true or false" ;;
esac

# TIMEOUT is empty or digits with at least one non-zero digit.
case $TIMEOUT in
'' | [0-9]*[1-9]* | [1-9]*)
	case $TIMEOUT in *[!0-9]*) timeout_valid=false ;; *) timeout_valid=true ;; esac ;;
*) timeout_valid=false ;;
esac
[ "$timeout_valid" = true ] ||
	fail $EXIT_INCORRECT_PARAMETERS "TIMEOUT='$TIMEOUT' is invalid: set it to a positive number of seconds, e.g. 300"

hostname=$HOSTNAME_OVERRIDE
if [ -n "$AMT_HOSTNAME" ]; then
	if [ -n "$hostname" ] && [ "$hostname" != "$AMT_HOSTNAME" ]; then
		fail $EXIT_INCORRECT_PARAMETERS "HOSTNAME_OVERRIDE='$HOSTNAME_OVERRIDE' and AMT_HOSTNAME='$AMT_HOSTNAME' differ: set only one of them"
	fi
	hostname=$AMT_HOSTNAME
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vpro-tinker.XXXXXX") ||
	fail $EXIT_GENERIC_FAILURE "creating a temporary directory in ${TMPDIR:-/tmp} failed: check that it exists and is writable"

ca_file=
case $CA_CERT in
'') ;;
*-----BEGIN*)
	# Inline PEM content: written to a file only the current user can read.
	ca_file=$work/ca.pem
	(umask 077 && printf '%s\n' "$CA_CERT" >"$ca_file") ||
		fail $EXIT_GENERIC_FAILURE "writing CA_CERT to $ca_file failed"
	chmod 0600 "$ca_file"
	;;
*)
	if [ ! -f "$CA_CERT" ] || [ ! -r "$CA_CERT" ]; then
		fail $EXIT_INVALID_USER_INPUT "CA_CERT='$CA_CERT' is neither a readable file nor PEM content: give a PEM file path or the PEM text starting with -----BEGIN CERTIFICATE-----"
	fi
	ca_file=$CA_CERT
	;;
esac

command -v "$vproctl" >/dev/null 2>&1 ||
	fail $EXIT_GENERIC_FAILURE "vproctl program '$vproctl' not found: install vproctl in PATH or set VPROCTL"

# The command line. The password stays in the environment only.
set -- activate -u "$RPS_URL" --profile "$PROFILE" --json
[ -n "$DNS_SUFFIX" ] && set -- "$@" -d "$DNS_SUFFIX"
[ -n "$hostname" ] && set -- "$@" --hostname "$hostname"
[ "$SKIP_CERT_CHECK" = true ] && set -- "$@" -n
[ -n "$ca_file" ] && set -- "$@" --ca "$ca_file"
if [ -n "${AMT_PASSWORD:-}" ]; then
	export AMT_PASSWORD
else
	unset AMT_PASSWORD
fi

started=$(date +%s)
if [ -n "$TIMEOUT" ]; then
	timeout "$TIMEOUT" "$vproctl" "$@" >"$work/stdout" 2>"$work/stderr"
else
	"$vproctl" "$@" >"$work/stdout" 2>"$work/stderr"
fi
rc=$?
elapsed=$(($(date +%s) - started))

hide_password <"$work/stderr" >&2
errors=$(hide_password <"$work/stderr")

# vproctl prints its JSON indented over several lines. Jansson escapes
# newlines inside strings, so every newline and the indentation after it
# lie between tokens and can go.
sed 's/^[[:space:]]*//' "$work/stdout" | tr -d '\n' >"$work/result"
case $(cat "$work/result") in
'' | '{'*'}') ;;
*)
	errors="$errors
vproctl printed output that is not JSON: $(cat "$work/result")"
	: >"$work/result"
	;;
esac

# coreutils timeout exits 124. busybox timeout kills vproctl with SIGTERM
# (status 143), so there the elapsed time decides.
if [ -n "$TIMEOUT" ] && { [ $rc -eq $EXIT_TIMED_OUT ] ||
	{ [ $rc -gt 128 ] && [ $elapsed -ge "$TIMEOUT" ]; }; }; then
	print_result error $EXIT_TIMED_OUT "vproctl did not finish within TIMEOUT=$TIMEOUT s and was stopped: raise TIMEOUT or check that RPS and AMT respond${errors:+
$errors}"
	exit $EXIT_TIMED_OUT
fi

case $rc in
0)
	print_result success 0 "AMT activated with RPS profile $PROFILE" "$work/result"
	;;
"$EXIT_AMT_NOT_DETECTED")
	print_result unsupported $rc "${errors:-vproctl exited with $rc: AMT not detected}" "$work/result"
	;;
*)
	if [ $rc -gt 128 ]; then
		errors="vproctl was killed by signal $((rc - 128))${errors:+
$errors}"
	fi
	print_result error $rc "${errors:-vproctl exited with $rc and printed no error message}" "$work/result"
	;;
esac
exit $rc
