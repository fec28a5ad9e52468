// SPDX-License-Identifier: MIT
/* The HTTP/1.1 framing of WS-Man requests and responses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wsman.h"

char *wsman_http_request(const char *uuid, const char *authorization,
			 const char *xml)
{
	size_t xml_len = strlen(xml);
	size_t size = xml_len + 1024;
	char *req = malloc(size);
	size_t n;

	if (!req)
		return NULL;
	n = (size_t)snprintf(req, size, "POST /wsman HTTP/1.1\r\n");
	if (authorization)
		n += (size_t)snprintf(req + n, size - n, "Authorization: %s\r\n",
				      authorization);
	/* AMT's local WS-Man port is 16992; RPS names the device by UUID. */
	n += (size_t)snprintf(req + n, size - n,
			      "Host: %s:16992\r\n"
			      "Transfer-Encoding: chunked\r\n"
			      "Connection: close\r\n\r\n"
			      "%zX\r\n", uuid, xml_len);
	if (n + xml_len + 8 > size) {
		free(req);
		return NULL;
	}
	memcpy(req + n, xml, xml_len);
	n += xml_len;
	memcpy(req + n, "\r\n0\r\n\r\n", 8);
	return req;
}

/* Finds the end of the line at @p within @end. Returns NULL if none. */
static const char *line_end(const char *p, const char *end)
{
	while (p + 1 < end) {
		if (p[0] == '\r' && p[1] == '\n')
			return p;
		p++;
	}
	return NULL;
}

static int decode_chunked(const char *p, const char *end, struct http_response *r,
			  char *err, size_t err_size)
{
	char *body = malloc((size_t)(end - p) + 1);
	size_t used = 0;

	if (!body)
		return -1;
	for (;;) {
		const char *eol = line_end(p, end);
		char *size_end;
		unsigned long chunk;

		if (!eol)
			goto bad;
		chunk = strtoul(p, &size_end, 16);
		if (size_end == p || (size_end != eol && *size_end != ';'))
			goto bad;
		p = eol + 2;
		if (chunk == 0)
			break;
		if (chunk > (size_t)(end - p))
			goto bad;
		memcpy(body + used, p, chunk);
		used += chunk;
		p += chunk;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto bad;
		p += 2;
	}
	body[used] = '\0';
	r->body = body;
	r->body_len = used;
	return 0;
bad:
	free(body);
	snprintf(err, err_size, "HTTP response has a malformed chunked body");
	return -1;
}

int http_response_parse(const char *raw, size_t len, struct http_response *r,
			char *err, size_t err_size)
{
	const char *end = raw + len;
	const char *p = raw;
	const char *eol = line_end(p, end);
	long content_length = -1;
	int chunked = 0;

	memset(r, 0, sizeof(*r));
	if (!eol || sscanf(p, "HTTP/1.%*1[01] %3d", &r->status) != 1 ||
	    r->status < 100 || r->status > 599) {
		snprintf(err, err_size, "response is not an HTTP/1.x status line: %.40s",
			 raw);
		return -1;
	}
	p = eol + 2;
	for (;;) {
		size_t line_len;
		const char *value;

		eol = line_end(p, end);
		if (!eol) {
			snprintf(err, err_size, "HTTP response headers do not end with an empty line");
			return -1;
		}
		if (eol == p)
			break;
		line_len = (size_t)(eol - p);
		value = memchr(p, ':', line_len);
		if (value) {
			size_t name_len = (size_t)(value - p);
			size_t value_len;

			value++;
			while (value < eol && (*value == ' ' || *value == '\t'))
				value++;
			value_len = (size_t)(eol - value);
			if (name_len == 16 && strncasecmp(p, "WWW-Authenticate", 16) == 0 &&
			    value_len < sizeof(r->www_authenticate)) {
				memcpy(r->www_authenticate, value, value_len);
				r->www_authenticate[value_len] = '\0';
			} else if (name_len == 17 &&
				   strncasecmp(p, "Transfer-Encoding", 17) == 0 &&
				   value_len >= 7 && strncasecmp(value, "chunked", 7) == 0) {
				chunked = 1;
			} else if (name_len == 14 &&
				   strncasecmp(p, "Content-Length", 14) == 0) {
				content_length = strtol(value, NULL, 10);
			}
		}
		p = eol + 2;
	}
	p += 2;

	if (chunked)
		return decode_chunked(p, end, r, err, err_size);
	if (content_length >= 0 && content_length > end - p) {
		snprintf(err, err_size,
			 "HTTP body is %ld bytes short of Content-Length %ld",
			 content_length - (long)(end - p), content_length);
		return -1;
	}
	r->body_len = content_length >= 0 ? (size_t)content_length : (size_t)(end - p);
	r->body = malloc(r->body_len + 1);
	if (!r->body)
		return -1;
	memcpy(r->body, p, r->body_len);
	r->body[r->body_len] = '\0';
	return 0;
}

void http_response_free(struct http_response *r)
{
	free(r->body);
	r->body = NULL;
}
