// SPDX-License-Identifier: MIT
/* The benchmark's transports: see bench.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vpro_heci.h>

#include "bench.h"

/* fwsim's echo client 39c39cdc-6b77-4a6e-8d3f-ea8e6cb74d47 in uuid_le order. */
static const uint8_t bench_echo_uuid[16] = {
	0xdc, 0x9c, 0xc3, 0x39, 0x77, 0x6b, 0x4e, 0x6a,
	0x8d, 0x3f, 0xea, 0x8e, 0x6c, 0xb7, 0x4d, 0x47,
};

/* Waits until @fd is ready for @events or @deadline_ms passed. */
static int wait_fd(int fd, short events, long deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long left = deadline_ms - apf_mei_now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int bench_setup(struct bench_ctx *ctx)
{
	int ret;

	ctx->fd = -1;
	switch (ctx->path) {
	case PATH_MEI:
		return apf_mei_open(&ctx->mei, ctx->mei_device, ctx->timeout_ms);
	case PATH_RAW:
		ret = heci_connect(&ctx->raw, ctx->mei_device, bench_echo_uuid);
		if (ret < 0)
			return ret;
		ctx->raw_msg = malloc(ctx->raw.max_msg_len);
		ctx->raw_len = 0;
		ctx->raw_off = 0;
		return ctx->raw_msg ? 0 : -ENOMEM;
	default:
		return 0;
	}
}

void bench_teardown(struct bench_ctx *ctx)
{
	if (ctx->path == PATH_MEI)
		apf_mei_close(&ctx->mei);
	if (ctx->path == PATH_RAW) {
		heci_close(&ctx->raw);
		free(ctx->raw_msg);
		ctx->raw_msg = NULL;
	}
}

int bench_open(struct bench_ctx *ctx)
{
	struct vpro_apf_connect req = {
		.port = ctx->amt_port,
		.timeout_ms = (uint32_t)ctx->timeout_ms,
	};
	int fd;

	ctx->deadline_ms = apf_mei_now_ms() + ctx->timeout_ms;
	switch (ctx->path) {
	case PATH_CHARDEV:
		fd = open(ctx->chardev, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (ioctl(fd, VPRO_APF_IOC_CONNECT, &req) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		ctx->fd = fd;
		return 0;
	case PATH_TCP:
		fd = tcp_connect(ctx->tcp_port);
		if (fd < 0)
			return fd;
		ctx->fd = fd;
		return 0;
	case PATH_MEI:
		return apf_mei_channel_open(&ctx->mei, ctx->amt_port,
					    ctx->timeout_ms);
	case PATH_RAW:
		return 0;
	}
	return -EINVAL;
}

/* Writes @len bytes to a stream file descriptor, within the deadline. */
static int write_stream(int fd, const uint8_t *buf, size_t len,
			long deadline_ms)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
		if (len && apf_mei_now_ms() > deadline_ms)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Writes one MEI message per write(), each at most max_msg_len bytes. */
static int write_raw(struct bench_ctx *ctx, const uint8_t *buf, size_t len)
{
	while (len) {
		size_t chunk = len < ctx->raw.max_msg_len ? len :
			       ctx->raw.max_msg_len;
		ssize_t n = write(ctx->raw.fd, buf, chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n != chunk)
			return -EIO;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int bench_write(struct bench_ctx *ctx, const uint8_t *buf, size_t len)
{
	switch (ctx->path) {
	case PATH_CHARDEV:
	case PATH_TCP:
		return write_stream(ctx->fd, buf, len, ctx->deadline_ms);
	case PATH_MEI:
		return apf_mei_write(&ctx->mei, buf, len, ctx->deadline_ms);
	case PATH_RAW:
		return write_raw(ctx, buf, len);
	}
	return -EINVAL;
}

/* Returns bytes read (0 at end of stream) or a negative errno. */
static ssize_t read_some(struct bench_ctx *ctx, uint8_t *buf, size_t len)
{
	ssize_t n;
	int ret;

	switch (ctx->path) {
	case PATH_MEI:
		return apf_mei_read(&ctx->mei, buf, len, ctx->deadline_ms);
	case PATH_RAW:
		if (ctx->raw_off == ctx->raw_len) {
			ret = wait_fd(ctx->raw.fd, POLLIN, ctx->deadline_ms);
			if (ret < 0)
				return ret;
			n = read(ctx->raw.fd, ctx->raw_msg, ctx->raw.max_msg_len);
			if (n < 0)
				return errno == EINTR ? -EAGAIN : -errno;
			ctx->raw_len = (size_t)n;
			ctx->raw_off = 0;
			/*
			 * The mei driver grants the firmware a credit for its
			 * next message only on read() or poll(), so poll now
			 * as apf_mei does.
			 */
			poll(&(struct pollfd){ .fd = ctx->raw.fd, .events = POLLIN },
			     1, 0);
		}
		n = (ssize_t)(ctx->raw_len - ctx->raw_off);
		if ((size_t)n > len)
			n = (ssize_t)len;
		memcpy(buf, ctx->raw_msg + ctx->raw_off, (size_t)n);
		ctx->raw_off += (size_t)n;
		return n;
	default:
		ret = wait_fd(ctx->fd, POLLIN, ctx->deadline_ms);
		if (ret < 0)
			return ret;
		n = read(ctx->fd, buf, len);
		if (n < 0)
			return errno == EINTR ? -EAGAIN : -errno;
		return n;
	}
}

int bench_read(struct bench_ctx *ctx, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read_some(ctx, buf, len);

		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EPIPE;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void bench_close(struct bench_ctx *ctx)
{
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx->fd = -1;
	if (ctx->path == PATH_MEI)
		apf_mei_channel_close(&ctx->mei);
}
