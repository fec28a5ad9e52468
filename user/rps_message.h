/* SPDX-License-Identifier: MIT */
/*
 * Messages of the RPS WebSocket protocol (protocolVersion 4.0.0): JSON
 * envelopes {method, apiKey, appVersion, protocolVersion, status,
 * message, fqdn, payload, tenantId} whose payload is base64.
 */
#ifndef VPROCTL_RPS_MESSAGE_H
#define VPROCTL_RPS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amthi_query.h"

#define RPS_PROTOCOL_VERSION	"4.0.0"
#define RPS_CLIENT_NAME		"RPC"
#define RPS_MAX_MESSAGE_LEN	(100 * 1024)
#define RPS_MAX_HOSTNAME_LEN	253	/* the DNS limit for a name */
#define RPS_MAX_LABEL_LEN	63

/* Everything the first message of an activation carries. */
struct rps_activation {
	const struct amt_snapshot *amt;
	const char *profile;
	const char *fqdn;		/* DNS suffix: -d, else AMT's, else the OS's; may be "" */
	const char *hostname;
	const char *dns_suffix_os;
	const char *amt_password;	/* sent instead of the local account once activated */
	const char *friendly_name;	/* optional */
	/*
	 * Builds "deactivate --password PASSWORD" instead, as rpc-go does;
	 * no profile is needed then.
	 */
	bool deactivate;
};

/* A parsed message from RPS; rps_message_free() releases it. */
struct rps_message {
	char *method;
	char *status;
	char *message;
	uint8_t *payload;		/* decoded; NULL when absent or empty */
	size_t payload_len;
	void *json;			/* the whole envelope, a json_t * */
};

/* Returns 1 for a malformed UUID or a placeholder that firmware reports. */
int rps_uuid_is_invalid(const char *uuid);

/*
 * Checks a host name (or DNS suffix when @is_suffix): 1 to 253
 * characters, labels of 1 to 63 letters, digits and hyphens. Returns 0,
 * 24 (suffix) or 25 (hostname) when empty, 36 when invalid, and writes
 * the reason to @why.
 */
int rps_check_hostname(const char *name, int is_suffix, char *why,
		       size_t why_size);

/*
 * Checks @in and builds the activation (or deactivation) request. Returns 0 and a
 * malloc'ed JSON text in @out, or an exit code with the reason in @why.
 * The codes are 37 for an invalid UUID, 23 when an activated device has
 * no AMT password, 25 for an empty hostname and 36 for an invalid DNS
 * suffix or hostname. An empty DNS suffix is sent as is. The text
 * contains a password, so wipe it before freeing.
 */
int rps_build_activation(const struct rps_activation *in, char **out,
			 char *why, size_t why_size);

/* Builds a "response" message carrying @data base64-encoded, or NULL. */
char *rps_build_response(const uint8_t *data, size_t len);

/* Builds the "heartbeat_response" reply to @request, or NULL. */
char *rps_build_heartbeat_response(const struct rps_message *request);

/*
 * Parses one text frame from RPS. Returns 0, -EINVAL when it is not a
 * JSON object with a string "method", or -EBADMSG when the payload is
 * not valid base64.
 */
int rps_parse_message(const char *text, size_t len, struct rps_message *msg);

void rps_message_free(struct rps_message *msg);

/* Returns the version of vproctl reported as appVersion, e.g. "0.1.0". */
const char *rps_app_version(void);

#endif /* VPROCTL_RPS_MESSAGE_H */
