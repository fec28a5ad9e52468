/* SPDX-License-Identifier: MIT */
/* The HTTP/1.1 framing of WS-Man requests to AMT and of its responses. */
#ifndef VPROCTL_HTTP_MESSAGE_H
#define VPROCTL_HTTP_MESSAGE_H

#include <stddef.h>

#define HTTP_HEADER_VALUE_MAX	512

struct http_response {
	int status;		/* e.g. 200 or 401 */
	char www_authenticate[HTTP_HEADER_VALUE_MAX];	/* empty when absent */
	char *body;		/* NUL-terminated, malloc'ed; may be empty */
	size_t body_len;
};

/*
 * Builds "POST /wsman" to AMT's local port 16992 with @xml as a
 * Content-Length body and "Connection: close". @authorization may be
 * NULL. Returns a malloc'ed string, or NULL when out of memory.
 */
char *http_wsman_request(const char *authorization, const char *xml);

/*
 * Parses one whole HTTP/1.1 response of @len bytes: the status line,
 * WWW-Authenticate, and a body framed by chunked transfer encoding, by
 * Content-Length, or by the end of the data. Returns 0, or -1 with the
 * problem in @err (of @err_size bytes) when the response is malformed or
 * truncated. On success the caller frees @r with http_response_free().
 */
int http_response_parse(const char *raw, size_t len, struct http_response *r,
			char *err, size_t err_size);

void http_response_free(struct http_response *r);

#endif /* VPROCTL_HTTP_MESSAGE_H */
