// SPDX-License-Identifier: MIT
/*
 * Guest test of /dev/vpro_apf0 against the firmware model (SKU amt):
 * CONNECT to the WS-Man port, an HTTP exchange through the channel, and
 * the errors of the char device for bad or early requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vpro_heci.h>

#include "kselftest_harness.h"

#define APF_DEV			"/dev/vpro_apf0"
#define APPEAR_TIMEOUT_S	20
#define CONNECT_TIMEOUT_MS	10000
#define READ_TIMEOUT_MS		10000
#define RESPONSE_MAX		65536
/* The module's default max_channels. */
#define MAX_CHANNELS		6
#define NOBODY_UID		65534
#define APF_STATE		"/sys/class/vpro/vpro0/apf_state"
#define LINGER_PARAM		"/sys/module/vpro_heci/parameters/apf_linger_ms"
/* Many times the 4096-byte window, so the write waits for WINDOW_ADJUST. */
#define LARGE_BODY_LEN		(100 * 1024)

static const char wsman_body[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\">"
	"<Header/><Body/></Envelope>";

/* Waits for the module to create the char device after fwsim started. */
static int wait_for_device(void)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < APPEAR_TIMEOUT_S * 10; i++) {
		if (access(APF_DEV, F_OK) == 0)
			return 0;
		nanosleep(&pause, NULL);
	}
	return -1;
}

static int open_device(int flags)
{
	if (wait_for_device())
		return -1;
	return open(APF_DEV, flags);
}

static int apf_connect(int fd, unsigned int port, unsigned int reserved)
{
	struct vpro_apf_connect req = {
		.port = port,
		.reserved = reserved,
		.timeout_ms = CONNECT_TIMEOUT_MS,
	};

	return ioctl(fd, VPRO_APF_IOC_CONNECT, &req);
}

/* Writes all of @buf, waiting with poll() while AMT's window is closed. */
static int write_all(int fd, const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, READ_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Reads until EOF into @buf (NUL-terminated). Returns the length, or -1
 * on an error, a timeout or a response longer than @size - 1.
 */
static ssize_t read_to_eof(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, READ_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += n;
		if (len == size - 1)
			return -1;
	}
	buf[len] = '\0';
	return len;
}

/* Sends a WS-Man POST whose body is the envelope and @padding spaces. */
static int send_wsman_post_padded(int fd, size_t padding)
{
	size_t body_len = strlen(wsman_body) + padding;
	char *request = malloc(1024 + body_len);
	int len, ret;

	if (!request)
		return -1;
	len = snprintf(request, 1024,
		       "POST /wsman HTTP/1.1\r\n"
		       "Host: 127.0.0.1:16992\r\n"
		       "Content-Type: application/soap+xml; charset=UTF-8\r\n"
		       "Content-Length: %zu\r\n"
		       "Connection: close\r\n"
		       "\r\n"
		       "%s",
		       body_len, wsman_body);
	memset(request + len, ' ', padding);
	ret = write_all(fd, request, len + padding);
	free(request);
	return ret;
}

static int send_wsman_post(int fd)
{
	return send_wsman_post_padded(fd, 0);
}

/* Reads a one-line sysfs or module parameter file into @buf. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

TEST(device_is_root_only)
{
	struct stat st;

	ASSERT_EQ(0, wait_for_device());
	ASSERT_EQ(0, stat(APF_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST(wsman_post_gets_digest_challenge)
{
	char *response = malloc(RESPONSE_MAX);
	ssize_t len;
	int fd;

	ASSERT_NE(NULL, response);
	fd = open_device(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	ASSERT_EQ(0, send_wsman_post(fd));

	len = read_to_eof(fd, response, RESPONSE_MAX);
	ASSERT_LT(0, len) {
		TH_LOG("no complete response before EOF");
	}
	EXPECT_EQ(0, strncmp(response, "HTTP/1.1 401", 12)) {
		TH_LOG("status line: %.40s", response);
	}
	EXPECT_NE(NULL, strstr(response, "WWW-Authenticate: Digest")) {
		TH_LOG("response: %s", response);
	}

	/* After EOF, read keeps returning 0 and write fails. */
	EXPECT_EQ(0, read(fd, response, 16));
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	close(fd);
	free(response);
}

TEST(unannounced_port_is_unreachable)
{
	int fd = open_device(O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, apf_connect(fd, 9, 0));
	EXPECT_EQ(EHOSTUNREACH, errno);

	/* A failed CONNECT leaves the file unconnected, so it can retry. */
	EXPECT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992 after a failure: %s", strerror(errno));
	}
	close(fd);
}

TEST(reserved_nonzero_is_invalid)
{
	int fd = open_device(O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, apf_connect(fd, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(unknown_ioctl_is_enotty)
{
	int fd = open_device(O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(VPRO_APF_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(second_connect_is_eisconn)
{
	int fd = open_device(O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0));
	EXPECT_EQ(EISCONN, errno);
	close(fd);
}

TEST(io_before_connect_is_enotconn)
{
	char buf[8];
	int fd = open_device(O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, write(fd, "GET", 3));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST(non_root_open_is_eacces)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, wait_for_device());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgid(NOBODY_UID) || setuid(NOBODY_UID))
			_exit(2);
		fd = open(APF_DEV, O_RDWR);
		if (fd >= 0)
			_exit(3);
		_exit(errno == EACCES ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 2: setuid failed, 3: open succeeded, 4: another errno. */
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(poll_reports_pollout_after_connect)
{
	struct pollfd pfd = { .events = POLLOUT };

	pfd.fd = open_device(O_RDWR);
	ASSERT_LE(0, pfd.fd);
	ASSERT_EQ(0, apf_connect(pfd.fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	EXPECT_FALSE(pfd.revents & (POLLERR | POLLHUP));
	close(pfd.fd);
}

TEST(nonblock_read_without_data_is_eagain)
{
	char buf[8];
	int fd = open_device(O_RDWR | O_NONBLOCK);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	/* The HTTP server sends nothing before it gets a request. */
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST(channels_over_max_are_ebusy)
{
	int fds[MAX_CHANNELS + 1];
	int i;

	for (i = 0; i < MAX_CHANNELS; i++) {
		fds[i] = open_device(O_RDWR);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, apf_connect(fds[i], VPRO_AMT_PORT_HTTP, 0)) {
			TH_LOG("CONNECT %d of %d: %s", i + 1, MAX_CHANNELS,
			       strerror(errno));
		}
	}
	fds[MAX_CHANNELS] = open_device(O_RDWR);
	ASSERT_LE(0, fds[MAX_CHANNELS]);
	EXPECT_EQ(-1, apf_connect(fds[MAX_CHANNELS], VPRO_AMT_PORT_HTTP, 0));
	EXPECT_EQ(EBUSY, errno);

	/* Closing one channel frees its slot. */
	close(fds[0]);
	EXPECT_EQ(0, apf_connect(fds[MAX_CHANNELS], VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT after a close: %s", strerror(errno));
	}
	for (i = 1; i <= MAX_CHANNELS; i++)
		close(fds[i]);
}

TEST(closed_channels_are_released)
{
	char *response = malloc(RESPONSE_MAX);
	int i, fd;

	ASSERT_NE(NULL, response);
	/* More rounds than max_channels and than the firmware's channels. */
	for (i = 0; i < 3 * MAX_CHANNELS; i++) {
		fd = open_device(O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
			TH_LOG("CONNECT in round %d: %s", i, strerror(errno));
		}
		ASSERT_EQ(0, send_wsman_post(fd));
		ASSERT_LT(0, read_to_eof(fd, response, RESPONSE_MAX)) {
			TH_LOG("no response in round %d", i);
		}
		close(fd);
	}
	free(response);
}

TEST(large_request_crosses_windows)
{
	char *response = malloc(RESPONSE_MAX);
	int fd;

	ASSERT_NE(NULL, response);
	fd = open_device(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	ASSERT_EQ(0, send_wsman_post_padded(fd, LARGE_BODY_LEN)) {
		TH_LOG("write of a %d-byte body: %s", LARGE_BODY_LEN,
		       strerror(errno));
	}
	ASSERT_LT(0, read_to_eof(fd, response, RESPONSE_MAX));
	EXPECT_EQ(0, strncmp(response, "HTTP/1.1 401", 12)) {
		TH_LOG("status line: %.40s", response);
	}
	close(fd);
	free(response);
}

TEST(link_released_after_linger)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	char state[32], linger[32];
	int fd, i, waited_ms;

	ASSERT_EQ(0, read_line(LINGER_PARAM, linger, sizeof(linger)));
	fd = open_device(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	ASSERT_EQ(0, read_line(APF_STATE, state, sizeof(state)));
	EXPECT_STREQ("up", state);
	close(fd);

	/* The link goes down within the linger time plus 5 s of slack. */
	waited_ms = 0;
	for (i = 0; i < (atoi(linger) + 5000) / 100; i++) {
		ASSERT_EQ(0, read_line(APF_STATE, state, sizeof(state)));
		if (!strcmp(state, "down"))
			break;
		nanosleep(&pause, NULL);
		waited_ms += 100;
	}
	EXPECT_STREQ("down", state) {
		TH_LOG("apf_state after %d ms (linger %s ms)", waited_ms,
		       linger);
	}

	/* The next CONNECT runs the handshake again. */
	fd = open_device(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, 0)) {
		TH_LOG("CONNECT after the link went down: %s",
		       strerror(errno));
	}
	close(fd);
}

TEST_HARNESS_MAIN
