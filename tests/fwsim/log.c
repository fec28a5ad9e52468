// SPDX-License-Identifier: MIT
/* Logging for the firmware model: one line per message on stderr. */

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "fwsim.h"

void fw_log(const char *fmt, ...)
{
	struct timespec now;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "fwsim[%ld.%03ld]: ", (long)now.tv_sec,
		now.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
