/* SPDX-License-Identifier: MIT */
/* RPS message envelope (protocol 4.0.0) and the activation request. */
#ifndef RPS_ENVELOPE_H
#define RPS_ENVELOPE_H

#include <stddef.h>

#include "peer.h"

#define PEER_PROTOCOL_VERSION "4.0.0"

/* Fields of the activation payload that the session needs. */
struct activation {
	char profile[PEER_NAME_MAX];
	char uuid[40];
	char username[PEER_NAME_MAX];
	char password[PEER_PASSWORD_MAX];	/* never logged */
	char ver[32];
	char build[32];
	char hostname[PEER_NAME_MAX];
	int current_mode;	/* 0 pre-provisioning, 1 CCM, 2 ACM */
	bool deactivate;	/* method "deactivate": no profile */
	const struct peer_profile *matched;	/* NULL for deactivate */
};

/*
 * Builds a server message. @message and @payload_b64 may be NULL.
 * Returns a string to free(), or NULL.
 */
char *envelope_build(const char *method, const char *status,
		     const char *message, const char *payload_b64);

/*
 * Builds an RPS status message, the JSON text that "success" and
 * "error" carry in their message field.
 */
char *status_message(const char *status, const char *network,
		     const char *cira, const char *tls);

/*
 * Parses a client message. On success returns 0 and copies the method
 * (at most @method_size bytes) and the decoded payload (to free()).
 * On failure writes a readable reason to @err and returns -1. Without
 * @require_version, a missing protocolVersion is accepted, as RPS does.
 */
int envelope_parse(const char *text, bool require_version,
		   char *method, size_t method_size,
		   char **payload, size_t *payload_len,
		   char *err, size_t err_size);

/*
 * Validates the first client message the way RPS does for an
 * activation or a deactivation, and fills @act. On failure writes a readable reason to
 * @err and returns -1.
 */
int activation_parse(const char *text, const struct peer_config *cfg,
		     struct activation *act, char *err, size_t err_size);

#endif /* RPS_ENVELOPE_H */
