/* SPDX-License-Identifier: MIT */
/*
 * Fault knobs of the firmware model, set with --fault NAME[=VALUE] or at
 * run time through the control FIFO (--control PATH). A knob changes how
 * the firmware replies from then on; an action makes the LME client
 * send or do one thing, at once or at the Nth host LME message.
 * Counters record what the host sent so that a test can check it.
 */
#ifndef FWSIM_FAULT_H
#define FWSIM_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum fw_action {
	FW_ACTION_NONE,
	FW_ACTION_RESET,	/* ME reset (MESIM_IOC_RESET) */
	FW_ACTION_MALFORMED,	/* SERVICE_REQUEST whose string overruns it */
	FW_ACTION_TRUNCATED,	/* WINDOW_ADJUST without its byte count */
	FW_ACTION_DISCONNECT,	/* DISCONNECT reason 11, then LME disconnect */
	FW_ACTION_OUT_OF_ORDER,	/* a second PROTOCOL_VERSION */
	FW_ACTION_KEEPALIVE,	/* KEEPALIVE_REQUEST with a fresh cookie */
	FW_ACTION_DIRECT_OPEN,	/* CHANNEL_OPEN direct-tcpip from AMT */
};

/* WS-Man's reply to IPS_HostBasedSetupService.Setup (setup-reply=). */
enum fw_setup_reply {
	FW_SETUP_REPLY_NORMAL,
	FW_SETUP_REPLY_DROP,		/* apply Setup, never send the reply */
	FW_SETUP_REPLY_NO_RETURN_VALUE,	/* 200 without ReturnValue, not applied */
};

/* How every AMTHI response is corrupted (amthi-reply=). */
enum fw_amthi_reply {
	FW_AMTHI_REPLY_NORMAL,
	FW_AMTHI_REPLY_TRUNCATED,	/* only the first 8 bytes are sent */
	FW_AMTHI_REPLY_SHORT_PAYLOAD,	/* the last 4 bytes are not sent */
	FW_AMTHI_REPLY_WRONG_COMMAND,	/* the header names another command */
	FW_AMTHI_REPLY_NO_RESPONSE_BIT,	/* bit 0x00800000 is clear */
	FW_AMTHI_REPLY_HUGE_COUNT,	/* GetCodeVersions count 5000 */
	FW_AMTHI_REPLY_LONG_STRING,	/* GetPKIFQDNSuffix length overruns */
	FW_AMTHI_REPLY_GARBAGE,		/* random bytes, random length */
};

/* Seed of the garbage mode's generator, so that runs repeat. */
#define FW_AMTHI_GARBAGE_SEED	0x2545F491u

struct fw_faults {
	uint32_t reply_delay_ms;	/* delay of every CHANNEL_OPEN reply */
	bool window_set;
	uint32_t window;		/* window granted by OPEN_CONFIRMATION */
	uint32_t open_failure;		/* 0, or the reason for every open */
	bool tls_only;			/* announce only ports 16993 and 664 */
	bool close_after_data;		/* CHANNEL_CLOSE after each response */
	bool bulk_port;			/* also announce the echo port 16995 */
	enum fw_setup_reply setup_reply;
	uint32_t settle_ms;		/* AMTHI not ready this long after Unprovision */
	bool reject_lsa_auth;		/* 401 to the local system account */
	enum fw_amthi_reply amthi_reply;
	uint32_t amthi_garbage_state;	/* xorshift32 state, never 0 */

	enum fw_action action;
	uint32_t action_at;		/* host messages left before it runs */
};

/* What the host sent since the last "clear"; "stats PATH" writes them. */
struct fw_counters {
	uint64_t host_msgs;
	uint64_t host_data_msgs;
	uint64_t host_data_bytes;
	uint64_t host_max_data_len;
	uint64_t host_window_adjusts;
	uint64_t host_adjust_bytes;
	uint64_t host_channel_closes;
	uint64_t fw_data_bytes;
	uint64_t open_requests;
	uint64_t open_channels;
	uint64_t window_violations;
	uint64_t keepalive_sent;
	uint64_t keepalive_ok;
	uint64_t keepalive_bad;
	uint64_t direct_open_sent;
	uint64_t direct_open_rejected;
	uint64_t direct_open_reason;
	uint64_t direct_open_accepted;
	uint64_t disconnects_sent;
	uint64_t resets;
};

extern struct fw_faults fw_faults;
extern struct fw_counters fw_counters;

/*
 * Applies one "NAME[=VALUE]" setting or action. Returns 0, or -1 after
 * printing why @text is invalid to @err.
 */
int fw_fault_apply(const char *text, FILE *err);
/* Clears every knob, pending action and counter. */
void fw_fault_clear(void);
/* Writes the counters as "name value" lines to @path; returns 0 or -1. */
int fw_fault_write_stats(const char *path);
/* Returns true once after the reset action ran, for the main loop. */
bool fw_fault_take_reset(void);
void fw_fault_request_reset(void);
/* Prints the knob and action names for --help. */
void fw_fault_usage(FILE *out);

/*
 * Starts the settle-ms window after an Unprovision (AMTHI or WS-Man).
 * No-op while settle-ms is 0.
 */
void fw_fault_start_settle(void);
/* Returns true while the firmware is inside the settle-ms window. */
bool fw_fault_settling(void);

/* lme.c: runs @action now on the LME link; returns -1 without a link. */
int lme_run_action(enum fw_action action);
/* lme.c: ms until the next delayed reply is due, or -1 for none. */
int lme_timer_ms(void);
/* lme.c: sends the delayed replies that are due. */
void lme_run_timers(void);

#endif /* FWSIM_FAULT_H */
