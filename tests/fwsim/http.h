/* SPDX-License-Identifier: MIT */
/*
 * Incremental HTTP/1.1 request parser and a growable output buffer, used
 * by the firmware model's WS-Man endpoint behind APF channels.
 */
#ifndef FWSIM_HTTP_H
#define FWSIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD		8192	/* request line plus headers */
#define HTTP_MAX_BODY		(256 * 1024)
#define HTTP_MAX_HEADERS	32

enum http_status {
	HTTP_INCOMPLETE,	/* needs more bytes */
	HTTP_COMPLETE,		/* one whole request is parsed */
	HTTP_ERROR,		/* malformed or too large, see error_status */
};

enum http_body_state {
	HTTP_BODY_NONE,
	HTTP_BODY_LENGTH,	/* Content-Length bytes follow */
	HTTP_BODY_CHUNK_SIZE,	/* reading a chunk-size line */
	HTTP_BODY_CHUNK_DATA,
	HTTP_BODY_CHUNK_END,	/* the CRLF after a chunk's data */
	HTTP_BODY_TRAILER,	/* trailer lines up to the empty line */
};

struct http_header {
	const char *name;	/* points into http_request.head */
	const char *value;
};

struct http_request {
	enum http_status status;
	int error_status;		/* 400 or 413 when status is HTTP_ERROR */

	char head[HTTP_MAX_HEAD + 1];
	size_t head_len;
	bool head_done;

	const char *method;		/* all point into head */
	const char *target;
	int version_minor;		/* HTTP/1.x */
	struct http_header headers[HTTP_MAX_HEADERS];
	unsigned int header_count;

	enum http_body_state body_state;
	size_t remaining;		/* of Content-Length or of the chunk */
	char line[64];			/* chunk-size or trailer line */
	size_t line_len;
	char *body;			/* NUL-terminated, body_len bytes */
	size_t body_len;
	size_t body_cap;
};

/* A growable byte buffer; data is NUL-terminated for convenience. */
struct http_buf {
	char *data;
	size_t len;
	size_t cap;
};

void http_request_init(struct http_request *req);
void http_request_free(struct http_request *req);

/*
 * Feeds @len bytes to the parser. Consumes bytes only up to the end of the
 * current request, so the caller feeds the rest (a pipelined request) after
 * handling this one and calling http_request_init() again.
 * Returns the number of bytes consumed; req->status is the outcome.
 */
size_t http_request_feed(struct http_request *req, const uint8_t *data,
			 size_t len);

/* Returns the value of header @name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req,
				const char *name);

/* True when Connection: close or HTTP/1.0 without keep-alive ends the connection. */
bool http_request_wants_close(const struct http_request *req);

/* Case-insensitive search for @token in a comma-separated header value. */
bool http_value_has_token(const char *value, const char *token);

void http_buf_free(struct http_buf *buf);
int http_buf_append(struct http_buf *buf, const void *data, size_t len);
int http_buf_printf(struct http_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Returns the reason phrase of a status code this endpoint sends. */
const char *http_reason(int status);

/*
 * Appends a whole error response (status line, Content-Length: 0 and
 * Connection: close) for @status to @out. Returns 0 or -1 on no memory.
 */
int http_format_error(struct http_buf *out, int status);

#endif /* FWSIM_HTTP_H */
