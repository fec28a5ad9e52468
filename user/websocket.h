/* SPDX-License-Identifier: MIT */
/*
 * WebSocket client: libcurl opens TCP (and TLS for wss://) with
 * CURLOPT_CONNECT_ONLY, vproctl does the RFC 6455 HTTP Upgrade itself,
 * and libwslay does the framing. Debian 12's libcurl 7.88 has no
 * WebSocket API of its own.
 */
#ifndef VPROCTL_WEBSOCKET_H
#define VPROCTL_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>

#define WS_MAX_TEXT_LEN	(100 * 1024)

struct ws_options {
	const char *url;		/* ws:// or wss:// */
	const char *ca_file;		/* NULL: the system CA store */
	const char *proxy;		/* NULL: curl's *_proxy environment */
	bool insecure;			/* skip certificate and host name checks */
	long connect_timeout_ms;	/* TCP, TLS and upgrade, each */
	bool verbose;
};

enum ws_status {
	WS_OK = 0,
	WS_ERR_URL = -1,		/* malformed or not ws:// / wss:// */
	WS_ERR_CONNECT = -2,		/* resolve, connect or proxy failed */
	WS_ERR_TLS_VERIFY = -3,		/* server certificate rejected */
	WS_ERR_HANDSHAKE = -4,		/* the upgrade was refused or invalid */
	WS_ERR_AUTH = -5,		/* the upgrade got 401 or 403 */
	WS_ERR_TIMEOUT = -6,
	WS_ERR_CLOSED = -7,		/* the server closed the connection */
	WS_ERR_TOO_LONG = -8,		/* a text message over WS_MAX_TEXT_LEN */
	WS_ERR_IO = -9,
	WS_ERR_DROPPED = -10,		/* the connection ended without a close frame */
};

struct ws_conn;

/*
 * Connects to @opts->url and completes the WebSocket upgrade. Returns
 * WS_OK and the connection in @out, or a ws_status with a one-line cause
 * in @why.
 */
int ws_connect(const struct ws_options *opts, struct ws_conn **out,
	       char *why, size_t why_size);

/* Sends @text as one text frame, waiting at most @timeout_ms. */
int ws_send_text(struct ws_conn *conn, const char *text, size_t len,
		 int timeout_ms);

/*
 * Waits at most @timeout_ms for the next text message and returns it
 * NUL-terminated and malloc'ed in @text. wslay sends the pong for each ping received meanwhile.
 */
int ws_recv_text(struct ws_conn *conn, char **text, size_t *len,
		 int timeout_ms);

/* Sends a close frame (best effort, bounded) and frees @conn. */
void ws_close(struct ws_conn *conn);

/* Returns a readable name for a ws_status. */
const char *ws_strerror(int status);

#endif /* VPROCTL_WEBSOCKET_H */
