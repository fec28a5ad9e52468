// SPDX-License-Identifier: MIT
/* Benchmark request streams and the echo MEI client; see bench_port.h. */
#include <stdlib.h>
#include <string.h>

#include "fwsim.h"
#include "bench_port.h"

#define BENCH_ECHO_MAX_MSG	0x1400

void bench_stream_init(struct bench_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->active = true;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int bench_stream_feed(struct bench_stream *s, const uint8_t *data,
		      size_t len)
{
	while (len) {
		size_t n;

		if (s->hdr_len < BENCH_HDR_LEN) {
			n = BENCH_HDR_LEN - s->hdr_len;
			if (n > len)
				n = len;
			memcpy(s->hdr + s->hdr_len, data, n);
			s->hdr_len += n;
			data += n;
			len -= n;
			if (s->hdr_len < BENCH_HDR_LEN)
				return 0;
			if (get_be32(s->hdr) < BENCH_HDR_LEN) {
				fw_log("bench: request length %u is below the %d-byte header",
				       get_be32(s->hdr), BENCH_HDR_LEN);
				return -1;
			}
			s->request_left = get_be32(s->hdr) - BENCH_HDR_LEN;
			s->response_len = get_be32(s->hdr + 4);
		}

		n = len < s->request_left ? len : (size_t)s->request_left;
		data += n;
		len -= n;
		s->request_left -= n;
		if (!s->request_left) {
			/* Each response restarts the pattern at byte 0. */
			if (!s->response_left)
				s->response_off = 0;
			s->response_left += s->response_len;
			s->hdr_len = 0;
		}
	}
	return 0;
}

size_t bench_stream_fill(struct bench_stream *s, uint8_t *buf, size_t len)
{
	size_t i, n = len < s->response_left ? len : (size_t)s->response_left;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(s->response_off + i);
	s->response_off += n;
	s->response_left -= n;
	return n;
}

/*
 * The echo client queues its whole response at once: the HBM layer sends
 * it against the host's flow-control credits, one message per credit.
 */
static void echo_connected(struct fw_conn *conn)
{
	struct bench_stream *s = malloc(sizeof(*s));

	if (!s) {
		fw_log("bench: out of memory for the echo client state");
		return;
	}
	bench_stream_init(s);
	fw_conn_set_priv(conn, s);
}

static void echo_received(struct fw_conn *conn, const uint8_t *msg,
			  size_t len)
{
	struct bench_stream *s = fw_conn_priv(conn);
	uint8_t out[BENCH_ECHO_MAX_MSG];

	if (!s)
		return;
	if (bench_stream_feed(s, msg, len)) {
		fw_disconnect(conn);
		return;
	}
	while (s->response_left) {
		size_t n = bench_stream_fill(s, out, sizeof(out));

		if (fw_send(conn, out, n)) {
			fw_disconnect(conn);
			return;
		}
	}
}

static void echo_disconnected(struct fw_conn *conn)
{
	free(fw_conn_priv(conn));
	fw_conn_set_priv(conn, NULL);
}

const struct fw_client fw_bench_echo_client = {
	.name = "bench-echo",
	/* 39c39cdc-6b77-4a6e-8d3f-ea8e6cb74d47, first three groups LE */
	.uuid = { 0xdc, 0x9c, 0xc3, 0x39, 0x77, 0x6b, 0x4e, 0x6a,
		  0x8d, 0x3f, 0xea, 0x8e, 0x6c, 0xb7, 0x4d, 0x47 },
	.max_msg_len = BENCH_ECHO_MAX_MSG,
	.protocol_version = 1,
	.max_connections = 1,
	.connected = echo_connected,
	.received = echo_received,
	.disconnected = echo_disconnected,
};
