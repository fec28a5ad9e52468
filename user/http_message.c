// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_message.h"

char *http_wsman_request(const char *authorization, const char *xml)
{
	size_t xml_len = strlen(xml);
	size_t size = xml_len + 1024 +
		      (authorization ? strlen(authorization) : 0);
	char *req = malloc(size);
	int n;

	if (!req)
		return NULL;
	n = snprintf(req, size,
		     "POST /wsman HTTP/1.1\r\n"
		     "Host: localhost:16992\r\n"
		     "%s%s%s"
		     "Content-Type: application/soap+xml; charset=utf-8\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: close\r\n"
		     "\r\n"
		     "%s",
		     authorization ? "Authorization: " : "",
		     authorization ? authorization : "",
		     authorization ? "\r\n" : "", xml_len, xml);
	if (n < 0 || (size_t)n >= size) {
		free(req);
		return NULL;
	}
	return req;
}

static int parse_error(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns the CRLF that ends the line at @p before @end, or NULL. */
static const char *find_crlf(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

/* Copies the value of header line [@p, @eol) if its name is @name. */
static bool header_value(const char *p, const char *eol, const char *name,
			 char *out, size_t size)
{
	size_t name_len = strlen(name);
	size_t len;

	if ((size_t)(eol - p) <= name_len || p[name_len] != ':' ||
	    strncasecmp(p, name, name_len) != 0)
		return false;
	p += name_len + 1;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	len = (size_t)(eol - p);
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

static int decode_chunked(const char *p, const char *end,
			  struct http_response *r, char *err, size_t err_size)
{
	for (;;) {
		const char *eol = find_crlf(p, end);
		unsigned long long chunk;
		char *size_end;

		if (!eol)
			return parse_error(err, err_size,
					   "truncated chunk size line");
		errno = 0;
		chunk = strtoull(p, &size_end, 16);
		if (size_end == p || errno ||
		    (size_end != eol && *size_end != ';'))
			return parse_error(err, err_size,
					   "invalid chunk size line");
		p = eol + 2;
		if (chunk == 0)
			return 0;	/* trailers are not used by AMT */
		if (chunk > (unsigned long long)(end - p) ||
		    (size_t)(end - p) - chunk < 2)
			return parse_error(err, err_size,
					   "chunk of %llu bytes is truncated",
					   chunk);
		memcpy(r->body + r->body_len, p, chunk);
		r->body_len += chunk;
		r->body[r->body_len] = '\0';
		p += chunk;
		if (p[0] != '\r' || p[1] != '\n')
			return parse_error(err, err_size,
					   "chunk data is not followed by CRLF");
		p += 2;
	}
}

int http_response_parse(const char *raw, size_t len, struct http_response *r,
			char *err, size_t err_size)
{
	const char *end = raw + len;
	const char *eol = find_crlf(raw, end);
	char value[HTTP_HEADER_VALUE_MAX];
	long long content_length = -1;
	bool chunked = false;
	const char *p;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!eol || len < 12 || strncmp(raw, "HTTP/1.", 7) != 0 ||
	    raw[8] != ' ' || sscanf(raw + 9, "%3d", &r->status) != 1 ||
	    r->status < 100)
		return parse_error(err, err_size, "no HTTP/1.x status line");

	for (p = eol + 2;; p = eol + 2) {
		eol = find_crlf(p, end);
		if (!eol)
			return parse_error(err, err_size,
					   "the header has no end");
		if (eol == p)
			break;
		header_value(p, eol, "WWW-Authenticate", r->www_authenticate,
			     sizeof(r->www_authenticate));
		if (header_value(p, eol, "Transfer-Encoding", value,
				 sizeof(value)))
			chunked = strcasecmp(value, "chunked") == 0;
		if (header_value(p, eol, "Content-Length", value,
				 sizeof(value))) {
			char *num_end;

			errno = 0;
			content_length = strtoll(value, &num_end, 10);
			if (errno || num_end == value || *num_end ||
			    content_length < 0)
				return parse_error(err, err_size,
						   "invalid Content-Length \"%s\"",
						   value);
		}
	}
	p = eol + 2;

	r->body = malloc((size_t)(end - p) + 1);
	if (!r->body)
		return parse_error(err, err_size, "out of memory");
	r->body[0] = '\0';
	if (chunked) {
		ret = decode_chunked(p, end, r, err, err_size);
	} else if (content_length >= 0) {
		if (content_length > end - p)
			ret = parse_error(err, err_size,
					  "body has %td of %lld bytes",
					  end - p, content_length);
		else
			r->body_len = (size_t)content_length;
	} else {
		r->body_len = (size_t)(end - p);
	}
	if (ret == 0 && !chunked) {
		memcpy(r->body, p, r->body_len);
		r->body[r->body_len] = '\0';
	}
	if (ret)
		http_response_free(r);
	return ret;
}

void http_response_free(struct http_response *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
