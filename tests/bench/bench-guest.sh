#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of make bench, run as one suite by tests/vm/guest-init.sh
# with vpro_heci.ko loaded and fwsim serving --bench-port 16999. Measures
# the four paths in this order, because (a) needs vpro_heci on LME and
# (b) to (d) need it gone, then prints the table:
#   (a) chardev  /dev/vpro_apf0, one APF channel per request
#   (b) mei      APF in userspace over /dev/mei0's LME client
#   (c) tcp      a TCP relay on 127.0.0.1 in front of (b)'s APF engine
#   (d) raw      fwsim's echo client on /dev/mei0, no APF
# Exits non-zero when a path failed; the timings never fail the run.

amt_port=16999
tcp_port=16990
results=/tmp/bench.results
status=0
: >"$results"

# Runs apf_bench measure for path $1 and keeps its result line.
measure() {
	if ! apf_bench measure --path "$1" --amt-port "$amt_port" \
		--tcp-port "$tcp_port" >>"$results"; then
		echo "bench: path $1 failed"
		status=1
	fi
}

measure chardev

# The module would keep LME until its linger ends; unload it instead.
if ! rmmod vpro_heci; then
	echo "bench: rmmod vpro_heci failed, so LME stays busy for paths mei and tcp"
	status=1
fi
measure mei

rm -f /run/bench-relay.ready
apf_bench relay --tcp-port "$tcp_port" --amt-port "$amt_port" \
	--ready-file /run/bench-relay.ready &
relay_pid=$!
i=0
while [ ! -e /run/bench-relay.ready ] && [ $i -lt 100 ]; do
	kill -0 "$relay_pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ -e /run/bench-relay.ready ]; then
	measure tcp
else
	echo "bench: the relay did not start within 10 s"
	status=1
fi
kill -TERM "$relay_pid" 2>/dev/null
wait "$relay_pid"

measure raw

insmod /lib/modules/vpro/vpro_heci.ko || status=1

echo "==== bench table begin"
awk '
$1 == "result" {
	label[$2] = $2; med[$2] = $3; p99[$2] = $4; up[$2] = $5; down[$2] = $6; mbs[$2] = $7
}
function ratio(a, b, x) {
	return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2f", a / b)
}
END {
	split("chardev mei tcp raw", order, " ")
	split("(a) (b) (c) (d)", tag, " ")
	printf "%-12s %10s %10s %8s %8s %8s\n", "path", "median_us", "p99_us", "up_MB/s", "down_MB/s", "MB/s"
	for (i = 1; i <= 4; i++) {
		p = order[i]
		if (p in label)
			printf "%-4s %-7s %10s %10s %8s %8s %8s\n", tag[i], p, med[p], p99[p], up[p], down[p], mbs[p]
		else
			printf "%-4s %-7s %10s\n", tag[i], p, "failed"
	}
	printf "ratios (median, p99, MB/s):\n"
	for (i = 2; i <= 4; i++) {
		p = order[i]
		printf "  a/%s %s %s %s\n", substr(tag[i], 2, 1), ratio(med["chardev"], med[p]), ratio(p99["chardev"], p99[p]), ratio(mbs["chardev"], mbs[p])
	}
}' "$results"
echo "==== bench table end"
exit $status
