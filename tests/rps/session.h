/* SPDX-License-Identifier: MIT */
/*
 * State of one RPS session, shared by the activation steps (session.c)
 * and the configuration steps that follow them (configure.c).
 */
#ifndef RPS_SESSION_H
#define RPS_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "envelope.h"
#include "peer.h"
#include "wsman.h"

struct session {
	struct ws_conn *ws;
	const struct peer_config *cfg;
	unsigned int id;
	int64_t deadline;
	struct activation act;
	struct digest_challenge challenge;
	int have_challenge;
	unsigned int message_id;
	unsigned int exchanges;	/* WS-Man replies received from the client */
	bool dropped;		/* --misbehave drop closed the connection */
	char error[512];
};

/* What the configuration steps did, for the "success" message. */
struct config_result {
	const char *network;
	const char *cira;
	const char *tls;
};

/* Sends a server message. Returns 0, or -1 when sending failed. */
int send_envelope(struct session *s, const char *method, const char *status,
		  const char *message, const char *payload_b64);

/*
 * Relays one WS-Man call and waits for a 200 reply. After a 401 digest
 * challenge, the call is sent again with @username and @password.
 * Returns 0 and fills @resp, or -1 with s->error set.
 */
int wsman_call(struct session *s, const char *call_name, const char *xml,
	       const char *username, const char *password,
	       struct http_response *resp);

/*
 * Configures an activated device as "admin", in the order RPS uses for
 * client control mode, and fills @result. Returns 0, or -1 with
 * s->error set.
 */
int configure_device(struct session *s, struct config_result *result);

#endif /* RPS_SESSION_H */
