// SPDX-License-Identifier: MIT
/* HTTP digest access authentication (RFC 2617) for AMT's WS-Man port. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "peer.h"
#include "wsman.h"

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* Copies a parameter. A value too long for the field is an error. */
static int copy_value(char *out, size_t size, const char *value, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(out, value, len + 1);
	return 0;
}

int digest_parse(const char *header, struct digest_challenge *ch)
{
	const char *p = skip_space(header);
	int rc = 0;

	memset(ch, 0, sizeof(*ch));
	if (strncasecmp(p, "Digest", 6) != 0 || !isspace((unsigned char)p[6]))
		return -1;
	p += 6;
	for (;;) {
		char key[32];
		char value[256];
		size_t n = 0;

		p = skip_space(p);
		if (!*p)
			break;
		while (*p && *p != '=' && n < sizeof(key) - 1)
			key[n++] = *p++;
		key[n] = '\0';
		if (*p != '=')
			return -1;
		p++;
		n = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"' && n < sizeof(value) - 1)
				value[n++] = *p++;
			/* Also rejects a value longer than the buffer. */
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != ',' && n < sizeof(value) - 1)
				value[n++] = *p++;
		}
		value[n] = '\0';

		if (strcasecmp(key, "realm") == 0)
			rc = copy_value(ch->realm, sizeof(ch->realm), value, n);
		else if (strcasecmp(key, "nonce") == 0)
			rc = copy_value(ch->nonce, sizeof(ch->nonce), value, n);
		else if (strcasecmp(key, "opaque") == 0)
			rc = copy_value(ch->opaque, sizeof(ch->opaque), value, n);
		else if (strcasecmp(key, "qop") == 0)
			rc = copy_value(ch->qop, sizeof(ch->qop), value, n);
		if (rc < 0)
			return -1;
	}
	return ch->realm[0] && ch->nonce[0] ? 0 : -1;
}

/* True when the qop list (e.g. "auth-int, auth") offers plain "auth". */
static int offers_auth(const char *qop)
{
	const char *p = qop;

	while (*p) {
		size_t len;

		p = skip_space(p);
		len = strcspn(p, ", \t");
		if (len == 4 && strncasecmp(p, "auth", 4) == 0)
			return 1;
		p += len;
	}
	return 0;
}

int digest_authorization(struct digest_challenge *ch, const char *username,
			 const char *password, char *out, size_t out_size)
{
	char ha1[33];
	char ha2[33];
	char response[33];
	char cnonce[33];
	char nc[9];
	char buf[512];
	int n;

	if (!offers_auth(ch->qop))
		return -1;
	ch->nc++;
	snprintf(nc, sizeof(nc), "%08x", ch->nc);
	random_hex(cnonce, 16);

	n = snprintf(buf, sizeof(buf), "%s:%s:%s", username, ch->realm, password);
	md5_hex(buf, (size_t)n, ha1);
	n = snprintf(buf, sizeof(buf), "POST:/wsman");
	md5_hex(buf, (size_t)n, ha2);
	n = snprintf(buf, sizeof(buf), "%s:%s:%s:%s:auth:%s",
		     ha1, ch->nonce, nc, cnonce, ha2);
	md5_hex(buf, (size_t)n, response);
	explicit_bzero(buf, sizeof(buf));

	n = snprintf(out, out_size,
		     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
		     "uri=\"/wsman\", qop=auth, nc=%s, cnonce=\"%s\", "
		     "response=\"%s\"",
		     username, ch->realm, ch->nonce, nc, cnonce, response);
	if (n > 0 && ch->opaque[0] && (size_t)n < out_size)
		n += snprintf(out + n, out_size - (size_t)n, ", opaque=\"%s\"",
			      ch->opaque);
	return n > 0 && (size_t)n < out_size ? 0 : -1;
}
