// SPDX-License-Identifier: MIT
/*
 * One vpro_heci operation with the N-th fault injection point of this
 * thread armed, for failslab_test.sh. The program writes N to
 * /proc/thread-self/fail-nth right before the system calls of the
 * operation and reads it back right after them. The kernel clears the
 * value when it injects the fault, so a nonzero value afterwards means
 * the operation met fewer than N injection points and the sweep is done.
 *
 * Prints one line: "OP nth=N injected=yes|no result=ok|ERRNAME".
 * Exit status: 0 the operation succeeded, 1 it failed with an errno the
 * interface allows, 2 it failed with another errno or returned bad data,
 * 3 a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/vpro_heci.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#define APF_DEV			"/dev/vpro_apf0"
#define SYSFS_DIR		"/sys/class/vpro/vpro0/"
#define CONNECT_TIMEOUT_MS	5000
#define IO_TIMEOUT_MS		5000
#define RESPONSE_MAX		16384

enum { EXIT_OK, EXIT_ALLOWED_ERRNO, EXIT_BAD_RESULT, EXIT_SETUP };

static int fail_nth_fd = -1;
static unsigned int fail_nth;

static const char http_request[] =
	"POST /wsman HTTP/1.1\r\n"
	"Host: 127.0.0.1:16992\r\n"
	"Content-Type: application/soap+xml; charset=UTF-8\r\n"
	"Content-Length: 0\r\n"
	"Connection: close\r\n"
	"\r\n";

static void arm(void)
{
	char value[16];
	int len;

	if (!fail_nth)
		return;
	len = snprintf(value, sizeof(value), "%u", fail_nth);
	if (pwrite(fail_nth_fd, value, len, 0) != len) {
		fprintf(stderr, "fault_op: writing %u to fail-nth failed: %s\n",
			fail_nth, strerror(errno));
		exit(EXIT_SETUP);
	}
}

/* Returns 1 when the armed fault was injected, 0 when it was not. */
static int disarm(void)
{
	char value[16] = "";
	ssize_t len;

	if (!fail_nth)
		return 0;
	len = pread(fail_nth_fd, value, sizeof(value) - 1, 0);
	/* Writing 0 stops a fault that did not fire from hitting this program. */
	if (pwrite(fail_nth_fd, "0", 1, 0) != 1 || len <= 0) {
		fprintf(stderr, "fault_op: reading fail-nth failed: %s\n",
			strerror(errno));
		exit(EXIT_SETUP);
	}
	return strtoul(value, NULL, 10) == 0;
}

static int report(const char *op, int injected, int err, int bad)
{
	printf("%s nth=%u injected=%s result=%s\n", op, fail_nth,
	       injected ? "yes" : "no", err ? strerrorname_np(err) : "ok");
	if (bad)
		return EXIT_BAD_RESULT;
	return err ? EXIT_ALLOWED_ERRNO : EXIT_OK;
}

static int errno_in(int err, const int *list)
{
	for (; *list; list++)
		if (*list == err)
			return 1;
	return 0;
}

/* Writes all of @len bytes, waiting in poll() while AMT's window is closed. */
static int write_all(int fd, const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
				return errno ? errno : ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return n < 0 ? errno : EPIPE;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Reads to EOF into @buf, NUL-terminated. Returns 0 or an errno. */
static int read_to_eof(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = poll(&pfd, 1, IO_TIMEOUT_MS);
		if (n < 0)
			return errno;
		if (n == 0)
			return ETIMEDOUT;
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		len += n;
		if (len == size - 1)
			return EMSGSIZE;
	}
	buf[len] = '\0';
	return 0;
}

static int apf_connect(int fd)
{
	struct vpro_apf_connect req = {
		.port = VPRO_AMT_PORT_HTTP,
		.timeout_ms = CONNECT_TIMEOUT_MS,
	};

	return ioctl(fd, VPRO_APF_IOC_CONNECT, &req) ? errno : 0;
}

/* Sends one WS-Man POST and checks for AMT's digest challenge. */
static int http_exchange(int fd, int *bad)
{
	static char response[RESPONSE_MAX];
	int err;

	err = write_all(fd, http_request, strlen(http_request));
	if (!err)
		err = read_to_eof(fd, response, sizeof(response));
	if (!err && strncmp(response, "HTTP/1.1 401", 12)) {
		fprintf(stderr, "fault_op: expected HTTP/1.1 401, got: %.60s\n",
			response);
		*bad = 1;
	}
	return err;
}

static int op_insmod(const char *path)
{
	int fd, err, injected;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fault_op: cannot open module %s: %s\n", path,
			strerror(errno));
		return EXIT_SETUP;
	}
	arm();
	err = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	injected = disarm();
	close(fd);
	/* Any errno is a clean failure here, as long as the kernel survives. */
	return report("insmod", injected, err, 0);
}

/* Binds MEI bus device @device to vpro_heci, which runs the probe. */
static int op_bind(const char *device)
{
	static const char bind_path[] = "/sys/bus/mei/drivers/vpro_heci/bind";
	int fd, err, injected;

	fd = open(bind_path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fault_op: cannot open %s: %s\n", bind_path,
			strerror(errno));
		return EXIT_SETUP;
	}
	arm();
	err = write(fd, device, strlen(device)) >= 0 ? 0 : errno;
	injected = disarm();
	close(fd);
	/* A failed probe returns its errno through the write. */
	return report("bind", injected, err, 0);
}

static int op_refresh(void)
{
	/* ENOMEM, or the errors of an AMTHI exchange that a failed send causes. */
	static const int allowed[] = { ENOMEM, EIO, ETIMEDOUT, ENODEV, 0 };
	int fd, err, injected;

	fd = open(SYSFS_DIR "refresh", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fault_op: cannot open %srefresh: %s\n",
			SYSFS_DIR, strerror(errno));
		return EXIT_SETUP;
	}
	arm();
	err = write(fd, "1", 1) == 1 ? 0 : errno;
	injected = disarm();
	close(fd);
	return report("refresh", injected, err, err && !errno_in(err, allowed));
}

static int op_sysfs_read(const char *attr)
{
	char path[256], value[256];
	int fd, err = 0, injected;
	ssize_t len = 0;

	snprintf(path, sizeof(path), SYSFS_DIR "%s", attr);
	arm();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err = errno;
	else if ((len = read(fd, value, sizeof(value) - 1)) < 0)
		err = errno;
	injected = disarm();
	if (fd >= 0)
		close(fd);
	if (!err && (len == 0 || value[len - 1] != '\n')) {
		fprintf(stderr, "fault_op: %s has no newline-terminated value\n",
			path);
		return report("sysfs-read", injected, err, 1);
	}
	return report("sysfs-read", injected, err, err && err != ENOMEM);
}

static int op_connect(void)
{
	/* ENOMEM, and the CONNECT errors chardev.c documents. */
	static const int allowed[] = {
		ENOMEM, EIO, EBUSY, EHOSTUNREACH, ETIMEDOUT, ECONNREFUSED, EAGAIN,
		ECONNRESET, ENODEV, 0
	};
	int fd = -1, err, injected, bad = 0;

	arm();
	fd = open(APF_DEV, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : apf_connect(fd);
	injected = disarm();
	if (!err)
		err = http_exchange(fd, &bad);
	if (fd >= 0)
		close(fd);
	return report("connect", injected, err, bad || (err && !errno_in(err, allowed)));
}

static int op_channel(void)
{
	static const int allowed[] = { ENOMEM, EPIPE, ECONNRESET, 0 };
	int fd, err, injected, bad = 0;

	fd = open(APF_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || apf_connect(fd)) {
		fprintf(stderr, "fault_op: CONNECT without faults failed: %s\n",
			strerror(errno));
		return EXIT_SETUP;
	}
	arm();
	err = http_exchange(fd, &bad);
	injected = disarm();
	close(fd);
	return report("channel", injected, err, bad || (err && !errno_in(err, allowed)));
}

/* Reply handler: counts the messages that carry a capability. */
static int count_device(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[VPRO_A_MAX + 1];
	int *count = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, VPRO_A_MAX, NULL) == 0 &&
	    attrs[VPRO_A_CAPABILITY] &&
	    nla_get_u32(attrs[VPRO_A_CAPABILITY]) <= VPRO_CAPABILITY_ISM)
		(*count)++;
	return NL_OK;
}

static int op_netlink(const char *op, int argc, char **argv)
{
	struct nl_sock *sock;
	struct nl_msg *msg;
	int family, err, injected, count = 0, bad = 0;
	int cmd = VPRO_CMD_GET_DEVICE, flags = 0;

	sock = nl_socket_alloc();
	if (!sock || genl_connect(sock)) {
		fprintf(stderr, "fault_op: cannot open a generic netlink socket\n");
		return EXIT_SETUP;
	}
	family = genl_ctrl_resolve(sock, VPRO_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "fault_op: family %s not found: is vpro_heci loaded?\n",
			VPRO_GENL_NAME);
		return EXIT_SETUP;
	}
	nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM, count_device, &count);

	msg = nlmsg_alloc();
	if (!strcmp(op, "nl-dump"))
		flags = NLM_F_DUMP;
	else if (!strcmp(op, "nl-status"))
		cmd = VPRO_CMD_SET_STATUS;
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, VPRO_GENL_VERSION))
		return EXIT_SETUP;
	if (cmd == VPRO_CMD_SET_STATUS) {
		if (argc < 2) {
			fprintf(stderr, "usage: fault_op nl-status STATUS REASON\n");
			return EXIT_SETUP;
		}
		nla_put_u32(msg, VPRO_A_DEVICE_INDEX, 0);
		nla_put_u32(msg, VPRO_A_ACTIVATION_STATUS, strtoul(argv[0], NULL, 10));
		nla_put_string(msg, VPRO_A_STATUS_REASON, argv[1]);
	} else if (!flags) {
		nla_put_u32(msg, VPRO_A_DEVICE_INDEX, 0);
	}

	if (cmd == VPRO_CMD_GET_DEVICE)
		nl_socket_disable_auto_ack(sock);

	arm();
	err = nl_send_auto(sock, msg);
	if (err >= 0)
		err = cmd == VPRO_CMD_SET_STATUS ? nl_wait_for_ack(sock) :
						    nl_recvmsgs_default(sock);
	injected = disarm();
	if (err < 0) {
		fprintf(stderr, "fault_op: %s failed: %s\n", op, nl_geterror(err));
		/* libnl maps ENOMEM and ENOBUFS from the kernel to NLE_NOMEM. */
		err = err == -NLE_NOMEM ? ENOMEM : EPROTO;
	} else {
		err = 0;
	}
	if (!err && cmd == VPRO_CMD_GET_DEVICE && count != 1) {
		fprintf(stderr, "fault_op: %s returned %d devices, expected 1\n",
			op, count);
		bad = 1;
	}
	nlmsg_free(msg);
	nl_socket_free(sock);
	return report(op, injected, err, bad || (err && err != ENOMEM));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fault_op [--fail-nth N] OP [ARGS]\n"
		"  OP: insmod PATH | bind DEVICE | refresh | sysfs-read ATTR |\n"
		"      connect | channel | nl-get | nl-dump | nl-status STATUS REASON\n"
		"  --fail-nth N  fail the N-th fault injection point (1 or more)\n");
	exit(EXIT_SETUP);
}

int main(int argc, char **argv)
{
	const char *op;

	if (argc >= 3 && !strcmp(argv[1], "--fail-nth")) {
		char *end;

		fail_nth = strtoul(argv[2], &end, 10);
		if (*end || !fail_nth) {
			fprintf(stderr, "fault_op: invalid --fail-nth '%s': give a number of 1 or more\n",
				argv[2]);
			usage();
		}
		fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		if (fail_nth_fd < 0) {
			fprintf(stderr, "fault_op: cannot open /proc/thread-self/fail-nth: %s (kernel without CONFIG_FAULT_INJECTION?)\n",
				strerror(errno));
			return EXIT_SETUP;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		usage();
	op = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(op, "insmod") && argc == 3)
		return op_insmod(argv[2]);
	if (!strcmp(op, "bind") && argc == 3)
		return op_bind(argv[2]);
	if (!strcmp(op, "refresh"))
		return op_refresh();
	if (!strcmp(op, "sysfs-read") && argc == 3)
		return op_sysfs_read(argv[2]);
	if (!strcmp(op, "connect"))
		return op_connect();
	if (!strcmp(op, "channel"))
		return op_channel();
	if (!strncmp(op, "nl-", 3))
		return op_netlink(op, argc - 2, argv + 2);
	fprintf(stderr, "fault_op: unknown operation '%s'\n", op);
	usage();
	return EXIT_SETUP;
}
