// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD library for eintr_test.sh: a storm of signals from inside
 * the program. Before main() it installs a SIGUSR2 handler without
 * SA_RESTART and starts a timer that raises SIGUSR2 every
 * $EINTR_PRELOAD_PERIOD_US microseconds (default 2000), so that the
 * blocking system calls of the program keep failing with EINTR. At exit
 * it writes the number of signals caught to the file named by
 * $EINTR_PRELOAD_COUNT, so that the test can tell that they arrived.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DEFAULT_PERIOD_US	2000

static volatile sig_atomic_t signals_caught;

static void count_signal(int sig)
{
	(void)sig;
	signals_caught = signals_caught + 1;
}

static void write_count(void)
{
	const char *path = getenv("EINTR_PRELOAD_COUNT");
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%ld\n", (long)signals_caught);
	fclose(f);
}

static long period_us(void)
{
	const char *text = getenv("EINTR_PRELOAD_PERIOD_US");
	long us = text ? strtol(text, NULL, 10) : 0;

	return us > 0 && us < 1000000 ? us : DEFAULT_PERIOD_US;
}

__attribute__((constructor)) static void start_storm(void)
{
	struct sigaction sa = { .sa_handler = count_signal };
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGUSR2,
	};
	struct itimerspec its = { 0 };
	timer_t timer;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL)) {
		perror("eintr_preload: sigaction");
		return;
	}
	atexit(write_count);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		perror("eintr_preload: timer_create");
		return;
	}
	its.it_interval.tv_nsec = period_us() * 1000;
	its.it_value = its.it_interval;
	if (timer_settime(timer, 0, &its, NULL))
		perror("eintr_preload: timer_settime");
}
