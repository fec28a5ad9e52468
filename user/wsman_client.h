/* SPDX-License-Identifier: MIT */
/*
 * A minimal WS-Man client for AMT's local port 16992: one HTTP request
 * per channel (transport.h), with HTTP digest authentication.
 */
#ifndef VPROCTL_WSMAN_CLIENT_H
#define VPROCTL_WSMAN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "digest_auth.h"
#include "transport.h"

struct wsman_client {
	struct transport *transport;
	int transport_errno;	/* negative errno of the last transport failure */
	const char *username;
	const char *password;	/* a secret: never printed */
	int timeout_ms;		/* per HTTP exchange */
	unsigned int message_id;	/* last WS-Addressing MessageID used */
	struct digest_challenge challenge;
	bool have_challenge;
};

enum wsman_error {
	WSMAN_OK = 0,
	WSMAN_ERR_TRANSPORT,	/* the APF channel failed or timed out */
	WSMAN_ERR_AUTH,		/* AMT rejected the credentials */
	WSMAN_ERR_HTTP,		/* malformed reply or an unexpected status */
	WSMAN_ERR_MEMORY,
};

/*
 * Posts @xml and returns AMT's 200 reply body (malloc'ed) in @body. The
 * first request of a client goes without credentials. After a 401 reply
 * the request is sent again with a digest Authorization, and later
 * requests reuse the nonce. Gives up at the second 401 reply in a row. On failure
 * @err (of @err_size bytes) says why, without any credential.
 */
enum wsman_error wsman_post(struct wsman_client *c, const char *xml,
			    char **body, char *err, size_t err_size);

/* Wipes the stored challenge. The caller owns and wipes the password. */
void wsman_client_reset(struct wsman_client *c);

#endif /* VPROCTL_WSMAN_CLIENT_H */
