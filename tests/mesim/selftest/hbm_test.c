// SPDX-License-Identifier: MIT
/*
 * HBM tests through the real MEI core: /dev/mei0 against fwsim running
 * on mesim.ko. VPRO_SKU (amt, ism or none) names the SKU fwsim runs with.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mei.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define MEI_DEVICE	"/dev/mei0"
#define REPLY_WAIT_MS	5000

#define AMTHI_GET_PROVISIONING_STATE	0x04000011u
#define AMTHI_GET_CODE_VERSIONS		0x0400001Au
#define AMTHI_RESPONSE_BIT		0x00800000u
#define AMTHI_STATUS_INVALID_MSG_LENGTH	4u

static const uuid_le amthi_uuid = UUID_LE(0x12f80028, 0xb4b7, 0x4b2d, 0xac, 0xa8,
					  0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c);
static const uuid_le lme_uuid = UUID_LE(0x6733a4db, 0x0476, 0x4e7b, 0xb3, 0xaf,
					0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7);

static bool sku_has_clients(void)
{
	const char *sku = getenv("VPRO_SKU");

	return !sku || strcmp(sku, "none") != 0;
}

/* Opens /dev/mei0 and connects to @uuid; returns the fd or -errno. */
static int connect_client(const uuid_le *uuid, struct mei_client *props)
{
	struct mei_connect_client_data data;
	int fd, err;

	fd = open(MEI_DEVICE, O_RDWR);
	if (fd < 0)
		return -errno;
	memset(&data, 0, sizeof(data));
	data.in_client_uuid = *uuid;
	if (ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, &data) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	if (props)
		*props = data.out_client_properties;
	return fd;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Sends an AMTHI request of @total bytes (header plus zero body) and reads
 * the response into @buf; returns the response length or -errno.
 */
static ssize_t amthi_call(int fd, uint32_t command, size_t total, uint8_t *buf,
			  size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t req[2048] = { 1, 1 };
	ssize_t n;

	if (total < 12 || total > sizeof(req))
		return -EINVAL;
	memset(req + 2, 0, sizeof(req) - 2);
	put_le32(req + 4, command);
	put_le32(req + 8, (uint32_t)(total - 12));
	if (write(fd, req, total) != (ssize_t)total)
		return -errno;
	if (poll(&pfd, 1, REPLY_WAIT_MS) != 1)
		return -ETIMEDOUT;
	n = read(fd, buf, size);
	return n < 0 ? -errno : n;
}

/* Returns the pid of the running fwsim, or -1. */
static pid_t find_fwsim(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	pid_t pid = -1;

	if (!proc)
		return -1;
	while (pid < 0 && (e = readdir(proc))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "fwsim\n"))
			pid = atoi(e->d_name);
		fclose(f);
	}
	closedir(proc);
	return pid;
}

/* With SKU none, every AMTHI test checks that the client is missing. */
static void expect_no_amthi(struct __test_metadata *_metadata)
{
	int fd = connect_client(&amthi_uuid, NULL);

	EXPECT_EQ(-ENOTTY, fd);
	if (fd >= 0)
		close(fd);
}

TEST(amthi_properties)
{
	struct mei_client props;
	int fd;

	fd = connect_client(&amthi_uuid, &props);
	if (!sku_has_clients()) {
		EXPECT_EQ(-ENOTTY, fd);
		if (fd >= 0)
			close(fd);
		return;
	}
	ASSERT_GE(fd, 0) {
		TH_LOG("AMTHI connect failed: %s", strerror(-fd));
	}
	EXPECT_EQ(0x1400u, props.max_msg_length);
	EXPECT_EQ(1, props.protocol_version);
	close(fd);
}

TEST(lme_connect)
{
	int fd = connect_client(&lme_uuid, NULL);

	if (!sku_has_clients()) {
		EXPECT_EQ(-ENOTTY, fd);
		if (fd >= 0)
			close(fd);
		return;
	}
	ASSERT_GE(fd, 0) {
		TH_LOG("LME connect failed: %s", strerror(-fd));
	}
	close(fd);
}

TEST(amthi_second_connect_busy)
{
	int first, second;

	if (!sku_has_clients())
		return expect_no_amthi(_metadata);
	first = connect_client(&amthi_uuid, NULL);
	ASSERT_GE(first, 0);
	second = connect_client(&amthi_uuid, NULL);
	EXPECT_EQ(-EBUSY, second);
	if (second >= 0)
		close(second);
	close(first);
}

TEST(amthi_request_reply)
{
	uint8_t buf[8192];
	ssize_t n;
	int fd, i;

	if (!sku_has_clients())
		return expect_no_amthi(_metadata);
	fd = connect_client(&amthi_uuid, NULL);
	ASSERT_GE(fd, 0);

	/* Each round uses one credit in each direction. */
	for (i = 0; i < 50; i++) {
		n = amthi_call(fd, AMTHI_GET_PROVISIONING_STATE, 12, buf,
			       sizeof(buf));
		ASSERT_EQ(20, n) {
			TH_LOG("round %d: reply %zd", i, n);
		}
		ASSERT_EQ(AMTHI_GET_PROVISIONING_STATE | AMTHI_RESPONSE_BIT,
			  get_le32(buf + 4));
		ASSERT_EQ(0u, get_le32(buf + 12));
	}
	close(fd);
}

TEST(amthi_multi_frame_messages)
{
	uint8_t buf[8192];
	ssize_t n;
	int fd;

	if (!sku_has_clients())
		return expect_no_amthi(_metadata);
	fd = connect_client(&amthi_uuid, NULL);
	ASSERT_GE(fd, 0);

	/* Firmware to host: GetCodeVersions spans several 508-byte frames. */
	n = amthi_call(fd, AMTHI_GET_CODE_VERSIONS, 12, buf, sizeof(buf));
	ASSERT_GT(n, 508);
	EXPECT_EQ((uint32_t)n - 12, get_le32(buf + 8));
	EXPECT_EQ(AMTHI_GET_CODE_VERSIONS | AMTHI_RESPONSE_BIT,
		  get_le32(buf + 4));

	/* Host to firmware: 1500 bytes arrive as one message, one reply. */
	n = amthi_call(fd, AMTHI_GET_PROVISIONING_STATE, 1500, buf,
		       sizeof(buf));
	ASSERT_GE(n, 16);
	EXPECT_EQ(AMTHI_STATUS_INVALID_MSG_LENGTH, get_le32(buf + 12));

	/* The next request still lines up with its own reply. */
	n = amthi_call(fd, AMTHI_GET_PROVISIONING_STATE, 12, buf, sizeof(buf));
	ASSERT_EQ(20, n);
	EXPECT_EQ(0u, get_le32(buf + 12));
	close(fd);
}

/* Needs fwsim's SIGUSR1 handler, which issues MESIM_IOC_RESET. */
TEST(me_reset_reconnect)
{
	uint8_t buf[64];
	pid_t fwsim;
	int fd = -1, held_fd, waited;
	ssize_t n;

	if (!sku_has_clients())
		return expect_no_amthi(_metadata);
	fwsim = find_fwsim();
	ASSERT_GT(fwsim, 0) {
		TH_LOG("no fwsim process found");
	}
	held_fd = connect_client(&amthi_uuid, NULL);
	ASSERT_GE(held_fd, 0);

	ASSERT_EQ(0, kill(fwsim, SIGUSR1));

	/* The reset disconnects held_fd, so requests on it fail. */
	for (waited = 0; waited < REPLY_WAIT_MS; waited += 50) {
		n = amthi_call(held_fd, AMTHI_GET_PROVISIONING_STATE, 12, buf,
			       sizeof(buf));
		if (n < 0)
			break;
		usleep(50000);
	}
	EXPECT_LT(n, 0) {
		TH_LOG("the connection survived the ME reset");
	}
	close(held_fd);

	/* After the host re-enumerates, a new connection works. */
	for (waited = 0; waited < 10000; waited += 100) {
		fd = connect_client(&amthi_uuid, NULL);
		if (fd >= 0)
			break;
		usleep(100000);
	}
	ASSERT_GE(fd, 0) {
		TH_LOG("AMTHI connect after reset failed: %s", strerror(-fd));
	}
	n = amthi_call(fd, AMTHI_GET_PROVISIONING_STATE, 12, buf, sizeof(buf));
	EXPECT_EQ(20, n);
	close(fd);
}

TEST_HARNESS_MAIN
