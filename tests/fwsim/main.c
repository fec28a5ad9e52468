// SPDX-License-Identifier: MIT
/*
 * fwsim: emulates the ME firmware behind /dev/mesim (see mesim.ko). A
 * single-threaded poll loop reads host frames, handles them and writes
 * the replies.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "fault.h"
#include "fwsim.h"
#include "hbm.h"
#include "../mesim/mesim_uapi.h"

#define EXIT_USAGE 2

/* Frames read per loop turn, so replies go out between bursts. */
#define READ_BURST 64

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reset_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		reset_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fwsim [--sku amt|ism|none] [--mode 0|1|2] [--state pre|in|post]\n"
		"             [--uuid UUID] [-v] [--ready-file PATH] [--bench-port PORT]\n"
		"Plays the Intel ME firmware (HBM, AMTHI, LME) behind %s.\n"
		"  --sku SKU         firmware kind: amt (default), ism, or none (no AMTHI/LME)\n"
		"  --mode N          AMT control mode: 0 none (default), 1 CCM, 2 ACM\n"
		"  --state S         provisioning state: pre (default), in, post;\n"
		"                    defaults to post when --mode is 1 or 2\n"
		"  --uuid UUID       system UUID, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\n"
		"  -v, --verbose     log every frame\n"
		"  --ready-file PATH write PATH each time the host finished enumeration:\n"
		"                    its MEI device is ENABLED and lists every client\n"
		"  --bench-port PORT announce APF port PORT (e.g. 16999) answering benchmark\n"
		"                    requests, and add the benchmark echo client (see\n"
		"                    tests/fwsim/bench_port.h); off by default\n"
		"  --fault NAME[=VALUE]  set a fault knob or queue an action (repeatable)\n"
		"  --control PATH    create a FIFO at PATH and run the lines written to it\n"
		"SIGUSR1 simulates an ME reset (MESIM_IOC_RESET): the host restarts HBM.\n"
		"Stops with exit status 0 on SIGTERM or SIGINT.\n",
		MESIM_DEVICE);
	fw_fault_usage(out);
}

static int bad_arg(const char *opt, const char *value, const char *expected)
{
	fprintf(stderr, "fwsim: invalid %s '%s': expected %s\n", opt, value,
		expected);
	fprintf(stderr, "Try 'fwsim --help'.\n");
	return EXIT_USAGE;
}

/* Returns -1 when the options are valid, else the exit status. */
static int parse_args(int argc, char **argv, const char **ready_file,
		      const char **control_path)
{
	enum { OPT_SKU = 256, OPT_MODE, OPT_STATE, OPT_UUID, OPT_READY,
	       OPT_BENCH_PORT, OPT_FAULT, OPT_CONTROL };
	static const struct option options[] = {
		{ "sku", required_argument, NULL, OPT_SKU },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "uuid", required_argument, NULL, OPT_UUID },
		{ "ready-file", required_argument, NULL, OPT_READY },
		{ "bench-port", required_argument, NULL, OPT_BENCH_PORT },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool state_given = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_SKU:
			if (!strcmp(optarg, "amt"))
				fw_state.sku = FW_SKU_AMT;
			else if (!strcmp(optarg, "ism"))
				fw_state.sku = FW_SKU_ISM;
			else if (!strcmp(optarg, "none"))
				fw_state.sku = FW_SKU_NONE;
			else
				return bad_arg("--sku", optarg, "amt, ism or none");
			break;
		case OPT_MODE:
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '2')
				return bad_arg("--mode", optarg,
					       "0 (none), 1 (CCM) or 2 (ACM)");
			fw_state.control_mode = (uint32_t)(optarg[0] - '0');
			break;
		case OPT_STATE:
			if (!strcmp(optarg, "pre"))
				fw_state.provisioning_state = 0;
			else if (!strcmp(optarg, "in"))
				fw_state.provisioning_state = 1;
			else if (!strcmp(optarg, "post"))
				fw_state.provisioning_state = 2;
			else
				return bad_arg("--state", optarg, "pre, in or post");
			state_given = true;
			break;
		case OPT_UUID:
			if (fw_state_parse_uuid(optarg, fw_state.uuid))
				return bad_arg("--uuid", optarg,
					       "36 characters, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hex");
			break;
		case OPT_READY:
			if (!optarg[0])
				return bad_arg("--ready-file", optarg, "a file path");
			*ready_file = optarg;
			break;
		case OPT_BENCH_PORT: {
			char *end;
			unsigned long port = strtoul(optarg, &end, 10);

			if (!optarg[0] || *end || port == 0 || port > 65535 ||
			    port == 16992 || port == 623)
				return bad_arg("--bench-port", optarg,
					       "a TCP port from 1 to 65535 other than 16992 and 623");
			fw_state.bench_port = (uint16_t)port;
			break;
		}
		case OPT_FAULT:
			/* Without a link, only actions with =N are accepted. */
			if (fw_fault_apply(optarg, stderr)) {
				fprintf(stderr, "Try 'fwsim --help'.\n");
				return EXIT_USAGE;
			}
			break;
		case OPT_CONTROL:
			if (!optarg[0])
				return bad_arg("--control", optarg, "a FIFO path");
			*control_path = optarg;
			break;
		case 'v':
			fw_state.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'fwsim --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fwsim: unexpected argument '%s'\nTry 'fwsim --help'.\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!state_given && fw_state.control_mode != 0)
		fw_state.provisioning_state = 2;
	return -1;
}

/* Reads up to READ_BURST frames; returns -1 on a device error. */
static int read_frames(int fd)
{
	uint8_t frame[MESIM_MAX_FRAME];
	int i;

	for (i = 0; i < READ_BURST; i++) {
		ssize_t n = read(fd, frame, sizeof(frame));

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fw_log("read %s failed: %s", MESIM_DEVICE, strerror(errno));
			return -1;
		}
		hbm_handle_frame(frame, (size_t)n);
	}
	return 0;
}

/* Returns the smaller poll timeout in ms, where -1 means none. */
static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* @control_fd is the control FIFO, or -1 without --control. */
static int run(int fd, int control_fd, const sigset_t *wait_mask)
{
	while (!stop_requested) {
		struct pollfd pfds[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = control_fd, .events = POLLIN },
		};
		struct pollfd *pfd = &pfds[0];
		struct timespec timeout;
		int flushed, timeout_ms;

		lme_run_timers();
		if (fw_fault_take_reset())
			reset_requested = 1;
		if (reset_requested) {
			reset_requested = 0;
			fw_log("simulating an ME reset");
			if (ioctl(fd, MESIM_IOC_RESET) < 0)
				fw_log("MESIM_IOC_RESET failed: %s", strerror(errno));
		}

		flushed = hbm_flush();

		if (flushed < 0) {
			fw_log("write %s failed: %s", MESIM_DEVICE, strerror(errno));
			return 1;
		}
		if (flushed > 0)
			pfd->events |= POLLOUT;

		timeout_ms = min_timeout(hbm_ready_poll_ms(), lme_timer_ms());
		if (timeout_ms >= 0) {
			timeout.tv_sec = timeout_ms / 1000;
			timeout.tv_nsec = (timeout_ms % 1000) * 1000000L;
		}
		if (ppoll(pfds, control_fd >= 0 ? 2 : 1,
			  timeout_ms >= 0 ? &timeout : NULL, wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			fw_log("poll %s failed: %s", MESIM_DEVICE, strerror(errno));
			return 1;
		}
		if (pfd->revents & (POLLERR | POLLNVAL)) {
			fw_log("%s reported an error (revents 0x%x)", MESIM_DEVICE,
			       pfd->revents);
			return 1;
		}
		if ((pfd->revents & POLLIN) && read_frames(fd) < 0)
			return 1;
		if (control_fd >= 0 && (pfds[1].revents & POLLIN))
			control_read(control_fd);
		hbm_check_ready();
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ready_file = NULL, *control_path = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait_mask;
	int fd, control_fd = -1, status;

	status = parse_args(argc, argv, &ready_file, &control_path);
	if (status >= 0)
		return status;
	if (control_path) {
		control_fd = control_open(control_path);
		if (control_fd < 0)
			return 1;
	}

	if (fw_state_init()) {
		fprintf(stderr, "fwsim: getrandom failed: %s\n",
			strerror(errno));
		return 1;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGUSR1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	fd = open(MESIM_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fwsim: failed to open %s: %s (load mesim.ko first; only one fwsim may run)\n",
			MESIM_DEVICE, strerror(errno));
		return 1;
	}
	hbm_init(fd, ready_file);
	fw_log("started: sku %s, control mode %u, provisioning state %u",
	       fw_state.sku == FW_SKU_AMT ? "amt" :
	       fw_state.sku == FW_SKU_ISM ? "ism" : "none",
	       fw_state.control_mode, fw_state.provisioning_state);

	status = run(fd, control_fd, &wait_mask);
	if (control_fd >= 0)
		close(control_fd);

	hbm_shutdown();
	if (close(fd) != 0)
		fw_log("close %s failed: %s", MESIM_DEVICE, strerror(errno));
	fw_log("stopped%s", status ? " after an error" : "");
	return status;
}
