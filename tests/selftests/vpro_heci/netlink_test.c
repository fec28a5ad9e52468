// SPDX-License-Identifier: MIT
/*
 * Guest test of the "vpro_heci" generic netlink family over raw netlink
 * sockets. VPRO_SKU (amt, ism or none) names the SKU fwsim runs with:
 * with amt and ism the replies must match /sys/class/vpro/vpro0, with
 * none every device command must fail with ENODEV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vpro_heci.h>

#include "kselftest_harness.h"

#define VPRO0			"/sys/class/vpro/vpro0"
#define APPEAR_TIMEOUT_S	20
#define SETTLE_S		3
#define RECV_TIMEOUT_S		5
#define NL_BUF_LEN		16384

/* A request under construction: netlink header, genl header, attributes. */
struct nl_request {
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	};
};

/* Attributes of one reply, indexed by type; NULL when absent. */
struct nl_attrs {
	const struct nlattr *attr[VPRO_A_MAX + 1];
};

static bool sku_has_device(void)
{
	const char *sku = getenv("VPRO_SKU");

	return sku && (!strcmp(sku, "amt") || !strcmp(sku, "ism"));
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

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
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void req_init(struct nl_request *req, uint16_t family, uint8_t cmd,
		     uint16_t flags)
{
	struct genlmsghdr *genl;

	memset(req, 0, sizeof(*req));
	req->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req->nlh.nlmsg_type = family;
	req->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	req->nlh.nlmsg_seq = 1;
	genl = NLMSG_DATA(&req->nlh);
	genl->cmd = cmd;
	genl->version = family == GENL_ID_CTRL ? 2 : VPRO_GENL_VERSION;
}

static void req_put(struct nl_request *req, uint16_t type, const void *data,
		    size_t len)
{
	struct nlattr *nla = (struct nlattr *)(req->buf +
					       NLMSG_ALIGN(req->nlh.nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	req->nlh.nlmsg_len = NLMSG_ALIGN(req->nlh.nlmsg_len) +
			     NLA_ALIGN(nla->nla_len);
}

static void req_put_u32(struct nl_request *req, uint16_t type, uint32_t v)
{
	req_put(req, type, &v, sizeof(v));
}

static void req_put_str(struct nl_request *req, uint16_t type, const char *s)
{
	req_put(req, type, s, strlen(s) + 1);
}

static int req_send(int fd, struct nl_request *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(fd, req->buf, req->nlh.nlmsg_len, 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Receives one datagram; returns its length or -errno. */
static ssize_t nl_recv(int fd, char *buf)
{
	ssize_t len = recv(fd, buf, NL_BUF_LEN, 0);

	return len < 0 ? -errno : len;
}

static const struct genlmsghdr *genl_header(const struct nlmsghdr *nlh)
{
	return NLMSG_DATA(nlh);
}

/* Indexes the attributes after the genl header of @nlh, up to @max. */
static void parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb,
			int max)
{
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *nla = (const struct nlattr *)p;
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
			break;
		if (type <= max)
			tb[type] = nla;
		p += NLA_ALIGN(nla->nla_len);
	}
}

static const void *nla_payload(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static uint32_t nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_payload(nla), sizeof(v));
	return v;
}

/*
 * Sends @req with NLM_F_ACK and waits for the acknowledgement. Returns 0,
 * the negative errno from the kernel, or -ETIMEDOUT. A reply message that
 * comes first is copied into @reply when given.
 */
static int req_transact(int fd, struct nl_request *req, char *reply)
{
	char *buf = malloc(NL_BUF_LEN);
	int ret, rounds;

	if (!buf)
		return -ENOMEM;
	req->nlh.nlmsg_flags |= NLM_F_ACK;
	ret = req_send(fd, req);
	for (rounds = 0; !ret && rounds < 16; rounds++) {
		ssize_t len = nl_recv(fd, buf);
		struct nlmsghdr *nlh;

		if (len < 0) {
			ret = len == -EAGAIN ? -ETIMEDOUT : (int)len;
			break;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				free(buf);
				return e->error;
			}
			if (reply)
				memcpy(reply, nlh, nlh->nlmsg_len);
		}
	}
	free(buf);
	return ret ? ret : -ETIMEDOUT;
}

/* Resolves the family id and the "events" group id through nlctrl. */
static int resolve_family(int fd, uint16_t *family, uint32_t *events_group,
			  uint32_t *version)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nl_request req;
	char *reply = calloc(1, NL_BUF_LEN);
	int ret;

	if (!reply)
		return -ENOMEM;
	req_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	req_put_str(&req, CTRL_ATTR_FAMILY_NAME, VPRO_GENL_NAME);
	ret = req_transact(fd, &req, reply);
	if (ret)
		goto out;

	parse_attrs((struct nlmsghdr *)reply, tb, CTRL_ATTR_MAX);
	ret = -ENOENT;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		goto out;
	*family = *(const uint16_t *)nla_payload(tb[CTRL_ATTR_FAMILY_ID]);
	*version = tb[CTRL_ATTR_VERSION] ? nla_u32(tb[CTRL_ATTR_VERSION]) : 0;
	*events_group = 0;

	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *groups = tb[CTRL_ATTR_MCAST_GROUPS];
		const char *p = nla_payload(groups);
		const char *end = (const char *)groups + groups->nla_len;

		/* A nested array: each entry nests a name and an id. */
		while (p + NLA_HDRLEN <= end) {
			const struct nlattr *entry = (const struct nlattr *)p;
			const char *q = nla_payload(entry);
			const char *entry_end = p + entry->nla_len;
			const char *name = NULL;
			uint32_t id = 0;

			if (entry->nla_len < NLA_HDRLEN)
				break;
			while (q + NLA_HDRLEN <= entry_end) {
				const struct nlattr *a = (const struct nlattr *)q;

				if (a->nla_len < NLA_HDRLEN)
					break;
				if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					name = nla_payload(a);
				else if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = nla_u32(a);
				q += NLA_ALIGN(a->nla_len);
			}
			if (name && !strcmp(name, VPRO_GENL_MCGRP_EVENTS))
				*events_group = id;
			p += NLA_ALIGN(entry->nla_len);
		}
	}
	ret = 0;
out:
	free(reply);
	return ret;
}

/* Checks that a device message carries what sysfs shows for vpro0. */
static void expect_matches_sysfs(struct __test_metadata *_metadata,
				 const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[VPRO_A_MAX + 1];
	static const char * const capabilities[] = { "none", "amt", "ism" };
	char buf[512];
	uint32_t capability;

	parse_attrs(nlh, tb, VPRO_A_MAX);

	ASSERT_NE(NULL, tb[VPRO_A_DEVICE_INDEX]);
	ASSERT_EQ(0, nla_u32(tb[VPRO_A_DEVICE_INDEX]));

	ASSERT_NE(NULL, tb[VPRO_A_CAPABILITY]);
	capability = nla_u32(tb[VPRO_A_CAPABILITY]);
	ASSERT_GT(3, capability);
	ASSERT_EQ(0, read_attr("capability", buf, sizeof(buf)));
	ASSERT_STREQ(buf, capabilities[capability]);

	ASSERT_NE(NULL, tb[VPRO_A_SKU]);
	ASSERT_EQ(0, read_attr("sku", buf, sizeof(buf)));
	ASSERT_EQ(strtoul(buf, NULL, 10), nla_u32(tb[VPRO_A_SKU]));

	ASSERT_NE(NULL, tb[VPRO_A_FEATURES]);
	ASSERT_EQ(0, read_attr("features", buf, sizeof(buf)));
	ASSERT_STREQ(buf, (const char *)nla_payload(tb[VPRO_A_FEATURES]));

	ASSERT_NE(NULL, tb[VPRO_A_UUID]);
	ASSERT_EQ(0, read_attr("uuid", buf, sizeof(buf)));
	ASSERT_STREQ(buf, (const char *)nla_payload(tb[VPRO_A_UUID]));

	ASSERT_NE(NULL, tb[VPRO_A_AMT_VERSION]);
	ASSERT_EQ(0, read_attr("amt_version", buf, sizeof(buf)));
	ASSERT_STREQ(buf, (const char *)nla_payload(tb[VPRO_A_AMT_VERSION]));

	ASSERT_NE(NULL, tb[VPRO_A_BUILD_NUMBER]);
	ASSERT_EQ(0, read_attr("build_number", buf, sizeof(buf)));
	ASSERT_STREQ(buf, (const char *)nla_payload(tb[VPRO_A_BUILD_NUMBER]));

	ASSERT_NE(NULL, tb[VPRO_A_CONTROL_MODE]);
	ASSERT_EQ(0, nla_u32(tb[VPRO_A_CONTROL_MODE]));
	ASSERT_NE(NULL, tb[VPRO_A_PROVISIONING_STATE]);
	ASSERT_EQ(0, nla_u32(tb[VPRO_A_PROVISIONING_STATE]));
	ASSERT_NE(NULL, tb[VPRO_A_APF_STATE]);
	ASSERT_NE(NULL, tb[VPRO_A_ACTIVATION_STATUS]);
}

FIXTURE(genl) {
	int fd;
	uint16_t family;
	uint32_t events_group;
	uint32_t version;
	bool has_device;
};

FIXTURE_SETUP(genl)
{
	const char *sku = getenv("VPRO_SKU");

	ASSERT_TRUE(sku && (!strcmp(sku, "amt") || !strcmp(sku, "ism") ||
			    !strcmp(sku, "none")))
		TH_LOG("VPRO_SKU='%s' is not amt, ism or none", sku ?: "(unset)");
	self->has_device = sku_has_device();
	if (self->has_device) {
		ASSERT_TRUE(wait_for_path(VPRO0 "/capability", APPEAR_TIMEOUT_S))
			TH_LOG("%s did not appear within %d s", VPRO0,
			       APPEAR_TIMEOUT_S);
	} else {
		sleep(SETTLE_S);
	}

	self->fd = nl_open();
	ASSERT_LE(0, self->fd) TH_LOG("netlink socket: %s", strerror(-self->fd));
	ASSERT_EQ(0, resolve_family(self->fd, &self->family,
				    &self->events_group, &self->version))
		TH_LOG("family %s not found: is vpro_heci loaded?",
		       VPRO_GENL_NAME);
}

FIXTURE_TEARDOWN(genl)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(genl, family_resolves)
{
	ASSERT_NE(0, self->family);
	ASSERT_EQ(VPRO_GENL_VERSION, self->version);
	ASSERT_NE(0, self->events_group) TH_LOG("group \"events\" not listed");
}

TEST_F(genl, get_device_doit)
{
	struct nl_request req;
	char *reply = calloc(1, NL_BUF_LEN);
	int ret;

	ASSERT_NE(NULL, reply);
	req_init(&req, self->family, VPRO_CMD_GET_DEVICE, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	ret = req_transact(self->fd, &req, reply);
	if (!self->has_device) {
		ASSERT_EQ(-ENODEV, ret);
		free(reply);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("GET_DEVICE: %s", strerror(-ret));
	ASSERT_EQ(VPRO_CMD_GET_DEVICE,
		  genl_header((struct nlmsghdr *)reply)->cmd);
	expect_matches_sysfs(_metadata, (struct nlmsghdr *)reply);
	free(reply);
}

TEST_F(genl, get_device_missing_index)
{
	struct nl_request req;

	req_init(&req, self->family, VPRO_CMD_GET_DEVICE, 0);
	ASSERT_EQ(-EINVAL, req_transact(self->fd, &req, NULL));
}

TEST_F(genl, get_device_unknown_index)
{
	struct nl_request req;

	req_init(&req, self->family, VPRO_CMD_GET_DEVICE, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 4242);
	ASSERT_EQ(-ENODEV, req_transact(self->fd, &req, NULL));
}

TEST_F(genl, get_device_dump)
{
	struct nl_request req;
	char *buf = malloc(NL_BUF_LEN);
	int devices = 0, rounds;
	bool done = false;

	ASSERT_NE(NULL, buf);
	req_init(&req, self->family, VPRO_CMD_GET_DEVICE, NLM_F_DUMP);
	ASSERT_EQ(0, req_send(self->fd, &req));

	for (rounds = 0; !done && rounds < 16; rounds++) {
		ssize_t len = nl_recv(self->fd, buf);
		struct nlmsghdr *nlh;

		ASSERT_LT(0, len) TH_LOG("dump: %s", strerror(-len));
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			ASSERT_NE(NLMSG_ERROR, nlh->nlmsg_type);
			ASSERT_EQ(self->family, nlh->nlmsg_type);
			expect_matches_sysfs(_metadata, nlh);
			devices++;
		}
	}
	free(buf);
	ASSERT_TRUE(done);
	ASSERT_EQ(self->has_device ? 1 : 0, devices);
}

/* Waits on @fd for a STATUS_CHANGED event; returns its status or -errno. */
static int wait_status_event(int fd, char *reason, size_t size)
{
	char *buf = malloc(NL_BUF_LEN);
	int ret = -ETIMEDOUT, rounds;

	if (!buf)
		return -ENOMEM;
	for (rounds = 0; ret == -ETIMEDOUT && rounds < 16; rounds++) {
		ssize_t len = nl_recv(fd, buf);
		struct nlmsghdr *nlh;

		if (len < 0) {
			ret = len == -EAGAIN ? -ETIMEDOUT : (int)len;
			break;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const struct nlattr *tb[VPRO_A_MAX + 1];

			if (genl_header(nlh)->cmd != VPRO_CMD_STATUS_CHANGED)
				continue;
			parse_attrs(nlh, tb, VPRO_A_MAX);
			if (!tb[VPRO_A_ACTIVATION_STATUS])
				continue;
			reason[0] = '\0';
			if (tb[VPRO_A_STATUS_REASON])
				snprintf(reason, size, "%s",
					 (const char *)nla_payload(tb[VPRO_A_STATUS_REASON]));
			ret = (int)nla_u32(tb[VPRO_A_ACTIVATION_STATUS]);
			break;
		}
	}
	free(buf);
	return ret;
}

TEST_F(genl, set_status_emits_event)
{
	struct nl_request req;
	char reason[300];
	char buf[512];
	int listener, ret;

	listener = nl_open();
	ASSERT_LE(0, listener);
	ASSERT_EQ(0, setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&self->events_group,
				sizeof(self->events_group)));

	req_init(&req, self->family, VPRO_CMD_SET_STATUS, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	req_put_u32(&req, VPRO_A_ACTIVATION_STATUS, VPRO_ACTIVATION_FAILED);
	req_put_str(&req, VPRO_A_STATUS_REASON, "RPS unreachable");
	ret = req_transact(self->fd, &req, NULL);
	if (!self->has_device) {
		close(listener);
		ASSERT_EQ(-ENODEV, ret);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("SET_STATUS: %s", strerror(-ret));

	ret = wait_status_event(listener, reason, sizeof(reason));
	ASSERT_EQ(VPRO_ACTIVATION_FAILED, ret);
	ASSERT_STREQ("RPS unreachable", reason);

	ASSERT_EQ(0, read_attr("activation_status", buf, sizeof(buf)));
	ASSERT_STREQ("failed: RPS unreachable", buf);

	/* Back to idle, so the next suite finds the default again. */
	req_init(&req, self->family, VPRO_CMD_SET_STATUS, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	req_put_u32(&req, VPRO_A_ACTIVATION_STATUS, VPRO_ACTIVATION_IDLE);
	ASSERT_EQ(0, req_transact(self->fd, &req, NULL));
	ret = wait_status_event(listener, reason, sizeof(reason));
	ASSERT_EQ(VPRO_ACTIVATION_IDLE, ret);
	ASSERT_STREQ("", reason);
	ASSERT_EQ(0, read_attr("activation_status", buf, sizeof(buf)));
	ASSERT_STREQ("idle", buf);
	close(listener);
}

TEST_F(genl, set_status_needs_cap_net_admin)
{
	struct nl_request req;
	int status;
	pid_t pid;

	req_init(&req, self->family, VPRO_CMD_SET_STATUS, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	req_put_u32(&req, VPRO_A_ACTIVATION_STATUS, VPRO_ACTIVATION_PROVISIONED);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, ret;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = nl_open();
		if (fd < 0)
			_exit(3);
		ret = req_transact(fd, &req, NULL);
		_exit(ret == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child exit 1: not EPERM, 2: setuid failed, 3: no socket");
}

TEST_F(genl, set_status_invalid_value)
{
	struct nl_request req;

	req_init(&req, self->family, VPRO_CMD_SET_STATUS, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	req_put_u32(&req, VPRO_A_ACTIVATION_STATUS, __VPRO_ACTIVATION_MAX);
	ASSERT_EQ(-EINVAL, req_transact(self->fd, &req, NULL));
}

TEST_F(genl, set_status_missing_status)
{
	struct nl_request req;

	req_init(&req, self->family, VPRO_CMD_SET_STATUS, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	ASSERT_EQ(-EINVAL, req_transact(self->fd, &req, NULL));
}

TEST_F(genl, set_status_reason_too_long)
{
	struct nl_request req;
	char reason[300];

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	req_init(&req, self->family, VPRO_CMD_SET_STATUS, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	req_put_u32(&req, VPRO_A_ACTIVATION_STATUS, VPRO_ACTIVATION_FAILED);
	req_put_str(&req, VPRO_A_STATUS_REASON, reason);
	ASSERT_EQ(-EINVAL, req_transact(self->fd, &req, NULL));
}

TEST_F(genl, refresh_by_root)
{
	struct nl_request req;
	int ret;

	req_init(&req, self->family, VPRO_CMD_REFRESH, 0);
	req_put_u32(&req, VPRO_A_DEVICE_INDEX, 0);
	ret = req_transact(self->fd, &req, NULL);
	ASSERT_EQ(self->has_device ? 0 : -ENODEV, ret)
		TH_LOG("REFRESH: %s", strerror(-ret));
}

TEST_HARNESS_MAIN
