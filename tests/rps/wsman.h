/* SPDX-License-Identifier: MIT */
/* WS-Man requests as RPS relays them: HTTP/1.1 with digest auth. */
#ifndef RPS_WSMAN_H
#define RPS_WSMAN_H

#include <stdbool.h>
#include <stddef.h>

struct digest_challenge {
	char realm[128];
	char nonce[128];
	char opaque[128];
	char qop[64];		/* as sent, e.g. "auth" or "auth-int, auth" */
	unsigned int nc;	/* requests sent with this nonce */
};

struct http_response {
	int status;
	char www_authenticate[512];	/* empty when absent */
	char *body;			/* NUL-terminated, to free() */
	size_t body_len;
};

/* Parses a Digest WWW-Authenticate value. Returns 0 or -1. */
int digest_parse(const char *header, struct digest_challenge *ch);

/*
 * Builds the Authorization header value (RFC 2617, qop=auth, MD5) for
 * POST /wsman. Returns 0, or -1 when the challenge offers no qop=auth.
 */
int digest_authorization(struct digest_challenge *ch, const char *username,
			 const char *password, char *out, size_t out_size);

/*
 * Builds the whole HTTP request that carries @xml to AMT, with chunked
 * transfer encoding. @authorization may be NULL. Returns a string to
 * free(), or NULL.
 */
char *wsman_http_request(const char *uuid, const char *authorization,
			 const char *xml);

/* Parses a raw HTTP response. Returns 0, or -1 with a reason in @err. */
int http_response_parse(const char *raw, size_t len, struct http_response *r,
			char *err, size_t err_size);
void http_response_free(struct http_response *r);

/*
 * Builds a SOAP envelope; @message_id is the WS-Addressing MessageID.
 * The selector is left out when @selector_name is NULL. @body is the
 * SOAP Body's content. Returns a string to free(), or NULL.
 */
char *wsman_request(unsigned int message_id, const char *action,
		    const char *resource_uri, const char *selector_name,
		    const char *selector_value, const char *body);

/* SOAP bodies of the activation calls. */
char *wsman_general_settings_get(unsigned int message_id);
char *wsman_host_setup(unsigned int message_id, const char *admin_digest);
/* AMT_SetupAndConfigurationService Unprovision, the deactivation call. */
char *wsman_unprovision(unsigned int message_id, int provisioning_mode);

/*
 * Copies the text of the first element named @local_name (any
 * namespace prefix) in @xml. Returns 0, or -1 when absent or too long.
 */
int xml_element_text(const char *xml, const char *local_name, char *out,
		     size_t out_size);

/*
 * Like xml_element_text(), but also accepts an empty element <x/> and
 * returns the position after the copied text, from where the next
 * search can start. Returns NULL when there is no further element.
 */
const char *xml_element_next(const char *xml, const char *local_name,
			     char *out, size_t out_size);

/* Returns true when @xml has a start tag named @local_name. */
bool xml_has_element(const char *xml, const char *local_name);

#endif /* RPS_WSMAN_H */
