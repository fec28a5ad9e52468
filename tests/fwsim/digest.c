// SPDX-License-Identifier: MIT
/*
 * HTTP digest authentication, server side: nonces, Authorization header
 * parsing and the RFC 2617 qop=auth check with MD5 from libcrypto.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "digest.h"
#include "fwsim.h"

/* Issued nonces, oldest overwritten first. */
#define DIGEST_NONCES	64

static char digest_nonces[DIGEST_NONCES][DIGEST_NONCE_LEN + 1];
static unsigned int digest_next_nonce;

static void digest_to_hex(char *hex, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[bytes[i] >> 4];
		hex[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	hex[2 * len] = '\0';
}

int digest_md5_hex(char hex[33], const char *const parts[], size_t count)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;
	int ok;

	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	for (i = 0; ok && i < count; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &md_len);
	EVP_MD_CTX_free(ctx);
	if (!ok || md_len != 16)
		return -1;
	digest_to_hex(hex, md, 16);
	return 0;
}

int digest_new_nonce(char nonce[DIGEST_NONCE_LEN + 1])
{
	unsigned char bytes[DIGEST_NONCE_LEN / 2];

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return -1;
	digest_to_hex(nonce, bytes, sizeof(bytes));
	memcpy(digest_nonces[digest_next_nonce], nonce, DIGEST_NONCE_LEN + 1);
	digest_next_nonce = (digest_next_nonce + 1) % DIGEST_NONCES;
	return 0;
}

void digest_reset(void)
{
	memset(digest_nonces, 0, sizeof(digest_nonces));
	digest_next_nonce = 0;
}

/*
 * NOTE: nonces never expire and nc is not checked for replays; AMT's own
 * nonce lifetime is not known to this model.
 */
static bool digest_nonce_issued(const char *nonce)
{
	unsigned int i;

	if (strlen(nonce) != DIGEST_NONCE_LEN)
		return false;
	for (i = 0; i < DIGEST_NONCES; i++)
		if (!strcmp(digest_nonces[i], nonce))
			return true;
	return false;
}

/* The Authorization parameters this check uses, each at most 255 bytes. */
struct digest_params {
	char username[256];
	char realm[256];
	char nonce[256];
	char uri[256];
	char qop[256];
	char nc[256];
	char cnonce[256];
	char response[256];
	char algorithm[256];
};

static char *digest_param_slot(struct digest_params *dp, const char *key,
			       size_t key_len)
{
	static const struct {
		const char *key;
		size_t offset;
	} slots[] = {
		{ "username", offsetof(struct digest_params, username) },
		{ "realm", offsetof(struct digest_params, realm) },
		{ "nonce", offsetof(struct digest_params, nonce) },
		{ "uri", offsetof(struct digest_params, uri) },
		{ "qop", offsetof(struct digest_params, qop) },
		{ "nc", offsetof(struct digest_params, nc) },
		{ "cnonce", offsetof(struct digest_params, cnonce) },
		{ "response", offsetof(struct digest_params, response) },
		{ "algorithm", offsetof(struct digest_params, algorithm) },
	};
	size_t i;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strlen(slots[i].key) == key_len &&
		    !strncasecmp(slots[i].key, key, key_len))
			return (char *)dp + slots[i].offset;
	return NULL;
}

/* Parses `Digest k=v, k="v", ...`; unknown keys are skipped. */
static int digest_parse(const char *header, struct digest_params *dp)
{
	const char *p = header;

	memset(dp, 0, sizeof(*dp));
	if (strncasecmp(p, "Digest", 6) || (p[6] != ' ' && p[6] != '\t'))
		return -1;
	p += 6;

	for (;;) {
		const char *key;
		size_t key_len;
		char *slot;
		size_t n = 0;
		char value[256];

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			return 0;
		key = p;
		while (*p && *p != '=' && *p != ' ' && *p != ',')
			p++;
		key_len = (size_t)(p - key);
		if (*p != '=' || !key_len)
			return -1;
		p++;

		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (n + 1 >= sizeof(value))
					return -1;
				value[n++] = *p;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			for (; *p && *p != ',' && *p != ' ' && *p != '\t'; p++) {
				if (n + 1 >= sizeof(value))
					return -1;
				value[n++] = *p;
			}
		}
		value[n] = '\0';

		slot = digest_param_slot(dp, key, key_len);
		if (slot)
			memcpy(slot, value, n + 1);
	}
}

static bool digest_is_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return false;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool digest_check(const char *authorization, const char *method,
		  const char *target)
{
	struct digest_params dp;
	char ha1[33], ha2[33], expected[33], got[33];
	const char *ha2_parts[2];
	const char *resp_parts[6];
	const char *user;
	size_t i;

	if (!authorization || digest_parse(authorization, &dp)) {
		fw_log("wsman: missing or malformed Authorization header");
		return false;
	}
	if (strcmp(dp.realm, fw_state.digest_realm) ||
	    !digest_nonce_issued(dp.nonce) || strcmp(dp.uri, target) ||
	    strcmp(dp.qop, "auth") || !digest_is_hex(dp.nc, 8) ||
	    !dp.cnonce[0] || !digest_is_hex(dp.response, 32) ||
	    (dp.algorithm[0] && strcasecmp(dp.algorithm, "MD5"))) {
		fw_log("wsman: digest parameters rejected for user '%s'",
		       dp.username);
		return false;
	}

	if (fw_state.admin_digest[0]) {
		/* After Setup, the stored value is HA1 of admin itself. */
		user = "admin";
		if (strlen(fw_state.admin_digest) != 32)
			return false;
		memcpy(ha1, fw_state.admin_digest, 33);
	} else {
		const char *parts[] = {
			fw_state.lsa_user, fw_state.digest_realm,
			fw_state.lsa_password,
		};

		user = fw_state.lsa_user;
		if (digest_md5_hex(ha1, parts, 3))
			return false;
	}
	if (strcmp(dp.username, user)) {
		fw_log("wsman: unknown user '%s'", dp.username);
		return false;
	}

	/* RFC 2617 with qop=auth: MD5(HA1:nonce:nc:cnonce:qop:HA2). */
	ha2_parts[0] = method;
	ha2_parts[1] = dp.uri;
	if (digest_md5_hex(ha2, ha2_parts, 2))
		return false;
	resp_parts[0] = ha1;
	resp_parts[1] = dp.nonce;
	resp_parts[2] = dp.nc;
	resp_parts[3] = dp.cnonce;
	resp_parts[4] = dp.qop;
	resp_parts[5] = ha2;
	if (digest_md5_hex(expected, resp_parts, 6))
		return false;
	for (i = 0; i < 32; i++)
		got[i] = (char)tolower((unsigned char)dp.response[i]);
	got[32] = '\0';
	if (CRYPTO_memcmp(got, expected, 32)) {
		fw_log("wsman: wrong digest response for user '%s'",
		       dp.username);
		return false;
	}
	return true;
}
