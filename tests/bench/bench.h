/* SPDX-License-Identifier: MIT */
/*
 * apf_bench: the four ways from a host program to a firmware port that
 * make bench compares, behind one interface. A request opens a channel,
 * writes the whole request, reads the whole response and closes it.
 */
#ifndef APF_BENCH_H
#define APF_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "apf_mei.h"
#include "heci.h"

enum bench_path {
	PATH_CHARDEV,	/* /dev/vpro_apf0, one channel per request */
	PATH_MEI,	/* APF in this process over /dev/mei0's LME client */
	PATH_TCP,	/* TCP to the relay (apf_bench relay) on 127.0.0.1 */
	PATH_RAW,	/* fwsim's echo client on /dev/mei0, no APF */
};

struct bench_ctx {
	enum bench_path path;
	const char *chardev;		/* PATH_CHARDEV device */
	const char *mei_device;		/* PATH_MEI and PATH_RAW device */
	uint16_t amt_port;		/* fwsim's --bench-port */
	uint16_t tcp_port;		/* PATH_TCP relay port on 127.0.0.1 */
	int timeout_ms;			/* per request */

	int fd;				/* channel of PATH_CHARDEV, PATH_TCP */
	long deadline_ms;
	struct apf_mei mei;		/* PATH_MEI link, kept across requests */
	struct heci raw;		/* PATH_RAW connection, kept too */
	uint8_t *raw_msg;		/* PATH_RAW receive buffer */
	size_t raw_len, raw_off;	/* bytes of raw_msg not yet returned */
};

/* Connects what lives across requests. Returns 0 or a negative errno. */
int bench_setup(struct bench_ctx *ctx);
void bench_teardown(struct bench_ctx *ctx);

int bench_open(struct bench_ctx *ctx);
int bench_write(struct bench_ctx *ctx, const uint8_t *buf, size_t len);
/* Reads exactly @len bytes; -EPIPE when the peer closed before that. */
int bench_read(struct bench_ctx *ctx, uint8_t *buf, size_t len);
void bench_close(struct bench_ctx *ctx);

/*
 * Relays TCP connections on 127.0.0.1:@listen_port, one at a time, each
 * to a new APF channel to @amt_port over the LME client of @mei_device.
 * Writes @ready_file once listening. Runs until SIGTERM.
 */
int bench_relay(const char *mei_device, uint16_t listen_port,
		uint16_t amt_port, const char *ready_file);

#endif /* APF_BENCH_H */
