// SPDX-License-Identifier: MIT
/*
 * WebSocket server over OpenSSL: the HTTP Upgrade handshake (RFC 6455
 * section 4.2) is done here, the framing by libwslay.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "peer.h"
#include "ws.h"

/* RFC 6455: the server appends this GUID to Sec-WebSocket-Key. */
#define WS_KEY_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_REQUEST 8192

static void log_tls_error(const char *failed_step)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e) {
		ERR_error_string_n(e, text, sizeof(text));
		log_msg("%s: %s", failed_step, text);
	} else {
		log_msg("%s", failed_step);
	}
	ERR_clear_error();
}

SSL_CTX *ws_tls_context(const char *cert_file, const char *key_file)
{
	SSL_CTX *tls = SSL_CTX_new(TLS_server_method());

	if (!tls) {
		log_tls_error("TLS context creation failed");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(tls, cert_file) != 1) {
		log_tls_error("cannot load certificate");
		fprintf(stderr, "rps-peer: cannot load certificate %s; "
			"create one with gen-certs.sh\n", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(tls, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tls) != 1) {
		log_tls_error("cannot load private key");
		fprintf(stderr, "rps-peer: cannot load private key %s or it "
			"does not match %s\n", key_file, cert_file);
		goto fail;
	}
	return tls;
fail:
	SSL_CTX_free(tls);
	return NULL;
}

/* Polls @fd for what OpenSSL asked for. Returns 0, or -1 on timeout. */
static int wait_io(int fd, int ssl_error, int64_t deadline)
{
	struct pollfd p = { .fd = fd };
	int64_t left;
	int n;

	p.events = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -1;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int tls_write_all(struct ws_conn *c, const char *data, size_t len,
			 int64_t deadline)
{
	while (len > 0) {
		int n = SSL_write(c->ssl, data, (int)len);
		int err;

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		err = SSL_get_error(c->ssl, n);
		if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ||
		    wait_io(c->fd, err, deadline) < 0)
			return -1;
	}
	return 0;
}

static void send_http_error(struct ws_conn *c, const char *status,
			    const char *text, int64_t deadline)
{
	char reply[512];
	int n;

	n = snprintf(reply, sizeof(reply),
		     "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
		     status, strlen(text) + 1, text);
	tls_write_all(c, reply, (size_t)n, deadline);
	log_msg("rejected the HTTP request: %s: %s", status, text);
}

/*
 * Copies the value of header @name from the request @head into @out.
 * Returns 0, or -1 when the header is missing or too long.
 */
static int find_header(const char *head, const char *name, char *out,
		       size_t out_size)
{
	size_t name_len = strlen(name);
	const char *line = strstr(head, "\r\n");

	while (line && line[2] != '\r' && line[2] != '\0') {
		const char *start = line + 2;
		const char *end = strstr(start, "\r\n");
		size_t len;

		if (!end)
			break;
		if ((size_t)(end - start) > name_len &&
		    strncasecmp(start, name, name_len) == 0 &&
		    start[name_len] == ':') {
			start += name_len + 1;
			while (*start == ' ' || *start == '\t')
				start++;
			len = (size_t)(end - start);
			while (len > 0 && (start[len - 1] == ' ' ||
					   start[len - 1] == '\t'))
				len--;
			if (len >= out_size)
				return -1;
			memcpy(out, start, len);
			out[len] = '\0';
			return 0;
		}
		line = end;
	}
	return -1;
}

/* True when the comma-separated @list contains @token, ignoring case. */
static int has_token(const char *list, const char *token)
{
	size_t token_len = strlen(token);
	const char *p = list;

	while (*p) {
		const char *end;
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == token_len && strncasecmp(p, token, len) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static int read_request_head(struct ws_conn *c, char *head, size_t size,
			     int64_t deadline)
{
	size_t used = 0;
	char *end;

	for (;;) {
		int n = SSL_read(c->ssl, head + used, (int)(size - 1 - used));
		int err;

		if (n > 0) {
			used += (size_t)n;
			head[used] = '\0';
			end = strstr(head, "\r\n\r\n");
			if (end) {
				size_t head_len = (size_t)(end + 4 - head);

				c->early_len = used - head_len;
				if (c->early_len > sizeof(c->early))
					return -1;
				memcpy(c->early, end + 4, c->early_len);
				end[2] = '\0';
				return 0;
			}
			if (used >= size - 1) {
				log_msg("HTTP request header longer than %zu bytes",
					size - 1);
				return -1;
			}
			continue;
		}
		err = SSL_get_error(c->ssl, n);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			log_tls_error("client closed the connection before the HTTP upgrade");
			return -1;
		}
		if (wait_io(c->fd, err, deadline) < 0) {
			log_msg("timed out waiting for the HTTP upgrade request");
			return -1;
		}
	}
}

static void accept_key(const char *key, char out[64])
{
	unsigned char sha1[EVP_MAX_MD_SIZE];
	unsigned int sha1_len = 0;
	char joined[128];
	int n;

	n = snprintf(joined, sizeof(joined), "%s%s", key, WS_KEY_GUID);
	EVP_Digest(joined, (size_t)n, sha1, &sha1_len, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, sha1, (int)sha1_len);
}

static int http_upgrade(struct ws_conn *c, const char *path,
			bool reject_upgrade, int64_t deadline)
{
	char head[WS_MAX_REQUEST];
	char request_line[256];
	char expected[256];
	char value[256];
	char key[128];
	char accept[64];
	char reply[256];
	size_t line_len;
	int n;

	if (read_request_head(c, head, sizeof(head), deadline) < 0)
		return -1;

	line_len = strcspn(head, "\r");
	if (line_len >= sizeof(request_line))
		line_len = sizeof(request_line) - 1;
	memcpy(request_line, head, line_len);
	request_line[line_len] = '\0';
	log_msg("HTTP request: %s", request_line);

	snprintf(expected, sizeof(expected), "GET %s HTTP/1.1", path);
	if (strncmp(request_line, "GET ", 4) != 0) {
		send_http_error(c, "405 Method Not Allowed",
				"only GET with a WebSocket upgrade is served",
				deadline);
		return -1;
	}
	if (strcmp(request_line, expected) != 0) {
		snprintf(value, sizeof(value), "path not found; use %s", path);
		send_http_error(c, "404 Not Found", value, deadline);
		return -1;
	}
	if (find_header(head, "Upgrade", value, sizeof(value)) < 0 ||
	    !has_token(value, "websocket") ||
	    find_header(head, "Connection", value, sizeof(value)) < 0 ||
	    !has_token(value, "upgrade")) {
		send_http_error(c, "400 Bad Request",
				"missing Upgrade: websocket or Connection: Upgrade header",
				deadline);
		return -1;
	}
	if (find_header(head, "Sec-WebSocket-Version", value, sizeof(value)) < 0 ||
	    strcmp(value, "13") != 0) {
		send_http_error(c, "426 Upgrade Required",
				"Sec-WebSocket-Version must be 13", deadline);
		return -1;
	}
	/* The key is 16 random bytes in base64: 24 characters. */
	if (find_header(head, "Sec-WebSocket-Key", key, sizeof(key)) < 0 ||
	    strlen(key) != 24) {
		send_http_error(c, "400 Bad Request",
				"missing or invalid Sec-WebSocket-Key header",
				deadline);
		return -1;
	}

	if (reject_upgrade) {
		send_http_error(c, "401 Unauthorized",
				"the peer runs with --misbehave reject-upgrade",
				deadline);
		return -1;
	}

	accept_key(key, accept);
	n = snprintf(reply, sizeof(reply),
		     "HTTP/1.1 101 Switching Protocols\r\n"
		     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (tls_write_all(c, reply, (size_t)n, deadline) < 0) {
		log_tls_error("sending the 101 response failed");
		return -1;
	}
	return 0;
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf,
			  size_t len, int flags, void *user)
{
	struct ws_conn *c = user;
	int n;
	int err;

	(void)flags;
	if (c->early_off < c->early_len) {
		size_t left = c->early_len - c->early_off;

		if (len > left)
			len = left;
		memcpy(buf, c->early + c->early_off, len);
		c->early_off += len;
		return (ssize_t)len;
	}
	n = SSL_read(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
	if (n > 0)
		return n;
	err = SSL_get_error(c->ssl, n);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data,
			  size_t len, int flags, void *user)
{
	struct ws_conn *c = user;
	int n;
	int err;

	(void)flags;
	n = SSL_write(c->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);
	if (n > 0)
		return n;
	err = SSL_get_error(c->ssl, n);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void ws_msg_cb(wslay_event_context_ptr ctx,
		      const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct ws_conn *c = user;
	struct ws_message *m;

	(void)ctx;
	if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		log_msg("client sent close code %u", arg->status_code);
		return;
	}
	if (arg->opcode == WSLAY_BINARY_FRAME) {
		log_msg("rejected a binary message of %zu bytes; RPS messages are JSON text",
			arg->msg_length);
		c->rejected_binary = 1;
		return;
	}
	if (arg->opcode != WSLAY_TEXT_FRAME)
		return;
	m = malloc(sizeof(*m) + arg->msg_length + 1);
	if (!m)
		return;
	m->next = NULL;
	m->len = arg->msg_length;
	memcpy(m->text, arg->msg, arg->msg_length);
	m->text[m->len] = '\0';
	*c->inbox_tail = m;
	c->inbox_tail = &m->next;
}

int ws_accept(struct ws_conn *c, SSL_CTX *tls, int fd, const char *path,
	      bool reject_upgrade, int64_t deadline)
{
	struct wslay_event_callbacks callbacks = {
		.recv_callback = ws_recv_cb,
		.send_callback = ws_send_cb,
		.on_msg_recv_callback = ws_msg_cb,
	};
	int n;
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->inbox_tail = &c->inbox;
	c->ssl = SSL_new(tls);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		log_tls_error("TLS session setup failed");
		return -1;
	}
	for (;;) {
		n = SSL_accept(c->ssl);
		if (n == 1)
			break;
		err = SSL_get_error(c->ssl, n);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			log_tls_error("TLS handshake failed");
			return -1;
		}
		if (wait_io(fd, err, deadline) < 0) {
			log_msg("timed out in the TLS handshake");
			return -1;
		}
	}
	log_msg("TLS handshake done: %s, %s", SSL_get_version(c->ssl),
		SSL_get_cipher_name(c->ssl));

	if (http_upgrade(c, path, reject_upgrade, deadline) < 0)
		return -1;

	if (wslay_event_context_server_init(&c->ctx, &callbacks, c) != 0) {
		log_msg("wslay context setup failed");
		return -1;
	}
	wslay_event_config_set_max_recv_msg_length(c->ctx, PEER_MAX_MESSAGE);
	log_msg("WebSocket open on %s", path);
	return 0;
}

/*
 * Moves data both ways until @done() holds, the connection closed, or
 * @deadline passed. Returns 0 when done, -1 on close or error, -2 on
 * timeout.
 */
static int ws_pump(struct ws_conn *c, int (*done)(struct ws_conn *c),
		   int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd };
		int64_t left;
		int n;

		if (wslay_event_want_write(c->ctx) &&
		    wslay_event_send(c->ctx) != 0)
			return -1;
		if (done(c))
			return 0;
		if (c->rejected_binary)
			return -1;
		if (!wslay_event_want_read(c->ctx) &&
		    !wslay_event_want_write(c->ctx))
			return -1;
		if (wslay_event_want_read(c->ctx) &&
		    (c->early_off < c->early_len || SSL_pending(c->ssl) > 0)) {
			if (wslay_event_recv(c->ctx) != 0)
				return -1;
			continue;
		}

		if (wslay_event_want_read(c->ctx))
			p.events |= POLLIN;
		if (wslay_event_want_write(c->ctx))
			p.events |= POLLOUT;
		left = deadline - now_ms();
		if (left <= 0)
			return -2;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		if ((p.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    wslay_event_recv(c->ctx) != 0)
			return -1;
	}
}

static int inbox_ready(struct ws_conn *c)
{
	return c->inbox != NULL;
}

static int sent_all(struct ws_conn *c)
{
	return !wslay_event_want_write(c->ctx);
}

int ws_send_text(struct ws_conn *c, const char *text, int64_t deadline)
{
	struct wslay_event_msg msg = {
		.opcode = WSLAY_TEXT_FRAME,
		.msg = (const uint8_t *)text,
		.msg_length = strlen(text),
	};

	if (!c->ctx)
		return -1;
	/* wslay copies the message, so @text may go away after queuing. */
	if (wslay_event_queue_msg(c->ctx, &msg) != 0)
		return -1;
	return ws_pump(c, sent_all, deadline) == 0 ? 0 : -1;
}

struct ws_message *ws_recv_text(struct ws_conn *c, int64_t deadline,
				int *timed_out)
{
	struct ws_message *m;
	int rc = 0;

	*timed_out = 0;
	if (!c->ctx)
		return NULL;
	if (!c->inbox)
		rc = ws_pump(c, inbox_ready, deadline);
	if (rc == -2)
		*timed_out = 1;
	if (!c->inbox)
		return NULL;
	m = c->inbox;
	c->inbox = m->next;
	if (!c->inbox)
		c->inbox_tail = &c->inbox;
	return m;
}

static int close_done(struct ws_conn *c)
{
	return !wslay_event_want_read(c->ctx) && !wslay_event_want_write(c->ctx);
}

void ws_close(struct ws_conn *c, uint16_t code, const char *reason,
	      int64_t deadline)
{
	if (!c->ctx)
		return;
	if (wslay_event_queue_close(c->ctx, code, (const uint8_t *)reason,
				    strlen(reason)) != 0)
		return;
	ws_pump(c, close_done, deadline);
}

void ws_drop(struct ws_conn *c)
{
	if (c->ctx) {
		wslay_event_context_free(c->ctx);
		c->ctx = NULL;
	}
	/* SSL_shutdown() in ws_free() then sends no close_notify. */
	if (c->ssl)
		SSL_set_quiet_shutdown(c->ssl, 1);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

void ws_free(struct ws_conn *c)
{
	while (c->inbox) {
		struct ws_message *m = c->inbox;

		c->inbox = m->next;
		free(m);
	}
	if (c->ctx)
		wslay_event_context_free(c->ctx);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}
