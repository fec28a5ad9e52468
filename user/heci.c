// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/mei.h>

#include "heci.h"

#define HECI_BUSY_RETRIES	5
#define HECI_BUSY_FIRST_DELAY_MS 100

const uint8_t heci_amthi_uuid[16] = {
	0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
	0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c,
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int connect_client(int fd, const uint8_t uuid[16],
			  struct mei_client *props)
{
	struct mei_connect_client_data data;
	int delay_ms = HECI_BUSY_FIRST_DELAY_MS;
	int attempt = 0;

	for (;;) {
		memset(&data, 0, sizeof(data));
		memcpy(&data.in_client_uuid, uuid, 16);
		if (ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, &data) == 0) {
			*props = data.out_client_properties;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EBUSY || ++attempt > HECI_BUSY_RETRIES)
			return -errno;
		sleep_ms(delay_ms);
		delay_ms *= 2;
	}
}

int heci_connect(struct heci *heci, const char *path, const uint8_t uuid[16])
{
	struct mei_client props = { 0 };
	int ret;

	heci->fd = -1;
	do {
		heci->fd = open(path, O_RDWR | O_CLOEXEC);
	} while (heci->fd < 0 && errno == EINTR);
	if (heci->fd < 0)
		return -errno;

	ret = connect_client(heci->fd, uuid, &props);
	if (ret < 0) {
		heci_close(heci);
		return ret;
	}
	heci->max_msg_len = props.max_msg_length;
	heci->protocol_version = props.protocol_version;
	return 0;
}

static long write_message(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* The mei driver takes a message whole or fails it. */
	if ((size_t)n != len)
		return -EIO;
	return n;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

long heci_transact(struct heci *heci, const void *req, size_t req_len,
		   void *resp, size_t resp_size, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = heci->fd, .events = POLLIN };
	long ret;
	ssize_t n;

	ret = write_message(heci->fd, req, req_len);
	if (ret < 0)
		return ret;

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

		n = read(heci->fd, resp, resp_size);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		return n;
	}
}

void heci_close(struct heci *heci)
{
	if (heci->fd >= 0)
		close(heci->fd);
	heci->fd = -1;
}
