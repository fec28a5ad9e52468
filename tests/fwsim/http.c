// SPDX-License-Identifier: MIT
/*
 * Incremental HTTP/1.1 request parser for the firmware model's WS-Man
 * endpoint. It accepts what WS-Man clients send (Content-Length or chunked
 * bodies) and rejects the rest with 400, or 413 past the size caps.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

void http_request_init(struct http_request *req)
{
	char *body = req->body;
	size_t cap = req->body_cap;

	/* Keep the body allocation across pipelined requests on a channel. */
	memset(req, 0, sizeof(*req));
	req->body = body;
	req->body_cap = cap;
	if (req->body)
		req->body[0] = '\0';
}

void http_request_free(struct http_request *req)
{
	free(req->body);
	req->body = NULL;
	req->body_cap = 0;
	http_request_init(req);
}

static void http_fail(struct http_request *req, int error_status)
{
	req->status = HTTP_ERROR;
	req->error_status = error_status;
}

/* Makes room for @extra more body bytes plus the terminating NUL. */
static int http_body_reserve(struct http_request *req, size_t extra)
{
	size_t need = req->body_len + extra + 1;
	size_t cap = req->body_cap ? req->body_cap : 1024;
	char *body;

	if (need <= req->body_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	body = realloc(req->body, cap);
	if (!body)
		return -1;
	req->body = body;
	req->body_cap = cap;
	return 0;
}

static int http_body_append(struct http_request *req, const uint8_t *data,
			    size_t len)
{
	if (req->body_len + len > HTTP_MAX_BODY) {
		http_fail(req, 413);
		return -1;
	}
	if (http_body_reserve(req, len)) {
		http_fail(req, 500);
		return -1;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

static bool http_is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char *http_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Splits "METHOD SP target SP HTTP/1.x" in place. */
static int http_parse_request_line(struct http_request *req, char *line)
{
	char *sp1 = strchr(line, ' ');
	char *sp2;
	char *p;

	if (!sp1 || sp1 == line)
		return -1;
	*sp1 = '\0';
	for (p = line; *p; p++)
		if (!http_is_tchar((unsigned char)*p))
			return -1;
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || sp2 == sp1 + 1)
		return -1;
	*sp2 = '\0';
	if (strncmp(sp2 + 1, "HTTP/1.", 7) || !isdigit((unsigned char)sp2[8]) ||
	    sp2[9])
		return -1;

	req->method = line;
	req->target = sp1 + 1;
	req->version_minor = sp2[8] - '0';
	return 0;
}

static int http_parse_header_line(struct http_request *req, char *line)
{
	char *colon = strchr(line, ':');
	char *p;

	/* Obsolete line folding and names with spaces are both rejected. */
	if (!colon || colon == line)
		return -1;
	for (p = line; p < colon; p++)
		if (!http_is_tchar((unsigned char)*p))
			return -1;
	if (req->header_count == HTTP_MAX_HEADERS)
		return -1;
	*colon = '\0';
	req->headers[req->header_count].name = line;
	req->headers[req->header_count].value = http_trim(colon + 1);
	req->header_count++;
	return 0;
}

static int http_count_headers(const struct http_request *req,
			      const char *name)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < req->header_count; i++)
		if (!strcasecmp(req->headers[i].name, name))
			n++;
	return n;
}

/* Chooses how the body is framed once the head is complete. */
static void http_start_body(struct http_request *req)
{
	const char *te = http_request_header(req, "Transfer-Encoding");
	const char *cl = http_request_header(req, "Content-Length");
	unsigned long long length = 0;
	const char *p;

	if (http_body_reserve(req, 0)) {
		http_fail(req, 500);
		return;
	}
	req->body[0] = '\0';

	if (te) {
		/* Both framings at once is a request smuggling pattern. */
		if (cl || http_count_headers(req, "Transfer-Encoding") > 1 ||
		    strcasecmp(te, "chunked")) {
			http_fail(req, 400);
			return;
		}
		req->body_state = HTTP_BODY_CHUNK_SIZE;
		return;
	}
	if (!cl) {
		req->status = HTTP_COMPLETE;
		return;
	}
	if (http_count_headers(req, "Content-Length") > 1 || !*cl) {
		http_fail(req, 400);
		return;
	}
	for (p = cl; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			http_fail(req, 400);
			return;
		}
		length = length * 10 + (unsigned int)(*p - '0');
		if (length > HTTP_MAX_BODY) {
			http_fail(req, 413);
			return;
		}
	}
	if (!length) {
		req->status = HTTP_COMPLETE;
		return;
	}
	req->remaining = length;
	req->body_state = HTTP_BODY_LENGTH;
}

static void http_parse_head(struct http_request *req)
{
	char *line = req->head;
	char *eol;
	bool first = true;

	req->head_done = true;
	for (;;) {
		eol = strstr(line, "\r\n");
		if (!eol || eol == line)
			break;
		*eol = '\0';
		if (first ? http_parse_request_line(req, line) :
			    http_parse_header_line(req, line)) {
			http_fail(req, 400);
			return;
		}
		first = false;
		line = eol + 2;
	}
	if (first) {
		http_fail(req, 400);
		return;
	}
	http_start_body(req);
}

/* Collects one CRLF-terminated line; returns 1 when complete, -1 if bad. */
static int http_feed_line(struct http_request *req, char c)
{
	if (c == '\n') {
		if (!req->line_len || req->line[req->line_len - 1] != '\r')
			return -1;
		req->line[--req->line_len] = '\0';
		return 1;
	}
	if (req->line_len + 1 >= sizeof(req->line))
		return -1;
	req->line[req->line_len++] = c;
	return 0;
}

static void http_parse_chunk_size(struct http_request *req)
{
	char *p = req->line;
	unsigned long long size = 0;

	if (!isxdigit((unsigned char)*p)) {
		http_fail(req, 400);
		return;
	}
	for (; isxdigit((unsigned char)*p); p++) {
		size = size * 16 + (unsigned int)(isdigit((unsigned char)*p) ?
			*p - '0' : tolower((unsigned char)*p) - 'a' + 10);
		if (size > HTTP_MAX_BODY) {
			http_fail(req, 413);
			return;
		}
	}
	/* Chunk extensions (";name=value") are allowed and ignored. */
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p && *p != ';') {
		http_fail(req, 400);
		return;
	}
	if (req->body_len + size > HTTP_MAX_BODY) {
		http_fail(req, 413);
		return;
	}
	req->remaining = size;
	req->body_state = size ? HTTP_BODY_CHUNK_DATA : HTTP_BODY_TRAILER;
}

/* Consumes body bytes; returns how many of @len were used. */
static size_t http_feed_body(struct http_request *req, const uint8_t *data,
			     size_t len)
{
	size_t used = 0;
	size_t n;
	int rc;

	while (used < len && req->status == HTTP_INCOMPLETE) {
		switch (req->body_state) {
		case HTTP_BODY_LENGTH:
		case HTTP_BODY_CHUNK_DATA:
			n = len - used;
			if (n > req->remaining)
				n = req->remaining;
			if (http_body_append(req, data + used, n))
				return used;
			used += n;
			req->remaining -= n;
			if (req->remaining)
				break;
			if (req->body_state == HTTP_BODY_LENGTH)
				req->status = HTTP_COMPLETE;
			else
				req->body_state = HTTP_BODY_CHUNK_END;
			break;
		case HTTP_BODY_CHUNK_SIZE:
		case HTTP_BODY_CHUNK_END:
		case HTTP_BODY_TRAILER:
			rc = http_feed_line(req, (char)data[used++]);
			if (rc < 0) {
				http_fail(req, 400);
				break;
			}
			if (!rc)
				break;
			if (req->body_state == HTTP_BODY_CHUNK_SIZE) {
				http_parse_chunk_size(req);
			} else if (req->body_state == HTTP_BODY_CHUNK_END) {
				if (req->line_len)
					http_fail(req, 400);
				req->body_state = HTTP_BODY_CHUNK_SIZE;
			} else if (!req->line_len) {
				req->status = HTTP_COMPLETE;
			}
			req->line_len = 0;
			break;
		case HTTP_BODY_NONE:
			http_fail(req, 500);
			break;
		}
	}
	return used;
}

size_t http_request_feed(struct http_request *req, const uint8_t *data,
			 size_t len)
{
	size_t used = 0;

	while (used < len && req->status == HTTP_INCOMPLETE && !req->head_done) {
		char c = (char)data[used++];

		/* Empty lines before the request line are allowed. */
		if (!req->head_len && (c == '\r' || c == '\n'))
			continue;
		if (req->head_len == HTTP_MAX_HEAD) {
			http_fail(req, 413);
			return used;
		}
		req->head[req->head_len++] = c;
		req->head[req->head_len] = '\0';
		if (req->head_len >= 4 &&
		    !memcmp(req->head + req->head_len - 4, "\r\n\r\n", 4))
			http_parse_head(req);
	}
	if (req->status == HTTP_INCOMPLETE && req->head_done)
		used += http_feed_body(req, data + used, len - used);
	return used;
}

const char *http_request_header(const struct http_request *req,
				const char *name)
{
	unsigned int i;

	for (i = 0; i < req->header_count; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

bool http_value_has_token(const char *value, const char *token)
{
	size_t n = strlen(token);
	const char *p = value;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!strncasecmp(p, token, n) &&
		    (!p[n] || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

bool http_request_wants_close(const struct http_request *req)
{
	const char *conn = http_request_header(req, "Connection");

	if (conn && http_value_has_token(conn, "close"))
		return true;
	if (req->version_minor == 0)
		return !(conn && http_value_has_token(conn, "keep-alive"));
	return false;
}

void http_buf_free(struct http_buf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

int http_buf_append(struct http_buf *buf, const void *data, size_t len)
{
	size_t need = buf->len + len + 1;

	if (need > buf->cap) {
		size_t cap = buf->cap ? buf->cap : 1024;
		char *p;

		while (cap < need)
			cap *= 2;
		p = realloc(buf->data, cap);
		if (!p)
			return -1;
		buf->data = p;
		buf->cap = cap;
	}
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int http_buf_printf(struct http_buf *buf, const char *fmt, ...)
{
	char small[512];
	char *text = small;
	va_list ap;
	int n;
	int rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		text = malloc((size_t)n + 1);
		if (!text)
			return -1;
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = http_buf_append(buf, text, (size_t)n);
	if (text != small)
		free(text);
	return rc;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	default: return "Error";
	}
}

int http_format_error(struct http_buf *out, int status)
{
	return http_buf_printf(out,
			       "HTTP/1.1 %d %s\r\n"
			       "Server: Intel(R) Active Management Technology 16.1.25\r\n"
			       "Content-Length: 0\r\n"
			       "Connection: close\r\n"
			       "\r\n",
			       status, http_reason(status));
}
