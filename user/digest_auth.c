// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "digest_auth.h"

#define CNONCE_BYTES	16

static void to_hex(const unsigned char *bytes, size_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[bytes[i] >> 4];
		hex[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
	hex[2 * len] = '\0';
}

/* Hashes the NUL-terminated @parts joined by ':' into @hex. */
static int md5_join_hex(const char *const parts[], size_t count,
			char hex[DIGEST_HEX_LEN + 1])
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
		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &md_len);
	EVP_MD_CTX_free(ctx);
	if (!ok || md_len != 16)
		return -1;
	to_hex(md, 16, hex);
	return 0;
}

int digest_md5_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!EVP_Digest(data, len, md, &md_len, EVP_md5(), NULL) ||
	    md_len != 16)
		return -1;
	to_hex(md, 16, hex);
	return 0;
}

int digest_response(const char *username, const char *realm,
		    const char *password, const char *method, const char *uri,
		    const char *nonce, const char *nc, const char *cnonce,
		    const char *qop, char out[DIGEST_HEX_LEN + 1])
{
	const char *ha1_parts[] = { username, realm, password };
	const char *ha2_parts[] = { method, uri };
	char ha1[DIGEST_HEX_LEN + 1], ha2[DIGEST_HEX_LEN + 1];
	int ret;

	ret = md5_join_hex(ha1_parts, 3, ha1);
	if (ret == 0)
		ret = md5_join_hex(ha2_parts, 2, ha2);
	if (ret == 0 && qop) {
		const char *parts[] = { ha1, nonce, nc, cnonce, qop, ha2 };

		ret = md5_join_hex(parts, 6, out);
	} else if (ret == 0) {
		const char *parts[] = { ha1, nonce, ha2 };

		ret = md5_join_hex(parts, 3, out);
	}
	/* HA1 lets anyone log in as @username without the password. */
	explicit_bzero(ha1, sizeof(ha1));
	return ret;
}

/* True when the comma-separated list @list has the token @token. */
static bool list_has_token(const char *list, const char *token)
{
	size_t token_len = strlen(token);
	const char *p = list;

	while (*p) {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (len == token_len && strncasecmp(p, token, len) == 0)
			return true;
		p += len;
	}
	return false;
}

/*
 * Reads one `key=value` or `key="value"` pair at *@pos into @key and
 * @value and moves *@pos past it. Returns 1 for a pair, 0 at the end of
 * the header, -1 for a malformed or too long pair.
 */
static int next_param(const char **pos, char *key, size_t key_size,
		      char *value, size_t value_size)
{
	const char *p = *pos + strspn(*pos, " \t,");
	size_t n = 0;

	if (!*p)
		return 0;
	while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != ',') {
		if (n + 1 >= key_size)
			return -1;
		key[n++] = *p++;
	}
	key[n] = '\0';
	p += strspn(p, " \t");
	if (*p != '=' || n == 0)
		return -1;
	p++;
	p += strspn(p, " \t");

	n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= value_size)
				return -1;
			value[n++] = *p;
		}
		if (*p != '"')
			return -1;
		p++;
	} else {
		while (*p && *p != ',' && *p != ' ' && *p != '\t') {
			if (n + 1 >= value_size)
				return -1;
			value[n++] = *p++;
		}
	}
	value[n] = '\0';
	*pos = p;
	return 1;
}

int digest_parse_challenge(const char *header, struct digest_challenge *ch)
{
	char key[32], value[DIGEST_FIELD_MAX];
	const char *p = header + strspn(header, " \t");
	int ret;

	memset(ch, 0, sizeof(*ch));
	if (strncasecmp(p, "Digest", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return -1;
	p += 6;

	while ((ret = next_param(&p, key, sizeof(key), value,
				 sizeof(value))) > 0) {
		if (strcasecmp(key, "realm") == 0) {
			strcpy(ch->realm, value);
		} else if (strcasecmp(key, "nonce") == 0) {
			strcpy(ch->nonce, value);
		} else if (strcasecmp(key, "opaque") == 0) {
			strcpy(ch->opaque, value);
		} else if (strcasecmp(key, "qop") == 0) {
			ch->qop_present = true;
			ch->qop_auth = list_has_token(value, "auth");
		} else if (strcasecmp(key, "algorithm") == 0 &&
			   strcasecmp(value, "MD5") != 0) {
			return -1;
		}
	}
	if (ret < 0 || !ch->realm[0] || !ch->nonce[0])
		return -1;
	return 0;
}

int digest_authorization(struct digest_challenge *ch, const char *username,
			 const char *password, const char *method,
			 const char *uri, const char *cnonce, char *out,
			 size_t size)
{
	char response[DIGEST_HEX_LEN + 1];
	char random_cnonce[2 * CNONCE_BYTES + 1];
	unsigned char bytes[CNONCE_BYTES];
	char nc[9];
	int n;

	if (ch->qop_present && !ch->qop_auth)
		return -1;
	/* The header quotes these values, and none of AMT's need escapes. */
	if (strpbrk(username, "\"\\") || strpbrk(ch->realm, "\"\\") ||
	    strpbrk(ch->nonce, "\"\\") || strpbrk(ch->opaque, "\"\\"))
		return -1;

	if (!ch->qop_present) {
		if (digest_response(username, ch->realm, password, method, uri,
				    ch->nonce, NULL, NULL, NULL, response))
			return -1;
		n = snprintf(out, size,
			     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\"",
			     username, ch->realm, ch->nonce, uri, response);
	} else {
		if (!cnonce) {
			if (RAND_bytes(bytes, sizeof(bytes)) != 1)
				return -1;
			to_hex(bytes, sizeof(bytes), random_cnonce);
			cnonce = random_cnonce;
		}
		snprintf(nc, sizeof(nc), "%08x", ch->nc + 1);
		if (digest_response(username, ch->realm, password, method, uri,
				    ch->nonce, nc, cnonce, "auth", response))
			return -1;
		n = snprintf(out, size,
			     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", qop=auth, nc=%s, cnonce=\"%s\", response=\"%s\"",
			     username, ch->realm, ch->nonce, uri, nc, cnonce,
			     response);
	}
	if (n > 0 && (size_t)n < size && ch->opaque[0])
		n += snprintf(out + n, size - (size_t)n, ", opaque=\"%s\"",
			      ch->opaque);
	if (n < 0 || (size_t)n >= size)
		return -1;
	ch->nc++;
	return 0;
}
