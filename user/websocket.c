// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "websocket_internal.h"

#define WS_CLOSE_TIMEOUT_MS	1000

long ws_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int ws_wait(struct ws_conn *conn, short events, long deadline_ms)
{
	struct pollfd pfd = { .fd = conn->sock, .events = events };

	for (;;) {
		long left = deadline_ms - ws_now_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		return rc > 0 ? 1 : 0;
	}
}

const char *ws_strerror(int status)
{
	switch (status) {
	case WS_OK:
		return "success";
	case WS_ERR_URL:
		return "invalid URL";
	case WS_ERR_CONNECT:
		return "connection failed";
	case WS_ERR_TLS_VERIFY:
		return "server certificate verification failed";
	case WS_ERR_HANDSHAKE:
		return "WebSocket upgrade failed";
	case WS_ERR_AUTH:
		return "the server rejected the upgrade (401/403)";
	case WS_ERR_TIMEOUT:
		return "timed out";
	case WS_ERR_CLOSED:
		return "the server closed the connection";
	case WS_ERR_TOO_LONG:
		return "message longer than 100 KiB";
	case WS_ERR_DROPPED:
		return "the connection dropped without a WebSocket close";
	default:
		return "I/O error";
	}
}

static ssize_t recv_callback(wslay_event_context_ptr ctx, uint8_t *buf,
			     size_t len, int flags, void *user_data)
{
	struct ws_conn *conn = user_data;
	size_t n = 0;
	CURLcode rc;

	(void)flags;
	if (conn->pending_off < conn->pending_len) {
		n = conn->pending_len - conn->pending_off;
		if (n > len)
			n = len;
		memcpy(buf, conn->pending + conn->pending_off, n);
		conn->pending_off += n;
		return (ssize_t)n;
	}

	rc = curl_easy_recv(conn->curl, buf, len, &n);
	if (rc == CURLE_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (rc != CURLE_OK || n == 0) {
		conn->eof = true;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)n;
}

static ssize_t send_callback(wslay_event_context_ptr ctx, const uint8_t *data,
			     size_t len, int flags, void *user_data)
{
	struct ws_conn *conn = user_data;
	size_t n = 0;
	CURLcode rc;

	(void)flags;
	rc = curl_easy_send(conn->curl, data, len, &n);
	if (rc == CURLE_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (rc != CURLE_OK) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)n;
}

static int genmask_callback(wslay_event_context_ptr ctx, uint8_t *buf,
			    size_t len, void *user_data)
{
	(void)user_data;
	if (RAND_bytes(buf, (int)len) != 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return 0;
}

static void on_msg_recv_callback(wslay_event_context_ptr ctx,
				 const struct wslay_event_on_msg_recv_arg *arg,
				 void *user_data)
{
	struct ws_conn *conn = user_data;
	struct ws_message *msg;

	(void)ctx;
	if (arg->opcode != WSLAY_TEXT_FRAME) {
		if (conn->verbose && arg->opcode == WSLAY_BINARY_FRAME)
			fprintf(stderr, "vproctl: ignored a binary message of %zu bytes\n",
				arg->msg_length);
		return;
	}

	msg = malloc(sizeof(*msg) + arg->msg_length + 1);
	if (!msg) {
		wslay_event_set_error(ctx, WSLAY_ERR_NOMEM);
		return;
	}
	msg->next = NULL;
	msg->len = arg->msg_length;
	memcpy(msg->text, arg->msg, arg->msg_length);
	msg->text[arg->msg_length] = '\0';
	if (conn->tail)
		conn->tail->next = msg;
	else
		conn->head = msg;
	conn->tail = msg;
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = recv_callback,
	.send_callback = send_callback,
	.genmask_callback = genmask_callback,
	.on_msg_recv_callback = on_msg_recv_callback,
};

static int map_curl_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return WS_ERR_URL;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return WS_ERR_TLS_VERIFY;
	case CURLE_OPERATION_TIMEDOUT:
		return WS_ERR_TIMEOUT;
	default:
		return WS_ERR_CONNECT;
	}
}

/*
 * Parses @url, checks the ws:// or wss:// scheme, and prepares the
 * http(s):// URL that curl connects to plus the Host header and request
 * target of the upgrade.
 */
static int parse_url(const char *url, CURLU **out_url, char *host_header,
		     size_t host_size, char *target, size_t target_size,
		     char *why, size_t why_size)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL,
	     *query = NULL;
	int ret = WS_ERR_URL;
	CURLU *u = curl_url();

	if (!u)
		return WS_ERR_IO;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		snprintf(why, why_size, "\"%s\" is not a valid URL", url);
		goto out;
	}
	if (strcmp(scheme, "wss") && strcmp(scheme, "ws")) {
		snprintf(why, why_size, "\"%s\" has scheme \"%s\"; use wss:// (or ws:// for tests)",
			 url, scheme);
		goto out;
	}
	curl_url_set(u, CURLUPART_SCHEME, strcmp(scheme, "wss") ? "http" : "https",
		     0);
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		snprintf(host_header, host_size, "%s:%s", host, port);
	else
		snprintf(host_header, host_size, "%s", host);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	snprintf(target, target_size, "%s%s%s", path ? path : "/",
		 query ? "?" : "", query ? query : "");
	*out_url = u;
	u = NULL;
	ret = WS_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return ret;
}

static int open_transport(struct ws_conn *conn, const struct ws_options *opts,
			  CURLU *u, char *why, size_t why_size)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	conn->curl = curl_easy_init();
	if (!conn->curl)
		return WS_ERR_IO;
	curl_easy_setopt(conn->curl, CURLOPT_CURLU, u);
	curl_easy_setopt(conn->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(conn->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(conn->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(conn->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 opts->connect_timeout_ms);
	curl_easy_setopt(conn->curl, CURLOPT_SSL_VERIFYPEER,
			 opts->insecure ? 0L : 1L);
	curl_easy_setopt(conn->curl, CURLOPT_SSL_VERIFYHOST,
			 opts->insecure ? 0L : 2L);
	if (opts->ca_file)
		curl_easy_setopt(conn->curl, CURLOPT_CAINFO, opts->ca_file);
	if (opts->proxy) {
		curl_easy_setopt(conn->curl, CURLOPT_PROXY, opts->proxy);
		curl_easy_setopt(conn->curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
	}

	rc = curl_easy_perform(conn->curl);
	curl_easy_setopt(conn->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK && map_curl_error(rc) == WS_ERR_TLS_VERIFY) {
		char *host = NULL;

		curl_url_get(u, CURLUPART_HOST, &host, 0);
		snprintf(why, why_size, "The certificate of RPS host %s was rejected: %s",
			 host ? host : opts->url,
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		curl_free(host);
		return WS_ERR_TLS_VERIFY;
	}
	if (rc != CURLE_OK) {
		snprintf(why, why_size, "%s: %s", opts->url,
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return map_curl_error(rc);
	}
	if (curl_easy_getinfo(conn->curl, CURLINFO_ACTIVESOCKET, &conn->sock) !=
	    CURLE_OK || conn->sock == CURL_SOCKET_BAD) {
		snprintf(why, why_size, "curl returned no socket");
		return WS_ERR_IO;
	}
	return WS_OK;
}

int ws_connect(const struct ws_options *opts, struct ws_conn **out,
	       char *why, size_t why_size)
{
	char host_header[512], target[2048];
	struct ws_conn *conn;
	CURLU *u = NULL;
	int ret;

	*out = NULL;
	ret = parse_url(opts->url, &u, host_header, sizeof(host_header),
			target, sizeof(target), why, why_size);
	if (ret != WS_OK)
		return ret;

	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		curl_url_cleanup(u);
		return WS_ERR_IO;
	}
	conn->verbose = opts->verbose;
	conn->sock = CURL_SOCKET_BAD;
	conn->url = u;

	ret = open_transport(conn, opts, u, why, why_size);
	if (ret == WS_OK)
		ret = ws_upgrade(conn, host_header, target,
				 ws_now_ms() + opts->connect_timeout_ms, why,
				 why_size);
	if (ret == WS_OK &&
	    wslay_event_context_client_init(&conn->ctx, &ws_callbacks, conn)) {
		snprintf(why, why_size, "out of memory");
		ret = WS_ERR_IO;
	}
	if (ret != WS_OK) {
		ws_close(conn);
		return ret;
	}
	wslay_event_config_set_max_recv_msg_length(conn->ctx, WS_MAX_TEXT_LEN);
	*out = conn;
	return WS_OK;
}

static int flush_send(struct ws_conn *conn, long deadline_ms)
{
	while (wslay_event_want_write(conn->ctx)) {
		if (wslay_event_send(conn->ctx) != 0)
			return WS_ERR_IO;
		if (!wslay_event_want_write(conn->ctx))
			break;
		if (ws_wait(conn, POLLOUT, deadline_ms) <= 0)
			return WS_ERR_TIMEOUT;
	}
	return WS_OK;
}

int ws_send_text(struct ws_conn *conn, const char *text, size_t len,
		 int timeout_ms)
{
	struct wslay_event_msg msg = {
		.opcode = WSLAY_TEXT_FRAME,
		.msg = (const uint8_t *)text,
		.msg_length = len,
	};

	if (len > WS_MAX_TEXT_LEN)
		return WS_ERR_TOO_LONG;
	if (wslay_event_queue_msg(conn->ctx, &msg) != 0)
		return WS_ERR_CLOSED;
	return flush_send(conn, ws_now_ms() + timeout_ms);
}

static int closed_status(struct ws_conn *conn)
{
	/* wslay closes with code 1009 when a message exceeds the maximum. */
	if (wslay_event_get_status_code_sent(conn->ctx) == 1009)
		return WS_ERR_TOO_LONG;
	/* RFC 6455 servers send a close frame first, so EOF without one is a drop. */
	if (conn->eof && !wslay_event_get_close_received(conn->ctx))
		return WS_ERR_DROPPED;
	return WS_ERR_CLOSED;
}

int ws_recv_text(struct ws_conn *conn, char **text, size_t *len,
		 int timeout_ms)
{
	long deadline = ws_now_ms() + timeout_ms;
	struct ws_message *msg;

	while (!conn->head) {
		short events = POLLIN;
		int rc;

		if (wslay_event_recv(conn->ctx) != 0)
			return conn->eof ? closed_status(conn) : WS_ERR_IO;
		/* Pongs and the close reply go out as soon as they are queued. */
		if (flush_send(conn, deadline) != WS_OK)
			return WS_ERR_IO;
		if (conn->head)
			break;
		if (!wslay_event_want_read(conn->ctx))
			return closed_status(conn);
		if (wslay_event_want_write(conn->ctx))
			events |= POLLOUT;
		rc = ws_wait(conn, events, deadline);
		if (rc == 0)
			return WS_ERR_TIMEOUT;
		if (rc < 0)
			return WS_ERR_IO;
	}

	msg = conn->head;
	conn->head = msg->next;
	if (!conn->head)
		conn->tail = NULL;
	*len = msg->len;
	*text = malloc(msg->len + 1);
	if (*text)
		memcpy(*text, msg->text, msg->len + 1);
	free(msg);
	return *text ? WS_OK : WS_ERR_IO;
}

void ws_close(struct ws_conn *conn)
{
	struct ws_message *msg;

	if (!conn)
		return;
	if (conn->ctx) {
		if (!wslay_event_get_close_sent(conn->ctx))
			wslay_event_queue_close(conn->ctx, WSLAY_CODE_NORMAL_CLOSURE,
						NULL, 0);
		flush_send(conn, ws_now_ms() + WS_CLOSE_TIMEOUT_MS);
		wslay_event_context_free(conn->ctx);
	}
	while ((msg = conn->head)) {
		conn->head = msg->next;
		free(msg);
	}
	if (conn->curl)
		curl_easy_cleanup(conn->curl);
	curl_url_cleanup(conn->url);
	free(conn->pending);
	free(conn);
}
