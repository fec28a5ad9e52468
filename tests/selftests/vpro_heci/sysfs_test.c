// SPDX-License-Identifier: MIT
/*
 * Guest test of /sys/class/vpro against the firmware model. VPRO_SKU
 * (amt, ism or none) names the SKU fwsim runs with; every test checks
 * what that SKU must show, so no test is skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/mei.h>

#include "kselftest_harness.h"

#define VPRO0		"/sys/class/vpro/vpro0"
#define MEI_DEV		"/dev/mei0"
#define APPEAR_TIMEOUT_S	20
/* How long "none" waits for a vpro0 that must not appear. */
#define SETTLE_S		3

struct sku_expectation {
	const char *name;		/* VPRO_SKU value */
	bool has_device;
	const char *capability;
	const char *features;
	const char *sku;
};

static const struct sku_expectation expectations[] = {
	{ "amt", true, "amt", "AMT Pro Corporate", "16392" },
	{ "ism", true, "ism", "Intel Standard Manageability Corporate",
	  "16400" },
	{ "none", false, NULL, NULL, NULL },
};

/* AMTHI client UUID 12f80028-b4b7-4b2d-aca8-46e0ff65814c, as uuid_le. */
static const unsigned char amthi_uuid[16] = {
	0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
	0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c,
};

static const struct sku_expectation *current_sku(void)
{
	const char *sku = getenv("VPRO_SKU");
	size_t i;

	if (!sku)
		return NULL;
	for (i = 0; i < sizeof(expectations) / sizeof(expectations[0]); i++)
		if (!strcmp(expectations[i].name, sku))
			return &expectations[i];
	return NULL;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Polls every 100 ms until @path exists or @timeout_s passes. */
static bool wait_for_path(const char *path, int timeout_s)
{
	int i;

	for (i = 0; i < timeout_s * 10; i++) {
		if (path_exists(path))
			return true;
		usleep(100 * 1000);
	}
	return path_exists(path);
}

/* Reads a sysfs attribute without its trailing newline; -errno on failure. */
static int read_attr(const char *name, char *buf, size_t size)
{
	char path[256];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), VPRO0 "/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	if (len < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

/* Writes @text to the refresh attribute; returns 0 or -errno. */
static int write_refresh(const char *text)
{
	int fd, err = 0;

	fd = open(VPRO0 "/refresh", O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

FIXTURE(vpro) {
	const struct sku_expectation *sku;
};

FIXTURE_SETUP(vpro)
{
	self->sku = current_sku();
	ASSERT_NE(NULL, self->sku) TH_LOG("VPRO_SKU='%s' is not amt, ism or none",
					  getenv("VPRO_SKU") ?: "(unset)");
	ASSERT_TRUE(wait_for_path(MEI_DEV, APPEAR_TIMEOUT_S))
		TH_LOG("%s missing: is fwsim running?", MEI_DEV);

	if (self->sku->has_device) {
		ASSERT_TRUE(wait_for_path(VPRO0 "/capability",
					  APPEAR_TIMEOUT_S))
			TH_LOG("%s did not appear within %d s", VPRO0,
			       APPEAR_TIMEOUT_S);
	} else {
		sleep(SETTLE_S);
	}
}

FIXTURE_TEARDOWN(vpro)
{
}

TEST_F(vpro, class_and_device_presence)
{
	ASSERT_TRUE(path_exists("/sys/class/vpro"))
		TH_LOG("class vpro is registered while the module is loaded");
	ASSERT_EQ(self->sku->has_device, path_exists(VPRO0));
}

TEST_F(vpro, attributes_match_sku)
{
	char buf[512];

	if (!self->sku->has_device) {
		ASSERT_EQ(-ENOENT, read_attr("capability", buf, sizeof(buf)));
		return;
	}

	ASSERT_EQ(0, read_attr("capability", buf, sizeof(buf)));
	ASSERT_STREQ(self->sku->capability, buf);

	ASSERT_EQ(0, read_attr("features", buf, sizeof(buf)));
	ASSERT_STREQ(self->sku->features, buf);

	ASSERT_EQ(0, read_attr("sku", buf, sizeof(buf)));
	ASSERT_STREQ(self->sku->sku, buf);

	ASSERT_EQ(0, read_attr("amt_version", buf, sizeof(buf)));
	ASSERT_STREQ("16.1.25", buf);

	ASSERT_EQ(0, read_attr("build_number", buf, sizeof(buf)));
	ASSERT_NE(0, strlen(buf));

	ASSERT_EQ(0, read_attr("uuid", buf, sizeof(buf)));
	ASSERT_EQ(36, strlen(buf));
	ASSERT_EQ('-', buf[8]);
	ASSERT_EQ('-', buf[13]);
	ASSERT_EQ('-', buf[18]);
	ASSERT_EQ('-', buf[23]);

	/* fwsim starts unprovisioned unless --mode or --state is given. */
	ASSERT_EQ(0, read_attr("control_mode", buf, sizeof(buf)));
	ASSERT_STREQ("none", buf);

	ASSERT_EQ(0, read_attr("provisioning_state", buf, sizeof(buf)));
	ASSERT_STREQ("pre", buf);

	ASSERT_EQ(0, read_attr("dns_suffix", buf, sizeof(buf)));

	ASSERT_EQ(0, read_attr("apf_state", buf, sizeof(buf)));
	ASSERT_TRUE(!strcmp(buf, "down") || !strcmp(buf, "handshaking") ||
		    !strcmp(buf, "up")) TH_LOG("apf_state '%s'", buf);

	ASSERT_EQ(0, read_attr("activation_status", buf, sizeof(buf)));
	ASSERT_STREQ("idle", buf);
}

TEST_F(vpro, refresh_is_write_only)
{
	struct stat st;
	char buf[64];

	if (!self->sku->has_device) {
		ASSERT_EQ(-ENOENT, write_refresh("1"));
		return;
	}
	ASSERT_EQ(0, stat(VPRO0 "/refresh", &st));
	ASSERT_EQ(0200, st.st_mode & 0777);
	ASSERT_NE(0, read_attr("refresh", buf, sizeof(buf)));
}

TEST_F(vpro, refresh_by_root)
{
	char buf[128];

	if (!self->sku->has_device) {
		ASSERT_EQ(-ENOENT, write_refresh("1"));
		return;
	}
	ASSERT_EQ(0, write_refresh("1"));
	ASSERT_EQ(0, read_attr("capability", buf, sizeof(buf)));
	ASSERT_STREQ(self->sku->capability, buf);
	ASSERT_EQ(0, read_attr("sku", buf, sizeof(buf)));
	ASSERT_STREQ(self->sku->sku, buf);
}

TEST_F(vpro, refresh_rejected_for_nobody)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int err;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		err = write_refresh("1");
		if (err == -EACCES)
			_exit(0);
		if (err == -ENOENT)
			_exit(3);
		_exit(1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* Without a device the file is missing for every user. */
	ASSERT_EQ(self->sku->has_device ? 0 : 3, WEXITSTATUS(status))
		TH_LOG("child exit 1: write succeeded, 2: setuid failed");
}

/* The module must leave AMTHI free for /dev/mei0 users after probing. */
TEST_F(vpro, amthi_not_held)
{
	struct mei_connect_client_data data;
	int fd, ret = -1, err = 0, tries;

	fd = open(MEI_DEV, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", MEI_DEV, strerror(errno));

	for (tries = 0; tries < 5; tries++) {
		memset(&data, 0, sizeof(data));
		memcpy(&data.in_client_uuid, amthi_uuid, sizeof(amthi_uuid));
		ret = ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, &data);
		err = errno;
		if (ret == 0 || err != EBUSY)
			break;
		sleep(1);
	}
	close(fd);

	if (self->sku->has_device) {
		ASSERT_EQ(0, ret) TH_LOG("connect to AMTHI: %s", strerror(err));
		ASSERT_LT(0, data.out_client_properties.max_msg_length);
	} else {
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(ENOTTY, err) TH_LOG("connect: %s", strerror(err));
	}
}

TEST_HARNESS_MAIN
