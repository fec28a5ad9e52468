/* SPDX-License-Identifier: MIT */
/* Parts of the WebSocket client shared by websocket.c and websocket_upgrade.c. */
#ifndef VPROCTL_WEBSOCKET_INTERNAL_H
#define VPROCTL_WEBSOCKET_INTERNAL_H

#include <curl/curl.h>
#include <wslay/wslay.h>

#include "websocket.h"

#define WS_UPGRADE_MAX_LEN	8192

struct ws_message {
	struct ws_message *next;
	size_t len;
	char text[];
};

struct ws_conn {
	CURL *curl;
	CURLU *url;		/* used by curl until curl_easy_cleanup() */
	curl_socket_t sock;
	wslay_event_context_ptr ctx;
	/* Bytes that arrived after the upgrade response, read before the socket. */
	unsigned char *pending;
	size_t pending_len;
	size_t pending_off;
	struct ws_message *head;
	struct ws_message *tail;
	bool eof;
	bool verbose;
};

/* Returns the CLOCK_MONOTONIC time in milliseconds. */
long ws_now_ms(void);

/*
 * Waits until the socket is ready for @events or @deadline_ms passes.
 * Returns 1 when ready, 0 on timeout, -1 on error.
 */
int ws_wait(struct ws_conn *conn, short events, long deadline_ms);

/*
 * Sends the HTTP Upgrade request for @path_query to @host_header and
 * checks the 101 response and its Sec-WebSocket-Accept. Keeps bytes
 * after the response in conn->pending. Returns WS_OK or a ws_status.
 */
int ws_upgrade(struct ws_conn *conn, const char *host_header,
	       const char *path_query, long deadline_ms, char *why,
	       size_t why_size);

#endif /* VPROCTL_WEBSOCKET_INTERNAL_H */
