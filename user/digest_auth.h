/* SPDX-License-Identifier: MIT */
/*
 * HTTP digest authentication, client side (RFC 2617 with MD5), as AMT's
 * WS-Man endpoint requires it: parse the WWW-Authenticate challenge of a
 * 401 reply and build the Authorization header of the retry.
 */
#ifndef VPROCTL_DIGEST_AUTH_H
#define VPROCTL_DIGEST_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_FIELD_MAX	128
#define DIGEST_HEX_LEN		32	/* an MD5 digest in lower-case hex */

struct digest_challenge {
	char realm[DIGEST_FIELD_MAX];
	char nonce[DIGEST_FIELD_MAX];
	char opaque[DIGEST_FIELD_MAX];	/* empty when the server sent none */
	bool qop_auth;		/* the qop list offers "auth" */
	bool qop_present;	/* the challenge has a qop parameter at all */
	unsigned int nc;	/* requests already sent with this nonce */
};

/*
 * Parses a WWW-Authenticate value such as
 * `Digest realm="R", nonce="N", qop="auth-int, auth"`. Returns 0, or -1
 * when it is not a Digest challenge, lacks realm or nonce, has a value
 * longer than DIGEST_FIELD_MAX - 1, or names an algorithm other than
 * MD5.
 */
int digest_parse_challenge(const char *header, struct digest_challenge *ch);

/* Writes the MD5 of @len bytes at @data as lower-case hex. Returns 0 or -1. */
int digest_md5_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1]);

/*
 * Computes the RFC 2617 response. With @qop NULL this is the RFC 2069
 * form MD5(HA1:nonce:HA2), else MD5(HA1:nonce:nc:cnonce:qop:HA2), where
 * HA1 = MD5(username:realm:password) and HA2 = MD5(method:uri).
 * Returns 0 or -1.
 */
int digest_response(const char *username, const char *realm,
		    const char *password, const char *method, const char *uri,
		    const char *nonce, const char *nc, const char *cnonce,
		    const char *qop, char out[DIGEST_HEX_LEN + 1]);

/*
 * Builds the Authorization header value for @method @uri from @ch and
 * counts the request in ch->nc. @cnonce may be NULL for a random one.
 * Uses qop=auth when the challenge offers it, and the RFC 2069 form when
 * it has no qop. Returns 0, or -1 when the challenge offers qop values
 * but not "auth", or when @out (of @size bytes) is too small.
 */
int digest_authorization(struct digest_challenge *ch, const char *username,
			 const char *password, const char *method,
			 const char *uri, const char *cnonce, char *out,
			 size_t size);

#endif /* VPROCTL_DIGEST_AUTH_H */
