/* SPDX-License-Identifier: MIT */
/*
 * Benchmark endpoints of the firmware model, enabled by --bench-port:
 * an APF port that answers each request with a requested number of
 * bytes, and an MEI client (BENCH_ECHO_UUID) that does the same with
 * plain MEI messages, without APF.
 *
 * Both read a stream of requests. Each request starts with an 8-byte
 * header of two big-endian u32 values: the request length including the
 * header (at least 8), then the response length. Once the last request
 * byte arrived, the firmware sends the response: that many bytes where
 * byte i of the response is (uint8_t)i.
 */
#ifndef FWSIM_BENCH_PORT_H
#define FWSIM_BENCH_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwsim.h"

#define BENCH_HDR_LEN		8
#define BENCH_DEFAULT_PORT	16999
/* Echo client UUID 39c39cdc-6b77-4a6e-8d3f-ea8e6cb74d47, made up for fwsim. */
#define BENCH_ECHO_UUID		"39c39cdc-6b77-4a6e-8d3f-ea8e6cb74d47"

/* Parser and response state of one request stream. */
struct bench_stream {
	bool active;
	uint8_t hdr[BENCH_HDR_LEN];
	size_t hdr_len;
	uint64_t request_left;		/* payload bytes still expected */
	uint32_t response_len;		/* of the request being received */
	uint64_t response_left;		/* bytes owed to the host */
	uint64_t response_off;		/* pattern offset of the next byte */
};

void bench_stream_init(struct bench_stream *s);

/*
 * Consumes @len request bytes. Returns 0, or -1 on a header whose
 * request length is below BENCH_HDR_LEN.
 */
int bench_stream_feed(struct bench_stream *s, const uint8_t *data,
		      size_t len);

/* Writes up to @len owed response bytes to @buf and returns the count. */
size_t bench_stream_fill(struct bench_stream *s, uint8_t *buf, size_t len);

extern const struct fw_client fw_bench_echo_client;

#endif /* FWSIM_BENCH_PORT_H */
