// SPDX-License-Identifier: MIT
/*
 * A TCP relay in front of the userspace APF engine, built the way LMS
 * is: a process listens on 127.0.0.1 and carries each accepted
 * connection over its own APF channel on the LME client.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define RELAY_BUF_LEN		65536
#define RELAY_TIMEOUT_MS	30000

static volatile sig_atomic_t relay_stop;

static void on_term(int sig)
{
	(void)sig;
	relay_stop = 1;
}

static int listen_loopback(uint16_t port)
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
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 8) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * Copies bytes both ways until the TCP client closes. AMT's bytes are
 * read with a deadline of now: apf_mei_read() then handles every message
 * that is already waiting (WINDOW_ADJUST too) and returns -ETIMEDOUT
 * when none of them carried data, instead of blocking behind them.
 */
static int relay_one(struct apf_mei *mei, int sock)
{
	static uint8_t buf[RELAY_BUF_LEN];

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sock, .events = POLLIN },
			{ .fd = mei->fd, .events = POLLIN },
		};
		ssize_t n;
		int rc;

		rc = poll(pfd, 2, mei->rx_len ? 0 : RELAY_TIMEOUT_MS);
		if (relay_stop)
			return 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0 && !mei->rx_len)
			return -ETIMEDOUT;

		if (pfd[0].revents) {
			n = read(sock, buf, sizeof(buf));
			if (n <= 0)
				return n < 0 ? -errno : 0;
			rc = apf_mei_write(mei, buf, (size_t)n,
					   apf_mei_now_ms() + RELAY_TIMEOUT_MS);
			if (rc < 0)
				return rc;
			continue;
		}
		n = apf_mei_read(mei, buf, sizeof(buf), apf_mei_now_ms());
		if (n == -ETIMEDOUT)
			continue;
		if (n <= 0)
			return n < 0 ? (int)n : 0;
		if (send(sock, buf, (size_t)n, MSG_NOSIGNAL) != n)
			return -EIO;
	}
}

int bench_relay(const char *mei_device, uint16_t listen_port,
		uint16_t amt_port, const char *ready_file)
{
	struct sigaction sa = { .sa_handler = on_term };
	struct apf_mei mei;
	FILE *ready;
	int lfd, ret;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ret = apf_mei_open(&mei, mei_device, RELAY_TIMEOUT_MS);
	if (ret < 0) {
		fprintf(stderr, "apf_bench relay: APF link on %s failed: %s\n",
			mei_device, strerror(-ret));
		return 1;
	}
	lfd = listen_loopback(listen_port);
	if (lfd < 0) {
		fprintf(stderr, "apf_bench relay: listening on 127.0.0.1:%u failed: %s\n",
			listen_port, strerror(-lfd));
		apf_mei_close(&mei);
		return 1;
	}
	if (ready_file) {
		ready = fopen(ready_file, "w");
		if (ready)
			fclose(ready);
	}

	while (!relay_stop) {
		int one = 1;
		int sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (sock < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "apf_bench relay: accept failed: %s\n",
				strerror(errno));
			break;
		}
		setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ret = apf_mei_channel_open(&mei, amt_port, RELAY_TIMEOUT_MS);
		if (ret == 0) {
			ret = relay_one(&mei, sock);
			apf_mei_channel_close(&mei);
		}
		if (ret < 0)
			fprintf(stderr, "apf_bench relay: connection to AMT port %u failed: %s\n",
				amt_port, strerror(-ret));
		close(sock);
	}
	close(lfd);
	apf_mei_close(&mei);
	return 0;
}
