/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by syscall_fuzz_test.c and race_test.c: clocks, the
 * firmware model's process, module commands and a CONNECT plus HTTP
 * exchange that shows /dev/vpro_apf0 works. Functions are static inline
 * so that a program that uses only some of them builds with -Werror.
 */
#ifndef VPRO_GUEST_UTIL_H
#define VPRO_GUEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vpro_heci.h>

#define GU_APF_DEV		"/dev/vpro_apf0"
#define GU_APF_CHANNELS		"/sys/class/vpro/vpro0/apf_channels"
#define GU_MODULE_DIR		"/sys/module/vpro_heci"
/* Where tests/vm/guest-init.sh installs the module in the guest. */
#define GU_MODULE_KO		"/lib/modules/vpro/vpro_heci.ko"
/* The control FIFO that the suite line passes to fwsim with --control. */
#define GU_FWSIM_CONTROL	"/run/fwsim.ctl"
#define GU_IO_TIMEOUT_MS	10000

static inline long gu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static inline void gu_sleep_ms(long ms)
{
	struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&pause, NULL);
}

/* Returns the state letter of /proc/@pid/stat, or 0 if @pid is gone. */
static inline char gu_process_state(pid_t pid)
{
	char path[64], buf[256], *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
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

/* Returns the pid of a running (not zombie) fwsim process, or -1. */
static inline pid_t gu_find_fwsim(void)
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
		char state;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "fwsim\n")) {
			state = gu_process_state(pid);
			if (state && state != 'Z')
				found = pid;
		}
		fclose(f);
	}
	closedir(proc);
	return found;
}

static inline int gu_signal_fwsim(int sig)
{
	pid_t pid = gu_find_fwsim();

	if (pid < 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(pid, sig);
}

/* Waits until @path exists (@present) or not. Returns 0, or -1 on timeout. */
static inline int gu_wait_path(const char *path, int present, long timeout_ms)
{
	long deadline = gu_now_ms() + timeout_ms;

	for (;;) {
		if ((access(path, F_OK) == 0) == !!present)
			return 0;
		if (gu_now_ms() >= deadline)
			return -1;
		gu_sleep_ms(50);
	}
}

/* Reads a decimal number from a sysfs file; returns -1 when unreadable. */
static inline long gu_read_long(const char *path)
{
	char buf[32];
	long value = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		value = strtol(buf, NULL, 10);
	fclose(f);
	return value;
}

/*
 * Opens /dev/vpro_apf0 and connects to port 16992, retrying while the
 * device or the APF link comes back. Returns the file descriptor, or -1
 * with errno of the last attempt after @timeout_ms.
 */
static inline int gu_connect_within(long timeout_ms)
{
	struct vpro_apf_connect req = {
		.port = VPRO_AMT_PORT_HTTP,
		.timeout_ms = 5000,
	};
	long deadline = gu_now_ms() + timeout_ms;
	int fd, err;

	for (;;) {
		fd = open(GU_APF_DEV, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			if (ioctl(fd, VPRO_APF_IOC_CONNECT, &req) == 0)
				return fd;
			err = errno;
			close(fd);
		} else {
			err = errno;
		}
		if (gu_now_ms() >= deadline) {
			errno = err;
			return -1;
		}
		gu_sleep_ms(100);
	}
}

/*
 * Sends a WS-Man POST over a connected channel and reads the status line
 * of the reply, which shows that data flows both ways. Returns 0 or -1.
 */
static inline int gu_http_exchange(int fd)
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
		if (poll(&pfd, 1, GU_IO_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, reply + len, sizeof(reply) - len);
		if (n <= 0)
			return -1;
		len += n;
	}
	return strncmp(reply, "HTTP/1.1 ", 9) ? -1 : 0;
}

/*
 * Checks that the device works: a CONNECT to 16992 within @timeout_ms
 * and one HTTP exchange. Returns 0, or -1 with a message on stderr.
 */
static inline int gu_device_works(long timeout_ms)
{
	int fd, ret;

	fd = gu_connect_within(timeout_ms);
	if (fd < 0) {
		fprintf(stderr, "CONNECT to 16992 failed for %ld ms: %s\n",
			timeout_ms, strerror(errno));
		return -1;
	}
	ret = gu_http_exchange(fd);
	if (ret)
		fprintf(stderr, "HTTP exchange over 16992 failed\n");
	close(fd);
	return ret;
}

/* Waits up to @timeout_ms for apf_channels to read 0; returns the last value. */
static inline long gu_wait_no_channels(long timeout_ms)
{
	long deadline = gu_now_ms() + timeout_ms;
	long count;

	for (;;) {
		count = gu_read_long(GU_APF_CHANNELS);
		if (count == 0 || gu_now_ms() >= deadline)
			return count;
		gu_sleep_ms(100);
	}
}

/* Runs @argv quietly and returns its exit status, or -1. */
static inline int gu_run_command(char *const argv[])
{
	int status, null_fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		null_fd = open("/dev/null", O_WRONLY);
		if (null_fd >= 0) {
			dup2(null_fd, STDOUT_FILENO);
			dup2(null_fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Returns the kernel taint flags: bit 7 is an oops, bit 9 a warning. */
static inline long gu_read_taint(void)
{
	return gu_read_long("/proc/sys/kernel/tainted");
}

#define GU_TAINT_DIE		(1L << 7)
#define GU_TAINT_WARN		(1L << 9)

#endif /* VPRO_GUEST_UTIL_H */
