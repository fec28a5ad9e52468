// SPDX-License-Identifier: MIT
/* Timestamped log lines to --log FILE, or to stderr without it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#include "peer.h"

static FILE *log_file;

int log_open(const char *path)
{
	if (!path) {
		log_file = stderr;
		return 0;
	}
	log_file = fopen(path, "a");
	if (!log_file) {
		fprintf(stderr, "rps-peer: cannot open log file %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void log_msg(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;
	FILE *out = log_file ? log_file : stderr;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(out, "%s.%03ld rps-peer: ", stamp, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}
