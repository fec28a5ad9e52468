// SPDX-License-Identifier: MIT
/*
 * apf_bench: measures one transport to a firmware benchmark port (see
 * tests/fwsim/bench_port.h) and prints one result line, or runs the TCP
 * relay that the tcp path connects to.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define EXIT_USAGE		2
#define BENCH_HDR_LEN		8
#define WARMUP_REQUESTS		5
#define MAX_ITERATIONS		100000
#define MAX_BULK		(256u << 20)

static const char *const path_names[] = {
	[PATH_CHARDEV] = "chardev",
	[PATH_MEI] = "mei",
	[PATH_TCP] = "tcp",
	[PATH_RAW] = "raw",
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: apf_bench measure --path chardev|mei|tcp|raw [options]\n"
		"       apf_bench relay [--tcp-port P] [--amt-port P] [--device D] [--ready-file F]\n"
		"measure prints: result PATH MEDIAN_US P99_US UP_MBPS DOWN_MBPS MBPS\n"
		"  --iterations N   round trips timed for the latency (default 200)\n"
		"  --request B      request size of a round trip in bytes (default 2048)\n"
		"  --response B     response size of a round trip in bytes (default 8192)\n"
		"  --bulk B         bytes sent each way for the throughput (default 4194304)\n"
		"  --amt-port P     fwsim's --bench-port (default 16999)\n"
		"  --tcp-port P     relay port on 127.0.0.1 (default 16990)\n"
		"  --device D       mei device (default /dev/mei0)\n"
		"  --chardev D      APF device (default /dev/vpro_apf0)\n"
		"  --timeout MS     limit per request in ms (default 60000)\n");
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Runs one request of @req_len bytes and reads the @resp_len byte
 * response, checking its pattern. Returns 0 or a negative errno.
 */
static int run_request(struct bench_ctx *ctx, uint8_t *buf, size_t buf_len,
		       uint32_t req_len, uint32_t resp_len, const char **step)
{
	size_t i;
	int ret;

	*step = "open";
	ret = bench_open(ctx);
	if (ret < 0)
		return ret;

	memset(buf, 0x5a, req_len < buf_len ? req_len : buf_len);
	put_be32(buf, req_len);
	put_be32(buf + 4, resp_len);
	*step = "write";
	for (i = 0; i < req_len && ret == 0; i += buf_len) {
		size_t n = req_len - i < buf_len ? req_len - i : buf_len;

		ret = bench_write(ctx, buf, n);
		put_be32(buf, 0x5a5a5a5a);
		put_be32(buf + 4, 0x5a5a5a5a);
	}

	*step = "read";
	for (i = 0; i < resp_len && ret == 0; i += buf_len) {
		size_t n = resp_len - i < buf_len ? resp_len - i : buf_len;
		size_t k;

		ret = bench_read(ctx, buf, n);
		for (k = 0; k < n && ret == 0; k++)
			if (buf[k] != (uint8_t)(i + k)) {
				*step = "check";
				ret = -EBADMSG;
			}
	}
	bench_close(ctx);
	return ret;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int fail(struct bench_ctx *ctx, const char *what, const char *step,
		int err)
{
	fprintf(stderr, "apf_bench: %s path, %s: %s failed: %s\n",
		path_names[ctx->path], what, step, strerror(-err));
	return 1;
}

static int measure(struct bench_ctx *ctx, unsigned int iterations,
		   uint32_t req_len, uint32_t resp_len, uint32_t bulk)
{
	size_t buf_len = 65536;
	uint8_t *buf = malloc(buf_len);
	double *lat = calloc(iterations, sizeof(*lat));
	double t, up_s, down_s, median, p99;
	const char *step = "setup";
	unsigned int i;
	int ret;

	if (!buf || !lat) {
		fprintf(stderr, "apf_bench: out of memory\n");
		return 1;
	}
	ret = bench_setup(ctx);
	if (ret < 0)
		return fail(ctx, "setup", "connect", ret);

	for (i = 0; i < WARMUP_REQUESTS + iterations; i++) {
		t = now_us();
		ret = run_request(ctx, buf, buf_len, req_len, resp_len, &step);
		if (ret < 0)
			return fail(ctx, "round trip", step, ret);
		if (i >= WARMUP_REQUESTS)
			lat[i - WARMUP_REQUESTS] = now_us() - t;
	}
	qsort(lat, iterations, sizeof(*lat), compare_double);
	median = iterations % 2 ? lat[iterations / 2] :
		 (lat[iterations / 2 - 1] + lat[iterations / 2]) / 2;
	/* Nearest rank: the smallest value with 99 % of them at or below it. */
	p99 = lat[(iterations * 99 + 99) / 100 - 1];

	t = now_us();
	ret = run_request(ctx, buf, buf_len, bulk, BENCH_HDR_LEN, &step);
	if (ret < 0)
		return fail(ctx, "bulk upload", step, ret);
	up_s = (now_us() - t) / 1e6;

	t = now_us();
	ret = run_request(ctx, buf, buf_len, BENCH_HDR_LEN, bulk, &step);
	if (ret < 0)
		return fail(ctx, "bulk download", step, ret);
	down_s = (now_us() - t) / 1e6;

	printf("result %s %.0f %.0f %.3f %.3f %.3f\n", path_names[ctx->path],
	       median, p99, bulk / up_s / 1e6, bulk / down_s / 1e6,
	       2.0 * bulk / (up_s + down_s) / 1e6);
	bench_teardown(ctx);
	free(lat);
	free(buf);
	return 0;
}

/* Parses a whole number from @min to @max into @out, else prints an error. */
static int parse_number(const char *opt, const char *text, unsigned long min,
			unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!text[0] || *end || errno || v < min || v > max) {
		fprintf(stderr, "apf_bench: invalid %s '%s': expected a whole number from %lu to %lu\n",
			opt, text, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "request", required_argument, NULL, 'q' },
		{ "response", required_argument, NULL, 's' },
		{ "bulk", required_argument, NULL, 'b' },
		{ "amt-port", required_argument, NULL, 'a' },
		{ "tcp-port", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' },
		{ "chardev", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_ctx ctx = {
		.path = PATH_CHARDEV,
		.chardev = "/dev/vpro_apf0",
		.mei_device = "/dev/mei0",
		.amt_port = 16999,
		.tcp_port = 16990,
		.timeout_ms = 60000,
		.fd = -1,
	};
	unsigned long iterations = 200, req = 2048, resp = 8192, bulk = 4u << 20;
	unsigned long v;
	const char *ready_file = NULL, *cmd;
	bool path_given = false;
	int opt, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "measure") && strcmp(cmd, "relay")) {
		fprintf(stderr, "apf_bench: unknown command '%s': use measure or relay\n", cmd);
		return EXIT_USAGE;
	}
	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			for (v = 0; v < 4; v++)
				if (!strcmp(optarg, path_names[v]))
					break;
			if (v == 4) {
				fprintf(stderr, "apf_bench: invalid --path '%s': use chardev, mei, tcp or raw\n",
					optarg);
				return EXIT_USAGE;
			}
			ctx.path = (enum bench_path)v;
			path_given = true;
			break;
		case 'n':
			rc = parse_number("--iterations", optarg, 1, MAX_ITERATIONS, &iterations);
			break;
		case 'q':
			rc = parse_number("--request", optarg, BENCH_HDR_LEN, MAX_BULK, &req);
			break;
		case 's':
			rc = parse_number("--response", optarg, 0, MAX_BULK, &resp);
			break;
		case 'b':
			rc = parse_number("--bulk", optarg, BENCH_HDR_LEN, MAX_BULK, &bulk);
			break;
		case 'a':
			rc = parse_number("--amt-port", optarg, 1, 65535, &v);
			ctx.amt_port = (uint16_t)v;
			break;
		case 't':
			rc = parse_number("--tcp-port", optarg, 1, 65535, &v);
			ctx.tcp_port = (uint16_t)v;
			break;
		case 'T':
			rc = parse_number("--timeout", optarg, 1, 600000, &v);
			ctx.timeout_ms = (int)v;
			break;
		case 'd':
			ctx.mei_device = optarg;
			break;
		case 'c':
			ctx.chardev = optarg;
			break;
		case 'r':
			ready_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			rc = -1;
			break;
		}
		if (rc)
			return EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "apf_bench: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "relay"))
		return bench_relay(ctx.mei_device, ctx.tcp_port, ctx.amt_port,
				   ready_file);
	if (!path_given) {
		fprintf(stderr, "apf_bench: measure needs --path chardev, mei, tcp or raw\n");
		return EXIT_USAGE;
	}
	return measure(&ctx, (unsigned int)iterations, (uint32_t)req,
		       (uint32_t)resp, (uint32_t)bulk);
}
