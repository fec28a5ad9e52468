/* SPDX-License-Identifier: MIT */
/* The client side of one RPS session: relay WS-Man until success or error. */
#ifndef VPROCTL_RPS_SESSION_H
#define VPROCTL_RPS_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"
#include "websocket.h"

struct rps_session_options {
	struct ws_options ws;
	struct transport *transport;
	int message_timeout_ms;		/* wait for each message from RPS */
	int amt_timeout_ms;		/* each WS-Man exchange with AMT */
	int error_code;			/* exit code for an RPS "error"; 0 means 111 */
	bool json;
	bool verbose;
};

/*
 * Connects to RPS, sends @request and serves RPS until it reports success
 * or an error. Prints the outcome, and returns the exit code with a
 * one-line @reason for the status report on failure.
 */
int rps_session_run(const struct rps_session_options *opts,
		    const char *request, char *reason, size_t reason_size);

#endif /* VPROCTL_RPS_SESSION_H */
