// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vpro_heci.h>

#include "apf_relay.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits for @events on @fd until @deadline; returns 0 or a negative errno. */
static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		return 0;
	}
}

static int write_all(int fd, const uint8_t *buf, size_t len, long deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		int ret;

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = wait_fd(fd, POLLOUT, deadline);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int read_to_eof(int fd, uint8_t *buf, size_t size, size_t *len,
		       long deadline)
{
	*len = 0;
	for (;;) {
		ssize_t n;
		int ret;

		if (*len == size) {
			/* A full buffer is fine only if AMT closes right now. */
			uint8_t probe;

			n = read(fd, &probe, 1);
			if (n == 0)
				return 0;
			if (n > 0)
				return -EMSGSIZE;
		} else {
			n = read(fd, buf + *len, size - *len);
			if (n == 0)
				return 0;
			if (n > 0) {
				*len += (size_t)n;
				continue;
			}
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret < 0)
			return ret;
	}
}

int apf_relay_open(const char *device, uint16_t port, int timeout_ms)
{
	struct vpro_apf_connect connect = {
		.port = port,
		.timeout_ms = (uint32_t)timeout_ms,
	};
	int fd, ret;

	do {
		fd = open(device, O_RDWR | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;

	do {
		ret = ioctl(fd, VPRO_APF_IOC_CONNECT, &connect);
	} while (ret < 0 && errno == EINTR);
	/* The connect waits for AMT; the data phase uses poll() deadlines. */
	if (ret == 0)
		ret = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (ret < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int apf_relay_request(const char *device, uint16_t port,
		      const uint8_t *request, size_t request_len,
		      uint8_t **response, size_t *response_len,
		      int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	uint8_t *buf;
	int fd, ret;

	*response = NULL;
	*response_len = 0;
	fd = apf_relay_open(device, port, timeout_ms);
	if (fd < 0)
		return fd;

	buf = malloc(APF_MAX_RESPONSE_LEN);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	ret = write_all(fd, request, request_len, deadline);
	if (ret == 0)
		ret = read_to_eof(fd, buf, APF_MAX_RESPONSE_LEN, response_len,
				  deadline);
	close(fd);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*response = buf;
	return 0;
}
