// SPDX-License-Identifier: MIT
/*
 * Guest test of /dev/vpro_apf0 across an ME reset, the removal of the MEI
 * device and a module unload attempt, against the firmware model (SKU
 * amt). The suite runner starts fwsim. SIGUSR1 makes fwsim simulate an ME
 * reset, and SIGTERM makes it close /dev/mesim, which removes the MEI
 * device.
 *
 * An ME reset makes the MEI core (6.1 and 6.12) remove every client
 * device and add new ones once the firmware enumerated its clients again,
 * so the files of the old device end with ENODEV. ECONNRESET is accepted
 * too because a send that fails before the removal resets the link first.
 *
 * The last two tests reload the module and replace fwsim.
 * device_removal_fails_open_files stops the runner's fwsim and leaves none
 * running, so it must stay last.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vpro_heci.h>

#include "kselftest_harness.h"

#define APF_DEV			"/dev/vpro_apf0"
#define MEI_DEV			"/dev/mei0"
#define MAX_CHANNELS_PARAM	"/sys/module/vpro_heci/parameters/max_channels"
#define MODULE_DIR		"/sys/module/vpro_heci"
#define APF_STATE		"/sys/class/vpro/vpro0/apf_state"
/* Where tests/vm/guest-init.sh installs the module in the guest. */
#define MODULE_KO		"/lib/modules/vpro/vpro_heci.ko"
#define OWN_FWSIM_READY		"/run/apf_reset_test.fwsim.ready"
#define OWN_FWSIM_LOG		"/tmp/apf_reset_test.fwsim.log"

#define CONNECT_TIMEOUT_MS	5000
/* Bound of every wait for the device to go away or come back. */
#define RECOVER_TIMEOUT_MS	10000
#define FWSIM_READY_TIMEOUT_MS	20000
#define IO_TIMEOUT_MS		10000
#define CYCLES			50
#define HELD_ACROSS_RESET	3
#define TEST_TIMEOUT_S		90
/* Files opened to reuse the memory of a freed channel. */
#define REUSE_FILES		32

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&pause, NULL);
}

/* Returns the state letter of /proc/@pid/stat, or 0 if @pid is gone. */
static char process_state(pid_t pid)
{
	char path[64], buf[256], *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* Finds the running (not zombie) fwsim process, or returns -1. */
static pid_t find_fwsim(void)
{
	char path[64], comm[32];
	struct dirent *de;
	pid_t found = -1;
	DIR *proc;
	FILE *f;

	proc = opendir("/proc");
	if (!proc)
		return -1;
	while (found < 0 && (de = readdir(proc))) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    strcmp(comm, "fwsim\n") == 0) {
			char state = process_state(pid);

			if (state && state != 'Z')
				found = pid;
		}
		fclose(f);
	}
	closedir(proc);
	return found;
}

/* Waits until @pid exited (gone or a zombie). Returns 0, or -1 on timeout. */
static int wait_process_exit(pid_t pid, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	char state;

	for (;;) {
		state = process_state(pid);
		if (!state || state == 'Z')
			return 0;
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(50);
	}
}

/* Waits until @path exists (@present) or not. Returns 0, or -1 on timeout. */
static int wait_path(const char *path, int present, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		if ((access(path, F_OK) == 0) == !!present)
			return 0;
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(50);
	}
}

static int apf_connect(int fd)
{
	struct vpro_apf_connect req = {
		.port = VPRO_AMT_PORT_HTTP,
		.timeout_ms = CONNECT_TIMEOUT_MS,
	};

	return ioctl(fd, VPRO_APF_IOC_CONNECT, &req);
}

/*
 * Opens /dev/vpro_apf0 and connects to port 16992, retrying while the
 * device or the link comes back after a reset. Returns the file
 * descriptor, or -1 with errno of the last attempt after @timeout_ms.
 */
static int connect_within(long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int fd, err;

	for (;;) {
		fd = open(APF_DEV, O_RDWR);
		if (fd >= 0) {
			if (apf_connect(fd) == 0)
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

/* Waits for poll() on @fd to report one of @wanted and returns revents. */
static short wait_revents(int fd, short wanted, long timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			return 0;
		if (pfd.revents & wanted)
			return pfd.revents;
		if (now_ms() >= deadline)
			return pfd.revents;
	}
}

/* Returns the poll() events of @fd without waiting. */
static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&pfd, 1, 0) < 0)
		return -1;
	return pfd.revents;
}

/* The errno of a channel whose device was reset or removed. */
static int is_reset_errno(int err)
{
	return err == ENODEV || err == ECONNRESET;
}

/*
 * Sends an HTTP request over a connected channel and reads the status
 * line of the reply, which shows that data flows both ways.
 */
static int http_exchange(int fd)
{
	static const char request[] =
		"POST /wsman HTTP/1.1\r\n"
		"Host: 127.0.0.1:16992\r\n"
		"Content-Length: 0\r\n"
		"Connection: close\r\n"
		"\r\n";
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char reply[16];
	size_t len = 0;
	ssize_t n;

	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		return -1;
	while (len < 9) {
		if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, reply + len, sizeof(reply) - len);
		if (n <= 0)
			return -1;
		len += n;
	}
	return strncmp(reply, "HTTP/1.1 ", 9) == 0 ? 0 : -1;
}

static int send_signal_to_fwsim(int sig)
{
	pid_t pid = find_fwsim();

	if (pid < 0)
		return -1;
	return kill(pid, sig);
}

/* Reads a decimal module parameter, or returns -1 when it is missing. */
static long read_param(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "r");
	long value = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		value = strtol(buf, NULL, 10);
	fclose(f);
	return value;
}

/* Runs @argv (a busybox applet in the guest) and returns its exit status. */
static int run_command(char *const argv[])
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Starts fwsim --sku amt, waits for its ready file and returns its pid. */
static pid_t start_own_fwsim(void)
{
	pid_t pid;
	int fd;

	unlink(OWN_FWSIM_READY);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(OWN_FWSIM_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("fwsim", "fwsim", "--sku", "amt", "--ready-file",
		       OWN_FWSIM_READY, (char *)NULL);
		_exit(127);
	}
	if (wait_path(OWN_FWSIM_READY, 1, FWSIM_READY_TIMEOUT_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Stops a fwsim started by this test and returns its exit status. */
static int stop_own_fwsim(pid_t pid)
{
	long deadline = now_ms() + RECOVER_TIMEOUT_MS;
	int status;
	pid_t ret;

	kill(pid, SIGTERM);
	while ((ret = waitpid(pid, &status, WNOHANG)) == 0 &&
	       now_ms() < deadline)
		sleep_ms(50);
	if (ret != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

FIXTURE(apf) {
	int unused;
};

FIXTURE_SETUP(apf)
{
	ASSERT_LT(0, find_fwsim()) {
		TH_LOG("fwsim is not running: run this test from the VM suite runner");
	}
	ASSERT_EQ(0, wait_path(APF_DEV, 1, RECOVER_TIMEOUT_MS)) {
		TH_LOG("%s missing: is vpro_heci.ko loaded?", APF_DEV);
	}
}

FIXTURE_TEARDOWN(apf)
{
}

TEST_F_TIMEOUT(apf, reset_fails_idle_channel, TEST_TIMEOUT_S)
{
	struct vpro_apf_connect req = {
		.port = VPRO_AMT_PORT_HTTP,
		.timeout_ms = CONNECT_TIMEOUT_MS,
	};
	int fd, fd2, unconnected;
	char byte = 'x';
	short revents;

	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992 before the reset: %s", strerror(errno));
	}
	unconnected = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, unconnected);
	ASSERT_EQ(0, send_signal_to_fwsim(SIGUSR1));

	revents = wait_revents(fd, POLLERR | POLLHUP, RECOVER_TIMEOUT_MS);
	EXPECT_TRUE(revents & POLLERR) {
		TH_LOG("poll revents after the reset: 0x%x", revents);
	}
	EXPECT_TRUE(revents & POLLHUP) {
		TH_LOG("poll revents after the reset: 0x%x", revents);
	}

	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_TRUE(is_reset_errno(errno)) {
		TH_LOG("read after the reset: %s", strerror(errno));
	}
	EXPECT_EQ(-1, write(fd, &byte, 1));
	EXPECT_TRUE(is_reset_errno(errno)) {
		TH_LOG("write after the reset: %s", strerror(errno));
	}
	EXPECT_EQ(0, close(fd));

	/* A file opened before the reset belongs to the old device. */
	EXPECT_EQ(-1, ioctl(unconnected, VPRO_APF_IOC_CONNECT, &req));
	EXPECT_TRUE(is_reset_errno(errno)) {
		TH_LOG("CONNECT on a file opened before the reset: %s",
		       strerror(errno));
	}
	EXPECT_EQ(0, close(unconnected));

	fd2 = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd2) {
		TH_LOG("CONNECT 16992 after the reset: %s", strerror(errno));
	}
	EXPECT_EQ(0, http_exchange(fd2));
	EXPECT_EQ(0, close(fd2));
}

struct blocked_read {
	int fd;
	ssize_t ret;
	int err;
	long returned_ms;
};

static void *read_thread(void *arg)
{
	struct blocked_read *r = arg;
	char buf[64];

	r->ret = read(r->fd, buf, sizeof(buf));
	r->err = errno;
	r->returned_ms = now_ms();
	return NULL;
}

/* Waits until thread @tid sleeps, which means its read() blocked. */
static int wait_thread_sleeping(pid_t tid, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	while (now_ms() < deadline) {
		char buf[256], *paren;
		FILE *f = fopen(path, "r");

		if (!f)
			return -1;
		paren = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (paren && paren[1] == ' ' && paren[2] == 'S')
			return 0;
		sleep_ms(20);
	}
	return -1;
}

struct thread_start {
	struct blocked_read *r;
	pid_t tid;
};

static void *read_thread_start(void *arg)
{
	struct thread_start *s = arg;

	__atomic_store_n(&s->tid, gettid(), __ATOMIC_RELEASE);
	return read_thread(s->r);
}

TEST_F_TIMEOUT(apf, reset_wakes_blocked_read, TEST_TIMEOUT_S)
{
	struct blocked_read r = { .ret = 0 };
	struct thread_start s = { .r = &r };
	struct timespec deadline;
	pthread_t thread;
	long reset_ms;
	int fd, i;

	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	r.fd = fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, read_thread_start, &s));
	for (i = 0; i < 100 && !__atomic_load_n(&s.tid, __ATOMIC_ACQUIRE); i++)
		sleep_ms(10);
	ASSERT_NE(0, s.tid);
	ASSERT_EQ(0, wait_thread_sleeping(s.tid, IO_TIMEOUT_MS)) {
		TH_LOG("the reader thread never blocked in read()");
	}

	/* A hang kills the process with SIGALRM, which fails the test. */
	alarm(RECOVER_TIMEOUT_MS / 1000 + 5);
	reset_ms = now_ms();
	ASSERT_EQ(0, send_signal_to_fwsim(SIGUSR1));
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RECOVER_TIMEOUT_MS / 1000;
	ASSERT_EQ(0, pthread_timedjoin_np(thread, NULL, &deadline)) {
		TH_LOG("read() still blocked %d s after the reset",
		       RECOVER_TIMEOUT_MS / 1000);
	}
	alarm(0);

	EXPECT_EQ(-1, r.ret);
	EXPECT_TRUE(is_reset_errno(r.err)) {
		TH_LOG("blocked read after the reset: %s", strerror(r.err));
	}
	TH_LOG("read returned %ld ms after the reset signal",
	       r.returned_ms - reset_ms);
	EXPECT_EQ(0, close(fd));

	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992 after the reset: %s", strerror(errno));
	}
	EXPECT_EQ(0, close(fd));
}

/*
 * Resets the ME while LME stays connected after the last channel closed
 * (the apf_linger_ms timer is pending). CONNECT must work afterwards.
 */
TEST_F_TIMEOUT(apf, reset_during_linger, TEST_TIMEOUT_S)
{
	char state[32] = "";
	int fd, witness;
	FILE *f;

	/* An unconnected file reports POLLERR once its device is removed. */
	witness = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, witness);
	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	ASSERT_EQ(0, close(fd));

	/* The default linger time is 2 s, so the link is still up here. */
	f = fopen(APF_STATE, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(state, sizeof(state), f));
	fclose(f);
	EXPECT_EQ(0, strcmp(state, "up\n")) {
		TH_LOG("%s before the reset: %s", APF_STATE, state);
	}

	/*
	 * fwsim resets the ME from its main loop, so a CONNECT right after
	 * the signal could still reach the old device before the reset.
	 */
	ASSERT_EQ(0, send_signal_to_fwsim(SIGUSR1));
	ASSERT_TRUE(wait_revents(witness, POLLERR, RECOVER_TIMEOUT_MS) & POLLERR) {
		TH_LOG("the device was not removed after the reset");
	}
	EXPECT_EQ(0, close(witness));

	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992 after the reset: %s", strerror(errno));
	}
	EXPECT_EQ(0, http_exchange(fd));
	EXPECT_EQ(0, close(fd));
}

/*
 * Runs open/CONNECT/close cycles with a reset in the middle while channels
 * are open. Then exactly max_channels CONNECTs must succeed at once and
 * one more must fail with EBUSY, so the channel count neither leaked nor
 * went below zero.
 */
TEST_F_TIMEOUT(apf, cycles_across_reset_free_channels, TEST_TIMEOUT_S * 2)
{
	int held[HELD_ACROSS_RESET];
	long max_channels;
	short revents;
	int fds[64];
	int extra, fd, i, j;

	max_channels = read_param(MAX_CHANNELS_PARAM);
	ASSERT_LT(0, max_channels);
	ASSERT_GT((long)(sizeof(fds) / sizeof(fds[0])), max_channels);

	for (i = 0; i < CYCLES; i++) {
		if (i == CYCLES / 2) {
			for (j = 0; j < HELD_ACROSS_RESET; j++) {
				held[j] = connect_within(RECOVER_TIMEOUT_MS);
				ASSERT_LE(0, held[j]) {
					TH_LOG("held CONNECT %d: %s", j,
					       strerror(errno));
				}
			}
			ASSERT_EQ(0, send_signal_to_fwsim(SIGUSR1));
			for (j = 0; j < HELD_ACROSS_RESET; j++) {
				revents = wait_revents(held[j], POLLERR,
						       RECOVER_TIMEOUT_MS);
				EXPECT_TRUE(revents & POLLERR) {
					TH_LOG("held channel %d: revents 0x%x",
					       j, revents);
				}
				EXPECT_EQ(0, close(held[j]));
			}
		}
		fd = connect_within(RECOVER_TIMEOUT_MS);
		ASSERT_LE(0, fd) {
			TH_LOG("cycle %d: CONNECT 16992: %s", i,
			       strerror(errno));
		}
		ASSERT_EQ(0, close(fd));
	}

	for (i = 0; i < max_channels; i++) {
		fds[i] = open(APF_DEV, O_RDWR);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, apf_connect(fds[i])) {
			TH_LOG("simultaneous CONNECT %d of %ld: %s", i + 1,
			       max_channels, strerror(errno));
		}
	}
	extra = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, extra);
	EXPECT_EQ(-1, apf_connect(extra));
	EXPECT_EQ(EBUSY, errno) {
		TH_LOG("CONNECT beyond max_channels: %s", strerror(errno));
	}
	EXPECT_EQ(0, close(extra));
	for (i = 0; i < max_channels; i++)
		EXPECT_EQ(0, close(fds[i]));
}

/* Waits until process @pid is stopped by SIGSTOP. */
static int wait_process_stopped(pid_t pid, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	while (now_ms() < deadline) {
		if (process_state(pid) == 'T')
			return 0;
		sleep_ms(20);
	}
	return -1;
}

/*
 * Times out a CONNECT after CHANNEL_OPEN was sent (fwsim is stopped, so
 * AMT never replies in time) on a file that epoll watches. CONNECT must
 * fail with ETIMEDOUT. A reset then frees the abandoned channel, and the
 * test allocates new channels over its memory before it closes the epoll
 * file. An epoll entry left on the freed channel's wait queue shows up as
 * "list_del corruption" (CONFIG_DEBUG_LIST) in the guest kernel log.
 */
TEST_F_TIMEOUT(apf, abandoned_connect_then_reset, TEST_TIMEOUT_S)
{
	struct vpro_apf_connect req = {
		.port = VPRO_AMT_PORT_HTTP,
		.timeout_ms = 300,
	};
	struct epoll_event event = { .events = EPOLLIN | EPOLLOUT };
	int held, fd, epfd, i, n;
	int reuse[REUSE_FILES];
	char byte;
	pid_t fwsim;

	held = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, held) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	fd = open(APF_DEV, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	epfd = epoll_create1(0);
	ASSERT_LE(0, epfd);
	ASSERT_EQ(0, epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event));

	fwsim = find_fwsim();
	ASSERT_LT(0, fwsim);
	ASSERT_EQ(0, kill(fwsim, SIGSTOP));
	EXPECT_EQ(0, wait_process_stopped(fwsim, IO_TIMEOUT_MS));
	EXPECT_EQ(-1, ioctl(fd, VPRO_APF_IOC_CONNECT, &req));
	EXPECT_EQ(ETIMEDOUT, errno) {
		TH_LOG("CONNECT with AMT not replying: %s", strerror(errno));
	}
	ASSERT_EQ(0, kill(fwsim, SIGCONT));

	/* The file's channel is idle again, so it is not connected. */
	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_EQ(ENOTCONN, errno) {
		TH_LOG("read after the timed out CONNECT: %s", strerror(errno));
	}

	ASSERT_EQ(0, send_signal_to_fwsim(SIGUSR1));
	EXPECT_TRUE(wait_revents(held, POLLERR, RECOVER_TIMEOUT_MS) & POLLERR);
	ASSERT_EQ(0, wait_path(APF_DEV, 1, RECOVER_TIMEOUT_MS));
	for (n = 0; n < REUSE_FILES; n++) {
		reuse[n] = open(APF_DEV, O_RDWR);
		if (reuse[n] < 0)
			break;
	}
	EXPECT_EQ(0, close(epfd));
	for (i = 0; i < n; i++)
		close(reuse[i]);
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(held));

	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992 after the reset: %s", strerror(errno));
	}
	EXPECT_EQ(0, close(fd));
}

TEST_F_TIMEOUT(apf, unload_busy_while_open, TEST_TIMEOUT_S)
{
	char *rmmod[] = { "rmmod", "vpro_heci", NULL };
	char *insmod[] = { "insmod", MODULE_KO, NULL };
	int fd;

	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}

	/* delete_module() fails with EWOULDBLOCK while a file pins the module. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "vpro_heci", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno) {
		TH_LOG("delete_module with an open file: %s", strerror(errno));
	}
	EXPECT_NE(0, run_command(rmmod));
	EXPECT_EQ(0, access(MODULE_DIR, F_OK));
	EXPECT_EQ(0, http_exchange(fd));
	EXPECT_EQ(0, close(fd));

	ASSERT_EQ(0, run_command(rmmod));
	EXPECT_EQ(0, wait_path(MODULE_DIR, 0, RECOVER_TIMEOUT_MS));
	EXPECT_NE(0, access(APF_DEV, F_OK));

	ASSERT_EQ(0, run_command(insmod)) {
		TH_LOG("insmod %s failed", MODULE_KO);
	}
	fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, fd) {
		TH_LOG("CONNECT 16992 after insmod: %s", strerror(errno));
	}
	EXPECT_EQ(0, http_exchange(fd));
	EXPECT_EQ(0, close(fd));
}

/* Checks the errors of a file whose device is gone. */
static void check_removed_file(struct __test_metadata *_metadata, int fd,
			       const char *name)
{
	struct vpro_apf_connect req = {
		.port = VPRO_AMT_PORT_HTTP,
		.timeout_ms = CONNECT_TIMEOUT_MS,
	};
	char byte = 'x';
	short revents;

	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_EQ(ENODEV, errno) {
		TH_LOG("%s: read after removal: %s", name, strerror(errno));
	}
	EXPECT_EQ(-1, write(fd, &byte, 1));
	EXPECT_EQ(ENODEV, errno) {
		TH_LOG("%s: write after removal: %s", name, strerror(errno));
	}
	EXPECT_EQ(-1, ioctl(fd, VPRO_APF_IOC_CONNECT, &req));
	EXPECT_EQ(ENODEV, errno) {
		TH_LOG("%s: CONNECT after removal: %s", name, strerror(errno));
	}
	revents = poll_now(fd);
	EXPECT_EQ(POLLERR | POLLHUP, revents & (POLLERR | POLLHUP)) {
		TH_LOG("%s: poll revents after removal: 0x%x", name, revents);
	}
}

/* A thread that writes to a channel until write() fails. */
struct blocked_write {
	int fd;
	pid_t tid;
	ssize_t ret;
	int err;
};

static void *write_thread(void *arg)
{
	static char buf[65536];
	struct blocked_write *w = arg;
	int i;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	/* AMT's window closes after a few writes because fwsim is stopped. */
	for (i = 0; i < 10000; i++) {
		w->ret = write(w->fd, buf, sizeof(buf));
		if (w->ret < 0)
			break;
	}
	w->err = errno;
	return NULL;
}

/* Stops the runner's fwsim, so it must be the last test. */
TEST_F_TIMEOUT(apf, device_removal_fails_open_files, TEST_TIMEOUT_S)
{
	struct blocked_write w = { .ret = 0 };
	pid_t runner_fwsim, own_fwsim;
	struct timespec deadline;
	pthread_t thread;
	short revents;
	int connected, idle, fd, i;

	connected = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, connected) {
		TH_LOG("CONNECT 16992: %s", strerror(errno));
	}
	idle = open(APF_DEV, O_RDWR);
	ASSERT_LE(0, idle);
	w.fd = connect_within(RECOVER_TIMEOUT_MS);
	ASSERT_LE(0, w.fd) {
		TH_LOG("CONNECT 16992 for the writer: %s", strerror(errno));
	}

	/* With fwsim stopped, the writer blocks on AMT's closed window. */
	runner_fwsim = find_fwsim();
	ASSERT_LT(0, runner_fwsim);
	ASSERT_EQ(0, kill(runner_fwsim, SIGSTOP));
	EXPECT_EQ(0, wait_process_stopped(runner_fwsim, IO_TIMEOUT_MS));
	ASSERT_EQ(0, pthread_create(&thread, NULL, write_thread, &w));
	for (i = 0; i < 100 && !__atomic_load_n(&w.tid, __ATOMIC_ACQUIRE); i++)
		sleep_ms(10);
	ASSERT_NE(0, w.tid);
	EXPECT_EQ(0, wait_thread_sleeping(w.tid, IO_TIMEOUT_MS)) {
		TH_LOG("the writer thread never blocked in write()");
	}

	ASSERT_EQ(0, kill(runner_fwsim, SIGTERM));
	ASSERT_EQ(0, kill(runner_fwsim, SIGCONT));
	ASSERT_EQ(0, wait_process_exit(runner_fwsim, RECOVER_TIMEOUT_MS)) {
		TH_LOG("fwsim %d still running after SIGTERM", runner_fwsim);
	}
	EXPECT_EQ(0, wait_path(MEI_DEV, 0, RECOVER_TIMEOUT_MS));
	EXPECT_EQ(0, wait_path(APF_DEV, 0, RECOVER_TIMEOUT_MS));

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RECOVER_TIMEOUT_MS / 1000;
	ASSERT_EQ(0, pthread_timedjoin_np(thread, NULL, &deadline)) {
		TH_LOG("write() still blocked %d s after removal",
		       RECOVER_TIMEOUT_MS / 1000);
	}
	EXPECT_EQ(-1, w.ret);
	EXPECT_TRUE(is_reset_errno(w.err)) {
		TH_LOG("blocked write after removal: %s", strerror(w.err));
	}
	EXPECT_EQ(0, close(w.fd));

	revents = wait_revents(connected, POLLERR | POLLHUP, RECOVER_TIMEOUT_MS);
	EXPECT_TRUE(revents & POLLERR) {
		TH_LOG("poll revents after removal: 0x%x", revents);
	}
	check_removed_file(_metadata, connected, "connected file");
	check_removed_file(_metadata, idle, "unconnected file");

	/* The files of the removed device still pin the module. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "vpro_heci", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno) {
		TH_LOG("delete_module with files of a removed device: %s",
		       strerror(errno));
	}
	EXPECT_EQ(0, close(connected));
	EXPECT_EQ(0, close(idle));

	own_fwsim = start_own_fwsim();
	ASSERT_LT(0, own_fwsim) {
		TH_LOG("the test's fwsim did not get ready; see %s",
		       OWN_FWSIM_LOG);
	}
	fd = connect_within(RECOVER_TIMEOUT_MS);
	EXPECT_LE(0, fd) {
		TH_LOG("CONNECT 16992 after fwsim restarted: %s",
		       strerror(errno));
	}
	if (fd >= 0) {
		EXPECT_EQ(0, http_exchange(fd));
		EXPECT_EQ(0, close(fd));
	}
	EXPECT_EQ(0, stop_own_fwsim(own_fwsim));
	EXPECT_EQ(0, wait_path(MEI_DEV, 0, RECOVER_TIMEOUT_MS));
}

TEST_HARNESS_MAIN
