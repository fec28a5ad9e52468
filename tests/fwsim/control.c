// SPDX-License-Identifier: MIT
/* Control FIFO of the firmware model; see control.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "fault.h"
#include "fwsim.h"

#define CONTROL_LINE_MAX 512

static char line_buf[CONTROL_LINE_MAX];
static size_t line_len;
static bool line_too_long;

int control_open(const char *path)
{
	struct stat st;
	int fd;

	if (mkfifo(path, 0600) && errno != EEXIST) {
		fprintf(stderr, "fwsim: mkfifo %s failed: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (stat(path, &st) || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "fwsim: %s exists and is not a FIFO: remove it or pick another --control path\n",
			path);
		return -1;
	}
	/* Read-write, so the FIFO never reports a hangup between writers. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "fwsim: failed to open %s: %s\n", path,
			strerror(errno));
	return fd;
}

static void control_line(char *line)
{
	size_t len = strlen(line);

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = '\0';
	if (!len || line[0] == '#')
		return;

	fw_log("control: %s", line);
	if (!strcmp(line, "clear")) {
		fw_fault_clear();
		return;
	}
	if (!strncmp(line, "stats ", 6)) {
		if (fw_fault_write_stats(line + 6))
			fw_log("control: writing the counters to '%s' failed: %s",
			       line + 6, strerror(errno));
		return;
	}
	/* fw_fault_apply() prints why a line is invalid; fw_log adds the time. */
	fw_fault_apply(line, stderr);
}

void control_read(int fd)
{
	char chunk[CONTROL_LINE_MAX];
	ssize_t n;
	ssize_t i;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN)
				fw_log("control: read failed: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n') {
				if (line_len < sizeof(line_buf) - 1)
					line_buf[line_len++] = chunk[i];
				else
					line_too_long = true;
				continue;
			}
			line_buf[line_len] = '\0';
			if (line_too_long)
				fw_log("control: line longer than %d bytes ignored",
				       CONTROL_LINE_MAX - 1);
			else
				control_line(line_buf);
			line_len = 0;
			line_too_long = false;
		}
	}
}
