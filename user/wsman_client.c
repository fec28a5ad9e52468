// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vpro_heci.h>

#include "http_message.h"
#include "wsman_client.h"

/* One 401 brings the challenge (or a fresh nonce), the second one is final. */
#define WSMAN_MAX_UNAUTHORIZED	2
#define AUTHORIZATION_MAX	1024

static enum wsman_error fail(enum wsman_error code, char *err,
			     size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum wsman_error fail(enum wsman_error code, char *err,
			     size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return code;
}

/* Sends one request and parses the reply into @resp. */
static enum wsman_error exchange(struct wsman_client *c, const char *xml,
				 struct http_response *resp, char *err,
				 size_t err_size)
{
	char authorization[AUTHORIZATION_MAX];
	char why[128];
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	char *request;
	int ret;

	if (c->have_challenge &&
	    digest_authorization(&c->challenge, c->username, c->password,
				 "POST", "/wsman", NULL, authorization,
				 sizeof(authorization)))
		return fail(WSMAN_ERR_AUTH, err, err_size,
			    "AMT's digest challenge offers no usable qop or has values that cannot be quoted");

	request = http_wsman_request(c->have_challenge ? authorization : NULL,
				     xml);
	explicit_bzero(authorization, sizeof(authorization));
	if (!request)
		return fail(WSMAN_ERR_MEMORY, err, err_size, "out of memory");

	ret = transport_request(c->transport, VPRO_AMT_PORT_HTTP,
				(const uint8_t *)request, strlen(request),
				&raw, &raw_len, c->timeout_ms);
	free(request);
	if (ret < 0) {
		c->transport_errno = ret;
		return fail(WSMAN_ERR_TRANSPORT, err, err_size,
			    "%s transport to port %d: %s",
			    transport_name(c->transport->chosen),
			    VPRO_AMT_PORT_HTTP, strerror(-ret));
	}

	ret = http_response_parse((const char *)raw, raw_len, resp, why,
				  sizeof(why));
	free(raw);
	if (ret)
		return fail(WSMAN_ERR_HTTP, err, err_size,
			    "invalid HTTP reply from AMT: %s", why);
	return WSMAN_OK;
}

enum wsman_error wsman_post(struct wsman_client *c, const char *xml,
			    char **body, char *err, size_t err_size)
{
	struct http_response resp;
	enum wsman_error ret;
	int unauthorized = 0;

	*body = NULL;
	for (;;) {
		ret = exchange(c, xml, &resp, err, err_size);
		if (ret)
			return ret;
		if (resp.status != 401)
			break;

		http_response_free(&resp);
		if (++unauthorized >= WSMAN_MAX_UNAUTHORIZED)
			return fail(WSMAN_ERR_AUTH, err, err_size,
				    "AMT rejected the digest credentials of user \"%s\" (HTTP 401)",
				    c->username);
		if (digest_parse_challenge(resp.www_authenticate,
					   &c->challenge))
			return fail(WSMAN_ERR_AUTH, err, err_size,
				    "AMT sent 401 without a usable digest challenge: \"%.200s\"",
				    resp.www_authenticate);
		c->have_challenge = true;
	}

	if (resp.status != 200) {
		ret = fail(WSMAN_ERR_HTTP, err, err_size,
			   "AMT replied HTTP %d", resp.status);
		http_response_free(&resp);
		return ret;
	}
	*body = resp.body;
	return WSMAN_OK;
}

void wsman_client_reset(struct wsman_client *c)
{
	explicit_bzero(&c->challenge, sizeof(c->challenge));
	c->have_challenge = false;
}
