// SPDX-License-Identifier: MIT
/*
 * LMS (Intel's Local Manageability Service) listens on 127.0.0.1 at AMT's
 * ports and relays each TCP connection to AMT. Only loopback is used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

/* Returns a connected non-blocking socket, or a negative errno. */
int lms_connect(uint16_t port, int timeout_ms)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	long deadline = apf_mei_now_ms() + timeout_ms;
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int fd, err = 0, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		err = -errno;
		close(fd);
		return err;
	}

	pfd.fd = fd;
	for (;;) {
		long left = deadline - apf_mei_now_ms();

		if (left <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		if (rc > 0)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}
