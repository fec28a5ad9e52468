// SPDX-License-Identifier: MIT
/*
 * Guard and protocol tests of /dev/mesim, with this program playing a
 * firmware that has no clients. Needs mesim.ko loaded and no fwsim
 * running, because /dev/mesim takes one opener.
 */

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../mesim_uapi.h"

#define DEV_STATE_GLOB	"/sys/devices/platform/mesim/mei/mei*/dev_state"
#define FRAME_WAIT_MS	3000
#define STATE_WAIT_MS	5000

#define HBM_HOST_START_REQ	0x01
#define HBM_HOST_START_RES	0x81
#define HBM_HOST_ENUM_REQ	0x04
#define HBM_HOST_ENUM_RES	0x84

static uint32_t frame_header(const uint8_t *frame)
{
	return frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
	       (uint32_t)frame[3] << 24;
}

static void put_header(uint8_t *frame, uint32_t hdr)
{
	frame[0] = hdr & 0xff;
	frame[1] = (hdr >> 8) & 0xff;
	frame[2] = (hdr >> 16) & 0xff;
	frame[3] = hdr >> 24;
}

/* Header of a complete bus message with @len payload bytes. */
static uint32_t bus_header(size_t len)
{
	return (uint32_t)len << 16 | 1u << 31;
}

/* Reads one frame, waiting up to @timeout_ms; returns its length or -errno. */
static ssize_t read_frame(int fd, uint8_t *buf, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	n = read(fd, buf, size);
	return n < 0 ? -errno : n;
}

/* Reads frames until a bus message with command @cmd; returns its length. */
static ssize_t read_bus_message(int fd, uint8_t cmd, uint8_t *buf, size_t size)
{
	int i;

	for (i = 0; i < 16; i++) {
		ssize_t n = read_frame(fd, buf, size, FRAME_WAIT_MS);

		if (n < 0)
			return n;
		if (n > MESIM_HDR_LEN && (frame_header(buf) & 0xffff) == 0 &&
		    buf[MESIM_HDR_LEN] == cmd)
			return n;
	}
	return -ENOMSG;
}

static int write_bus_message(int fd, const uint8_t *msg, size_t len)
{
	uint8_t frame[MESIM_MAX_FRAME];

	put_header(frame, bus_header(len));
	memcpy(frame + MESIM_HDR_LEN, msg, len);
	return write(fd, frame, MESIM_HDR_LEN + len) == (ssize_t)(MESIM_HDR_LEN + len) ?
	       0 : -errno;
}

/* Stores the host's MEI device state ("ENABLED", ...), or "" if none. */
static void read_dev_state(char *state, size_t size)
{
	glob_t g;
	FILE *f;

	state[0] = '\0';
	if (glob(DEV_STATE_GLOB, 0, NULL, &g) != 0)
		return;
	f = fopen(g.gl_pathv[0], "r");
	globfree(&g);
	if (!f)
		return;
	if (!fgets(state, (int)size, f))
		state[0] = '\0';
	fclose(f);
	state[strcspn(state, "\n")] = '\0';
}

static bool wait_dev_state(const char *expected)
{
	char state[32];
	int waited;

	for (waited = 0; waited < STATE_WAIT_MS; waited += 20) {
		read_dev_state(state, sizeof(state));
		if (!strcmp(state, expected))
			return true;
		usleep(20000);
	}
	return false;
}

/* Replies to HOST_START with HBM 2.0 and to the enumeration with no clients. */
static int play_empty_firmware(int fd)
{
	static const uint8_t start_res[] = { HBM_HOST_START_RES, 0, 0, 2 };
	uint8_t enum_res[36] = { HBM_HOST_ENUM_RES };
	uint8_t buf[MESIM_MAX_FRAME];
	ssize_t n;

	n = read_bus_message(fd, HBM_HOST_START_REQ, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (write_bus_message(fd, start_res, sizeof(start_res)))
		return -EIO;
	n = read_bus_message(fd, HBM_HOST_ENUM_REQ, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return write_bus_message(fd, enum_res, sizeof(enum_res));
}

FIXTURE(mesim) {
	int fd;
};

FIXTURE_SETUP(mesim)
{
	self->fd = open(MESIM_DEVICE, O_RDWR | O_NONBLOCK);
	ASSERT_GE(self->fd, 0) {
		TH_LOG("open %s failed: %s; load mesim.ko and stop fwsim",
		       MESIM_DEVICE, strerror(errno));
	}
}

FIXTURE_TEARDOWN(mesim)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(mesim, second_open_busy)
{
	int fd = open(MESIM_DEVICE, O_RDWR);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
}

TEST_F(mesim, host_start_frame)
{
	uint8_t buf[MESIM_MAX_FRAME];
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	uint32_t hdr;
	ssize_t n;

	ASSERT_EQ(1, poll(&pfd, 1, FRAME_WAIT_MS));
	EXPECT_TRUE(pfd.revents & POLLIN);

	/* A buffer too small for the frame fails and leaves it queued. */
	EXPECT_EQ(-1, read(self->fd, buf, MESIM_HDR_LEN));
	EXPECT_EQ(EMSGSIZE, errno);

	n = read(self->fd, buf, sizeof(buf));
	ASSERT_EQ(MESIM_HDR_LEN + 4, n);
	hdr = frame_header(buf);
	EXPECT_EQ(0u, hdr & 0xff);		/* me_addr */
	EXPECT_EQ(0u, (hdr >> 8) & 0xff);	/* host_addr */
	EXPECT_EQ(4u, (hdr >> 16) & 0x1ff);	/* length */
	EXPECT_EQ(1u, hdr >> 31);		/* msg_complete */
	EXPECT_EQ(HBM_HOST_START_REQ, buf[4]);
	EXPECT_EQ(2, buf[6]);			/* host minor version */
	EXPECT_EQ(2, buf[7]);			/* host major version */

	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(mesim, write_rejects_bad_frames)
{
	struct {
		const char *name;
		uint32_t hdr;
		size_t payload;
	} cases[] = {
		{ "length above payload", bus_header(8), 4 },
		{ "length below payload", bus_header(2), 4 },
		{ "zero header", 0, 0 },
		{ "reserved bit", bus_header(4) | 1u << 25, 4 },
		{ "extended header", bus_header(4) | 1u << 28, 4 },
		{ "DMA ring", bus_header(4) | 1u << 29, 4 },
	};
	uint8_t frame[MESIM_MAX_FRAME + 4] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_header(frame, cases[i].hdr);
		errno = 0;
		EXPECT_EQ(-1, write(self->fd, frame,
				    MESIM_HDR_LEN + cases[i].payload)) {
			TH_LOG("case '%s' was accepted", cases[i].name);
		}
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("case '%s': %s", cases[i].name, strerror(errno));
		}
	}

	EXPECT_EQ(-1, write(self->fd, frame, MESIM_HDR_LEN - 1));
	EXPECT_EQ(EINVAL, errno);
	put_header(frame, bus_header(MESIM_MAX_PAYLOAD + 4));
	EXPECT_EQ(-1, write(self->fd, frame, MESIM_MAX_FRAME + 4));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mesim, poll_reports_writable)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };

	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLOUT);
}

TEST_F(mesim, unknown_ioctl_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(MESIM_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(mesim, reset_before_start_enodev)
{
	EXPECT_EQ(-1, ioctl(self->fd, MESIM_IOC_RESET));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(mesim, enumerate_reset_remove)
{
	uint8_t stale[MESIM_HDR_LEN + 8] = { 0 };
	char state[32];

	ASSERT_EQ(0, play_empty_firmware(self->fd));
	ASSERT_TRUE(wait_dev_state("ENABLED")) {
		read_dev_state(state, sizeof(state));
		TH_LOG("MEI device state '%s', expected ENABLED", state);
	}

	ASSERT_EQ(0, ioctl(self->fd, MESIM_IOC_RESET));
	/* Written before the new HOST_START was read: dropped, not an error. */
	put_header(stale, bus_header(8));
	stale[MESIM_HDR_LEN] = 0x08;
	EXPECT_EQ((ssize_t)sizeof(stale), write(self->fd, stale, sizeof(stale)));

	ASSERT_EQ(0, play_empty_firmware(self->fd));
	ASSERT_TRUE(wait_dev_state("ENABLED")) {
		read_dev_state(state, sizeof(state));
		TH_LOG("MEI device state '%s' after reset, expected ENABLED",
		       state);
	}

	close(self->fd);
	self->fd = -1;
	read_dev_state(state, sizeof(state));
	EXPECT_STREQ("", state) {
		TH_LOG("MEI device still present after closing %s",
		       MESIM_DEVICE);
	}
}

TEST_HARNESS_MAIN
