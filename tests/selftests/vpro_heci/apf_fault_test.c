// SPDX-License-Identifier: MIT
/*
 * Guest test of /dev/vpro_apf0 against a misbehaving firmware model:
 * fwsim runs with --control /run/fwsim.ctl, and each test switches its
 * faults through that FIFO (see tests/fwsim/fault.h) and reads back what
 * the host sent with "stats PATH". The fixture shortens apf_linger_ms and
 * waits for the link to go down, so every test starts with a fresh APF
 * handshake under its own faults.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/vpro_heci.h>

#include "kselftest_harness.h"

#define APF_DEV			"/dev/vpro_apf0"
#define CONTROL_FIFO		"/run/fwsim.ctl"
#define STATS_PATH		"/run/fwsim.stats"
#define SYSFS_DIR		"/sys/class/vpro/vpro0/"
#define PARAM_DIR		"/sys/module/vpro_heci/parameters/"
#define ECHO_PORT		16995
#define LINGER_MS		1000
#define CONNECT_TIMEOUT_MS	10000
#define WAIT_MS			10000
#define TEST_TIMEOUT_S		90
#define BULK_LEN		(1024 * 1024)
/*
 * Bytes per read() in the echo test. Reads far below the 4096-byte
 * receive window make an adjust per read visible in fwsim's counters.
 */
#define ECHO_READ_LEN		1000
/* Largest CHANNEL_DATA payload: VPRO_APF_TX_MAX_MSG minus the header. */
#define MAX_DATA_PAYLOAD	(4096 - 9)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

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

static int write_line(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

/* Returns the integer in sysfs file @path, or -1 when it is unreadable. */
static long read_long(const char *path)
{
	char buf[64];

	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* Waits up to @timeout_ms for sysfs apf_channels to read @count. */
static int wait_channels(long count, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	while (read_long(SYSFS_DIR "apf_channels") != count) {
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(50);
	}
	return 0;
}

static int wait_apf_state(const char *state, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	char buf[32];

	for (;;) {
		if (!read_line(SYSFS_DIR "apf_state", buf, sizeof(buf)) &&
		    !strcmp(buf, state))
			return 0;
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(50);
	}
}

/* Writes one line to fwsim's control FIFO without waiting for it to run. */
static int control_write(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, len, ret;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(line) - 1)
		return -1;
	line[len++] = '\n';
	fd = open(CONTROL_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, line, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* Counters from fwsim's stats file, looked up by name. */
struct fw_stats {
	char names[32][32];
	unsigned long long values[32];
	int count;
};

/*
 * Asks fwsim for its counters and waits for the file. Because fwsim runs
 * control lines in order, this also shows that every earlier line ran.
 */
static int fwsim_stats(struct fw_stats *stats)
{
	long deadline = now_ms() + WAIT_MS;
	FILE *f;

	unlink(STATS_PATH);
	if (control_write("stats %s", STATS_PATH))
		return -1;
	while (access(STATS_PATH, F_OK)) {
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(20);
	}
	f = fopen(STATS_PATH, "r");
	if (!f)
		return -1;
	stats->count = 0;
	while (stats->count < 32 &&
	       fscanf(f, "%31s %llu", stats->names[stats->count],
		      &stats->values[stats->count]) == 2)
		stats->count++;
	fclose(f);
	return 0;
}

/* Returns counter @name, or ~0 when fwsim did not write it. */
static unsigned long long stat_value(const struct fw_stats *stats,
				     const char *name)
{
	int i;

	for (i = 0; i < stats->count; i++)
		if (!strcmp(stats->names[i], name))
			return stats->values[i];
	return ~0ULL;
}

/* Waits up to WAIT_MS for counter @name to reach @value. */
static int wait_stat(const char *name, unsigned long long value)
{
	long deadline = now_ms() + WAIT_MS;
	struct fw_stats stats;

	for (;;) {
		if (!fwsim_stats(&stats) && stat_value(&stats, name) == value)
			return 0;
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(50);
	}
}

/* Writes one line to fwsim's control FIFO and waits until fwsim ran it. */
static int fwsim_control(const char *fmt, ...)
{
	struct fw_stats stats;
	char line[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(line))
		return -1;
	if (control_write("%s", line))
		return -1;
	return fwsim_stats(&stats);
}

static int apf_connect(int fd, unsigned int port, unsigned int timeout_ms)
{
	struct vpro_apf_connect req = {
		.port = port,
		.timeout_ms = timeout_ms,
	};

	return ioctl(fd, VPRO_APF_IOC_CONNECT, &req);
}

/*
 * Opens the device and connects to @port, retrying for WAIT_MS while the
 * link recovers from a reset. Returns the fd, or -1 with errno set.
 */
static int open_connected(unsigned int port, int flags)
{
	long deadline = now_ms() + WAIT_MS;
	int fd, err;

	for (;;) {
		fd = open(APF_DEV, O_RDWR | flags);
		if (fd >= 0) {
			if (!apf_connect(fd, port, CONNECT_TIMEOUT_MS))
				return fd;
			err = errno;
			close(fd);
		} else {
			err = errno;
		}
		if (now_ms() >= deadline) {
			errno = err;
			return -1;
		}
		sleep_ms(100);
	}
}

static short poll_events(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	if (poll(&pfd, 1, timeout_ms) < 0)
		return -1;
	return pfd.revents;
}

static const char http_request[] =
	"GET /missing HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n\r\n";

static void on_alarm(int sig)
{
	(void)sig;
}

/* Installs a SIGALRM handler with @flags and arms it in @ms. */
static void alarm_flags_in_ms(long ms, int flags)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags };
	struct itimerval timer = {
		.it_value = { ms / 1000, (ms % 1000) * 1000 },
	};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &timer, NULL);
}

/* Installs a SIGALRM handler without SA_RESTART and arms it in @ms. */
static void alarm_in_ms(long ms)
{
	alarm_flags_in_ms(ms, 0);
}

/* Fills @buf with a pattern that differs for every offset below 2^32. */
static void fill_pattern(uint8_t *buf, size_t len)
{
	uint32_t x = 0x12345678;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

FIXTURE(fault) {
	char linger[32];
};

FIXTURE_SETUP(fault)
{
	char value[16];

	ASSERT_EQ(0, access(CONTROL_FIFO, W_OK)) {
		TH_LOG("%s missing: run fwsim with --control %s (suite line amt:--control=%s)",
		       CONTROL_FIFO, CONTROL_FIFO, CONTROL_FIFO);
	}
	ASSERT_EQ(0, read_line(PARAM_DIR "apf_linger_ms", self->linger,
			       sizeof(self->linger)));
	snprintf(value, sizeof(value), "%d", LINGER_MS);
	ASSERT_EQ(0, write_line(PARAM_DIR "apf_linger_ms", value));
	ASSERT_EQ(0, fwsim_control("clear"));
	/* The link must go down so that the next handshake applies new faults. */
	ASSERT_EQ(0, wait_channels(0, WAIT_MS));
	ASSERT_EQ(0, wait_apf_state("down", WAIT_MS + LINGER_MS));
}

FIXTURE_TEARDOWN(fault)
{
	fwsim_control("clear");
	write_line(PARAM_DIR "apf_linger_ms", self->linger);
}

TEST_F_TIMEOUT(fault, cap_fails_fast_then_recovers, TEST_TIMEOUT_S)
{
	long max = read_long(PARAM_DIR "max_channels");
	int fds[16];
	long start;
	int extra, i;

	ASSERT_GT(max, 0);
	ASSERT_LE(max, 15);
	for (i = 0; i < max; i++) {
		fds[i] = open_connected(VPRO_AMT_PORT_HTTP, 0);
		ASSERT_LE(0, fds[i]) TH_LOG("channel %d: %s", i, strerror(errno));
	}
	EXPECT_EQ(max, read_long(SYSFS_DIR "apf_channels"));

	extra = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, extra);
	start = now_ms();
	EXPECT_EQ(-1, apf_connect(extra, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_GT(500, now_ms() - start);

	close(fds[0]);
	EXPECT_EQ(0, apf_connect(extra, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS))
		TH_LOG("CONNECT after a close: %s", strerror(errno));
	close(extra);
	for (i = 1; i < max; i++)
		close(fds[i]);
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
}

TEST_F_TIMEOUT(fault, nonblock_and_poll_events, TEST_TIMEOUT_S)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char buf[4096];
	int fd, idle, ep;

	fd = open(APF_DEV, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(POLLHUP, poll_events(fd, POLLIN | POLLOUT, 0));
	ASSERT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS));

	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(POLLOUT, poll_events(fd, POLLIN | POLLOUT, 0));

	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ev.data.fd = fd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));

	ASSERT_EQ((ssize_t)strlen(http_request),
		  write(fd, http_request, strlen(http_request)));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, WAIT_MS));
	EXPECT_TRUE(ev.events & EPOLLIN);
	EXPECT_TRUE(poll_events(fd, POLLIN, 0) & POLLIN);
	EXPECT_LT(0, read(fd, buf, sizeof(buf)));
	close(ep);
	close(fd);

	/* A reset link reports POLLERR | POLLHUP on an open channel. */
	idle = open_connected(VPRO_AMT_PORT_HTTP, O_NONBLOCK);
	ASSERT_LE(0, idle);
	ASSERT_EQ(0, fwsim_control("disconnect"));
	EXPECT_EQ(POLLERR | POLLHUP,
		  poll_events(idle, POLLIN | POLLOUT, WAIT_MS) & (POLLERR | POLLHUP));
	EXPECT_EQ(-1, read(idle, buf, sizeof(buf)));
	EXPECT_EQ(ECONNRESET, errno);
	close(idle);
}

TEST_F_TIMEOUT(fault, window_zero_blocks_write, TEST_TIMEOUT_S)
{
	struct fw_stats stats;
	long start;
	int fd;

	ASSERT_EQ(0, fwsim_control("window=0"));
	ASSERT_EQ(0, fwsim_stats(&stats));
	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd);

	EXPECT_EQ(0, poll_events(fd, POLLOUT, 200));

	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, write(fd, http_request, strlen(http_request)));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, fcntl(fd, F_SETFL, 0));
	start = now_ms();
	alarm_in_ms(300);
	EXPECT_EQ(-1, write(fd, http_request, strlen(http_request)));
	EXPECT_EQ(EINTR, errno);
	EXPECT_LE(250, now_ms() - start);

	ASSERT_EQ(0, fwsim_stats(&stats));
	EXPECT_EQ(0, stat_value(&stats, "host_data_bytes"));
	EXPECT_EQ(0, stat_value(&stats, "window_violations"));
	close(fd);
}

/* Writes and reads @len bytes through the echo port and compares them. */
static int echo_roundtrip(struct __test_metadata *_metadata, size_t len)
{
	uint8_t *out = malloc(len), *in = malloc(len);
	size_t written = 0, got = 0;
	long deadline = now_ms() + 60000;
	int fd, ret = -1;

	if (!out || !in)
		goto out_free;
	fill_pattern(out, len);
	fd = open_connected(ECHO_PORT, O_NONBLOCK);
	if (fd < 0) {
		TH_LOG("CONNECT %d: %s", ECHO_PORT, strerror(errno));
		goto out_free;
	}
	while (got < len && now_ms() < deadline) {
		short events = POLLIN | (written < len ? POLLOUT : 0);
		short revents = poll_events(fd, events, 1000);
		ssize_t n;

		if (revents & (POLLERR | POLLHUP)) {
			TH_LOG("poll revents 0x%x after %zu bytes out, %zu in",
			       revents, written, got);
			break;
		}
		if (revents & POLLOUT) {
			n = write(fd, out + written, len - written);
			if (n > 0)
				written += n;
			else if (errno != EAGAIN)
				break;
		}
		if (revents & POLLIN) {
			n = len - got;
			if (n > ECHO_READ_LEN)
				n = ECHO_READ_LEN;
			n = read(fd, in + got, n);
			if (n > 0)
				got += n;
			else if (n == 0 || errno != EAGAIN)
				break;
		}
	}
	close(fd);
	if (got != len)
		TH_LOG("echo returned %zu of %zu bytes (%zu written)", got, len,
		       written);
	else if (memcmp(in, out, len))
		TH_LOG("echoed bytes differ from the bytes written");
	else
		ret = 0;
out_free:
	free(out);
	free(in);
	return ret;
}

TEST_F_TIMEOUT(fault, mib_each_way_intact, TEST_TIMEOUT_S * 3)
{
	struct fw_stats stats;

	ASSERT_EQ(0, fwsim_control("bulk-port"));
	ASSERT_EQ(0, fwsim_stats(&stats));
	ASSERT_EQ(0, echo_roundtrip(_metadata, BULK_LEN));

	ASSERT_EQ(0, fwsim_stats(&stats));
	EXPECT_EQ(BULK_LEN, stat_value(&stats, "host_data_bytes"));
	EXPECT_EQ(BULK_LEN, stat_value(&stats, "fw_data_bytes"));
	EXPECT_EQ(0, stat_value(&stats, "window_violations"));
	EXPECT_GE(MAX_DATA_PAYLOAD, stat_value(&stats, "host_max_data_len"));
	/* Batched adjusts: 1000-byte reads, at most one adjust per KiB. */
	EXPECT_GT(BULK_LEN / 1024, stat_value(&stats, "host_window_adjusts"));
	EXPECT_LT(0, stat_value(&stats, "host_window_adjusts"));
}

TEST_F_TIMEOUT(fault, small_window_is_respected, TEST_TIMEOUT_S)
{
	struct fw_stats stats;

	ASSERT_EQ(0, fwsim_control("bulk-port"));
	ASSERT_EQ(0, fwsim_control("window=100"));
	ASSERT_EQ(0, fwsim_stats(&stats));
	ASSERT_EQ(0, echo_roundtrip(_metadata, 20000));

	ASSERT_EQ(0, fwsim_stats(&stats));
	EXPECT_EQ(20000, stat_value(&stats, "host_data_bytes"));
	EXPECT_EQ(0, stat_value(&stats, "window_violations"));
	EXPECT_GE(100, stat_value(&stats, "host_max_data_len"));
}

TEST_F_TIMEOUT(fault, delayed_reply_times_out, TEST_TIMEOUT_S)
{
	long start, elapsed;
	int fd;

	ASSERT_EQ(0, fwsim_control("delay=3000"));
	ASSERT_EQ(0, fwsim_control("clear"));
	/* Bring the link up first, so the timeout covers the open only. */
	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, fwsim_control("delay=3000"));

	fd = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	start = now_ms();
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, 500));
	EXPECT_EQ(ETIMEDOUT, errno);
	elapsed = now_ms() - start;
	EXPECT_LE(400, elapsed);
	EXPECT_GT(2500, elapsed);

	/* The late confirmation closes the abandoned channel. */
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
	ASSERT_EQ(0, fwsim_control("clear"));
	EXPECT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS))
		TH_LOG("CONNECT retry on the same file: %s", strerror(errno));
	close(fd);
}

TEST_F_TIMEOUT(fault, delayed_reply_signal_eintr, TEST_TIMEOUT_S)
{
	long start;
	int fd;

	ASSERT_EQ(0, fwsim_control("delay=3000"));
	fd = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	start = now_ms();
	alarm_in_ms(300);
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS));
	EXPECT_EQ(EINTR, errno);
	EXPECT_GT(2500, now_ms() - start);
	close(fd);
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
}

/*
 * Brings the link up with one channel, closes it, clears fwsim's counters
 * and delays its CHANNEL_OPEN replies by @ms, so that a signal that comes
 * during CONNECT comes after CHANNEL_OPEN went out.
 */
static void link_up_then_delay(struct __test_metadata *_metadata, long ms)
{
	char knob[32];
	int fd;

	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, wait_channels(0, WAIT_MS));
	ASSERT_EQ(0, fwsim_control("clear"));
	snprintf(knob, sizeof(knob), "delay=%ld", ms);
	ASSERT_EQ(0, fwsim_control(knob));
}

/* Checks that AMT saw one CHANNEL_OPEN and that one channel is open. */
static void expect_one_open(struct __test_metadata *_metadata)
{
	struct fw_stats stats;

	ASSERT_EQ(0, fwsim_stats(&stats));
	EXPECT_EQ(1, stat_value(&stats, "open_requests"));
	EXPECT_EQ(1, read_long(SYSFS_DIR "apf_channels"));
}

TEST_F_TIMEOUT(fault, delayed_reply_signal_then_connect_again, TEST_TIMEOUT_S)
{
	int fd;

	link_up_then_delay(_metadata, 1500);
	fd = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	alarm_in_ms(300);
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS));
	EXPECT_EQ(EINTR, errno);

	/* The repeated CONNECT waits for the reply to the first open. */
	EXPECT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS))
		TH_LOG("CONNECT after EINTR: %s", strerror(errno));
	expect_one_open(_metadata);
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS));
	EXPECT_EQ(EISCONN, errno);
	close(fd);
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
}

TEST_F_TIMEOUT(fault, delayed_reply_signal_restarts, TEST_TIMEOUT_S)
{
	long start;
	int fd;

	link_up_then_delay(_metadata, 1500);
	fd = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	start = now_ms();
	alarm_flags_in_ms(300, SA_RESTART);
	EXPECT_EQ(0, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS))
		TH_LOG("CONNECT with an SA_RESTART handler: %s",
		       strerror(errno));
	EXPECT_LE(1200, now_ms() - start);
	expect_one_open(_metadata);
	close(fd);
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
}

TEST_F_TIMEOUT(fault, open_failure_reason_errno, TEST_TIMEOUT_S)
{
	static const struct {
		unsigned int reason;
		int err;
	} cases[] = {
		{ 1, EACCES },
		{ 2, ECONNREFUSED },
		{ 3, EPROTONOSUPPORT },
		{ 4, EAGAIN },
		{ 99, ECONNREFUSED },
	};
	unsigned int i;
	int fd;

	fd = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, fwsim_control("open-failure=%u", cases[i].reason));
		EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP,
					  CONNECT_TIMEOUT_MS));
		EXPECT_EQ(cases[i].err, errno)
			TH_LOG("reason %u: %s", cases[i].reason, strerror(errno));
	}
	close(fd);
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
}

TEST_F_TIMEOUT(fault, amt_close_eof_after_data, TEST_TIMEOUT_S)
{
	char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, fwsim_control("close-after-data"));
	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(http_request),
		  write(fd, http_request, strlen(http_request)));

	/* Wait for the close, so the response is buffered before EOF. */
	EXPECT_TRUE(poll_events(fd, POLLRDHUP, WAIT_MS) & POLLRDHUP);
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	EXPECT_EQ(0, n);
	buf[got] = '\0';
	EXPECT_EQ(0, strncmp(buf, "HTTP/1.1 ", 9)) TH_LOG("read '%.40s'", buf);
	EXPECT_EQ(-1, write(fd, http_request, strlen(http_request)));
	EXPECT_EQ(EPIPE, errno);
	close(fd);
	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
}

TEST_F_TIMEOUT(fault, close_in_flight_frees_channel, TEST_TIMEOUT_S)
{
	uint8_t buf[16384];
	int fd;

	ASSERT_EQ(0, fwsim_control("bulk-port"));
	fd = open_connected(ECHO_PORT, O_NONBLOCK);
	ASSERT_LE(0, fd);
	fill_pattern(buf, sizeof(buf));
	EXPECT_LT(0, write(fd, buf, sizeof(buf)));
	/* Let the echo fill the receive buffer, then close unread. */
	sleep_ms(200);
	close(fd);

	EXPECT_EQ(0, wait_channels(0, WAIT_MS));
	EXPECT_EQ(0, wait_stat("open_channels", 0));
	EXPECT_EQ(0, wait_stat("host_channel_closes", 1));
}

TEST_F_TIMEOUT(fault, direct_open_rejected, TEST_TIMEOUT_S)
{
	struct fw_stats stats;
	int fd;

	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fwsim_control("direct-open"));
	EXPECT_EQ(0, wait_stat("direct_open_rejected", 1));
	ASSERT_EQ(0, fwsim_stats(&stats));
	/* Reason 1: administratively prohibited. */
	EXPECT_EQ(1, stat_value(&stats, "direct_open_reason"));
	EXPECT_EQ(0, stat_value(&stats, "direct_open_accepted"));
	EXPECT_EQ(0, stat_value(&stats, "disconnects_sent"));
	EXPECT_EQ(POLLOUT, poll_events(fd, POLLIN | POLLOUT, 0));
	close(fd);
}

TEST_F_TIMEOUT(fault, keepalive_answered, TEST_TIMEOUT_S)
{
	struct fw_stats stats;
	int fd;

	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fwsim_control("keepalive"));
	EXPECT_EQ(0, wait_stat("keepalive_ok", 1));
	ASSERT_EQ(0, fwsim_stats(&stats));
	EXPECT_EQ(1, stat_value(&stats, "keepalive_sent"));
	EXPECT_EQ(0, stat_value(&stats, "keepalive_bad"));
	EXPECT_EQ(POLLOUT, poll_events(fd, POLLIN | POLLOUT, 0));
	close(fd);
}

TEST_F_TIMEOUT(fault, bad_messages_reset_link, TEST_TIMEOUT_S * 2)
{
	static const char *const actions[] = {
		"disconnect", "out-of-order", "malformed", "truncated",
	};
	char buf[64];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
		ASSERT_LE(0, fd) TH_LOG("before %s: %s", actions[i],
					strerror(errno));
		ASSERT_EQ(0, fwsim_control("%s", actions[i]));
		EXPECT_TRUE(poll_events(fd, POLLIN, WAIT_MS) & POLLERR)
			TH_LOG("no POLLERR after %s", actions[i]);
		EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
		EXPECT_EQ(ECONNRESET, errno) TH_LOG("after %s", actions[i]);
		close(fd);
		EXPECT_EQ(0, wait_channels(0, WAIT_MS));
	}
	/* A new channel works after the last reset. */
	fd = open_connected(VPRO_AMT_PORT_HTTP, 0);
	ASSERT_LE(0, fd) TH_LOG("after the resets: %s", strerror(errno));
	ASSERT_EQ((ssize_t)strlen(http_request),
		  write(fd, http_request, strlen(http_request)));
	EXPECT_TRUE(poll_events(fd, POLLIN, WAIT_MS) & POLLIN);
	close(fd);
}

TEST_F_TIMEOUT(fault, tls_only_ports, TEST_TIMEOUT_S)
{
	char ports[64];
	int fd;

	ASSERT_EQ(0, fwsim_control("tls-only"));
	fd = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, apf_connect(fd, VPRO_AMT_PORT_HTTP, CONNECT_TIMEOUT_MS));
	EXPECT_EQ(EHOSTUNREACH, errno);
	/* The link stays up for apf_linger_ms after the failed CONNECT. */
	ASSERT_EQ(0, read_line(SYSFS_DIR "apf_ports", ports, sizeof(ports)));
	EXPECT_STREQ("16993 664", ports);
	close(fd);
}

TEST_HARNESS_MAIN
