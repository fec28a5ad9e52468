/* SPDX-License-Identifier: MIT */
/*
 * HTTP digest authentication, server side (RFC 2617 with qop=auth and
 * MD5), as AMT's WS-Man endpoint does it.
 */
#ifndef FWSIM_DIGEST_H
#define FWSIM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_NONCE_LEN	32	/* hex digits */

/*
 * Creates a random nonce, remembers it as issued and writes it to @nonce
 * as DIGEST_NONCE_LEN hex digits plus NUL. Returns 0, or -1 when the
 * random source fails.
 */
int digest_new_nonce(char nonce[DIGEST_NONCE_LEN + 1]);

/* Forgets every issued nonce, as an ME reset does. */
void digest_reset(void);

/*
 * Checks an Authorization header against the account fw_state currently
 * accepts: the local system account before Setup, "admin" with the stored
 * admin digest after it. @method and @target are the request's, and the
 * header's uri must equal @target. Returns true on a valid response.
 */
bool digest_check(const char *authorization, const char *method,
		  const char *target);

/*
 * Writes MD5 over the @count strings joined with ':' as 32 lowercase hex
 * digits plus NUL to @hex. Returns 0, or -1 if libcrypto fails.
 */
int digest_md5_hex(char hex[33], const char *const parts[], size_t count);

#endif /* FWSIM_DIGEST_H */
