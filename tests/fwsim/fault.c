// SPDX-License-Identifier: MIT
/* Fault knobs, actions and counters of the firmware model; see fault.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault.h"

struct fw_faults fw_faults;
struct fw_counters fw_counters;

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool reset_pending;
/* CLOCK_MONOTONIC ms at which the settle-ms window ends; 0 for none. */
static uint64_t settle_end_ms;

static const struct {
	const char *name;
	enum fw_setup_reply reply;
} setup_replies[] = {
	{ "normal", FW_SETUP_REPLY_NORMAL },
	{ "drop", FW_SETUP_REPLY_DROP },
	{ "no-return-value", FW_SETUP_REPLY_NO_RETURN_VALUE },
};

static const struct {
	const char *name;
	enum fw_amthi_reply reply;
} amthi_replies[] = {
	{ "normal", FW_AMTHI_REPLY_NORMAL },
	{ "truncated", FW_AMTHI_REPLY_TRUNCATED },
	{ "short-payload", FW_AMTHI_REPLY_SHORT_PAYLOAD },
	{ "wrong-command", FW_AMTHI_REPLY_WRONG_COMMAND },
	{ "no-response-bit", FW_AMTHI_REPLY_NO_RESPONSE_BIT },
	{ "huge-count", FW_AMTHI_REPLY_HUGE_COUNT },
	{ "long-string", FW_AMTHI_REPLY_LONG_STRING },
	{ "garbage", FW_AMTHI_REPLY_GARBAGE },
};

static const struct {
	const char *name;
	enum fw_action action;
} actions[] = {
	{ "reset", FW_ACTION_RESET },
	{ "malformed", FW_ACTION_MALFORMED },
	{ "truncated", FW_ACTION_TRUNCATED },
	{ "disconnect", FW_ACTION_DISCONNECT },
	{ "out-of-order", FW_ACTION_OUT_OF_ORDER },
	{ "keepalive", FW_ACTION_KEEPALIVE },
	{ "direct-open", FW_ACTION_DIRECT_OPEN },
};

void fw_fault_usage(FILE *out)
{
	fprintf(out,
		"Faults (--fault NAME[=VALUE], repeatable, or a control FIFO line):\n"
		"  delay=MS          delay every CHANNEL_OPEN reply by MS milliseconds\n"
		"  window=BYTES      window granted in OPEN_CONFIRMATION; 0 never opens it\n"
		"  open-failure=R    answer every CHANNEL_OPEN with OPEN_FAILURE reason R\n"
		"                    (1 prohibited, 2 connect failed, 3 unknown type,\n"
		"                    4 resource shortage; other values are sent as is)\n"
		"  tls-only          announce only ports 16993 and 664 at the next handshake\n"
		"  close-after-data  send CHANNEL_CLOSE right after each response\n"
		"  bulk-port         also announce port 16995, which echoes every byte\n"
		"  setup-reply=MODE  how WS-Man answers IPS_HostBasedSetupService.Setup:\n"
		"                    normal; drop (apply Setup, never send the HTTP reply);\n"
		"                    no-return-value (200 without ReturnValue, Setup not applied)\n"
		"  settle-ms=MS      after an Unprovision, AMTHI answers every command with\n"
		"                    status 2 (not ready) for MS milliseconds (0 to 600000)\n"
		"  reject-lsa-auth   answer 401 to every WS-Man request while AMT is in\n"
		"                    pre-provisioning, so the local system account never logs in\n"
		"  amthi-reply=MODE  corrupt every AMTHI response: normal; truncated (8 bytes,\n"
		"                    shorter than the header); short-payload (the last 4 bytes\n"
		"                    are not sent); wrong-command (another command code);\n"
		"                    no-response-bit (bit 0x00800000 clear); huge-count\n"
		"                    (GetCodeVersions count 5000); long-string (GetPKIFQDNSuffix\n"
		"                    length 64 bytes past the end); garbage (random bytes of\n"
		"                    a random length up to 5120, from a fixed seed)\n"
		"Actions (NAME runs at once, NAME=N at the Nth host LME message from now):\n"
		"  reset, malformed, truncated, disconnect, out-of-order, keepalive,\n"
		"  direct-open\n"
		"Control FIFO lines: a fault or action, 'clear' (every fault, action\n"
		"and counter), or 'stats PATH' (write the counters to PATH).\n");
}

/* Parses a decimal u32; returns -1 unless all of @text is one. */
static int parse_u32(const char *text, uint32_t *value)
{
	unsigned long v;
	char *end;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*value = (uint32_t)v;
	return 0;
}

static int bad_value(FILE *err, const char *name, const char *value,
		     const char *expected)
{
	fprintf(err, "fwsim: invalid value '%s' for fault %s: expected %s\n",
		value ? value : "", name, expected);
	return -1;
}

static int apply_action(FILE *err, const char *name, const char *value,
			enum fw_action action)
{
	uint32_t at = 0;

	if (value && parse_u32(value, &at))
		return bad_value(err, name, value,
				 "a message count N, to run at the Nth host LME message");
	if (at) {
		fw_faults.action = action;
		fw_faults.action_at = at;
		return 0;
	}
	if (lme_run_action(action)) {
		fprintf(err, "fwsim: action %s needs an LME link: connect LME first or give %s=N\n",
			name, name);
		return -1;
	}
	return 0;
}

/* Sets a knob that takes no value; rejects "NAME=VALUE". */
static int apply_flag(FILE *err, const char *name, const char *value,
		      bool *flag)
{
	if (value)
		return bad_value(err, name, value, "no value");
	*flag = true;
	return 0;
}

int fw_fault_apply(const char *text, FILE *err)
{
	char name[32];
	const char *eq = strchr(text, '=');
	const char *value = eq ? eq + 1 : NULL;
	size_t len = eq ? (size_t)(eq - text) : strlen(text);
	size_t i;

	if (len == 0 || len >= sizeof(name)) {
		fprintf(err, "fwsim: invalid fault '%s': expected NAME[=VALUE]\n",
			text);
		return -1;
	}
	memcpy(name, text, len);
	name[len] = '\0';

	if (!strcmp(name, "delay")) {
		if (parse_u32(value, &fw_faults.reply_delay_ms) ||
		    fw_faults.reply_delay_ms > 600000)
			return bad_value(err, name, value,
					 "milliseconds from 0 to 600000");
		return 0;
	}
	if (!strcmp(name, "window")) {
		if (parse_u32(value, &fw_faults.window))
			return bad_value(err, name, value, "a byte count");
		fw_faults.window_set = true;
		return 0;
	}
	if (!strcmp(name, "open-failure")) {
		if (parse_u32(value, &fw_faults.open_failure) ||
		    !fw_faults.open_failure)
			return bad_value(err, name, value,
					 "a reason code from 1 to 4294967295");
		return 0;
	}
	if (!strcmp(name, "tls-only"))
		return apply_flag(err, name, value, &fw_faults.tls_only);
	if (!strcmp(name, "close-after-data"))
		return apply_flag(err, name, value, &fw_faults.close_after_data);
	if (!strcmp(name, "bulk-port"))
		return apply_flag(err, name, value, &fw_faults.bulk_port);
	if (!strcmp(name, "reject-lsa-auth"))
		return apply_flag(err, name, value, &fw_faults.reject_lsa_auth);
	if (!strcmp(name, "settle-ms")) {
		uint32_t ms;

		if (parse_u32(value, &ms) || ms > 600000)
			return bad_value(err, name, value,
					 "milliseconds from 0 to 600000");
		fw_faults.settle_ms = ms;
		return 0;
	}
	if (!strcmp(name, "setup-reply")) {
		for (i = 0; value && i < ARRAY_LEN(setup_replies); i++) {
			if (!strcmp(value, setup_replies[i].name)) {
				fw_faults.setup_reply = setup_replies[i].reply;
				return 0;
			}
		}
		return bad_value(err, name, value,
				 "normal, drop or no-return-value");
	}

	if (!strcmp(name, "amthi-reply")) {
		for (i = 0; value && i < ARRAY_LEN(amthi_replies); i++) {
			if (!strcmp(value, amthi_replies[i].name)) {
				fw_faults.amthi_reply = amthi_replies[i].reply;
				fw_faults.amthi_garbage_state = FW_AMTHI_GARBAGE_SEED;
				return 0;
			}
		}
		return bad_value(err, name, value,
				 "normal, truncated, short-payload, wrong-command, no-response-bit, huge-count, long-string or garbage");
	}

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(name, actions[i].name))
			return apply_action(err, name, value, actions[i].action);

	fprintf(err, "fwsim: unknown fault '%s': see 'fwsim --help'\n", name);
	return -1;
}

void fw_fault_clear(void)
{
	memset(&fw_faults, 0, sizeof(fw_faults));
	memset(&fw_counters, 0, sizeof(fw_counters));
	settle_end_ms = 0;
}

static uint64_t fault_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void fw_fault_start_settle(void)
{
	if (fw_faults.settle_ms)
		settle_end_ms = fault_now_ms() + fw_faults.settle_ms;
}

bool fw_fault_settling(void)
{
	if (!settle_end_ms)
		return false;
	if (fault_now_ms() < settle_end_ms)
		return true;
	settle_end_ms = 0;
	return false;
}

int fw_fault_write_stats(const char *path)
{
	const struct fw_counters *c = &fw_counters;
	char tmp[4096];
	FILE *f;
	int ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
#define STAT(field) fprintf(f, "%s %" PRIu64 "\n", #field, c->field)
	STAT(host_msgs);
	STAT(host_data_msgs);
	STAT(host_data_bytes);
	STAT(host_max_data_len);
	STAT(host_window_adjusts);
	STAT(host_adjust_bytes);
	STAT(host_channel_closes);
	STAT(fw_data_bytes);
	STAT(open_requests);
	STAT(open_channels);
	STAT(window_violations);
	STAT(keepalive_sent);
	STAT(keepalive_ok);
	STAT(keepalive_bad);
	STAT(direct_open_sent);
	STAT(direct_open_rejected);
	STAT(direct_open_reason);
	STAT(direct_open_accepted);
	STAT(disconnects_sent);
	STAT(resets);
#undef STAT
	ret = ferror(f) ? -1 : 0;
	if (fclose(f))
		ret = -1;
	/* The rename makes the file appear whole to a test polling for it. */
	if (!ret && rename(tmp, path))
		ret = -1;
	return ret;
}

void fw_fault_request_reset(void)
{
	reset_pending = true;
	fw_counters.resets++;
}

bool fw_fault_take_reset(void)
{
	bool pending = reset_pending;

	reset_pending = false;
	return pending;
}
