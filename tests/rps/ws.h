/* SPDX-License-Identifier: MIT */
/* Server side of a WebSocket over TLS: handshake, text messages, close. */
#ifndef RPS_WS_H
#define RPS_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <wslay/wslay.h>

struct ws_message {
	struct ws_message *next;
	size_t len;
	char text[];	/* NUL-terminated */
};

struct ws_conn {
	int fd;
	SSL *ssl;
	wslay_event_context_ptr ctx;
	char early[4096];	/* bytes read past the HTTP upgrade request */
	size_t early_len;
	size_t early_off;
	struct ws_message *inbox;
	struct ws_message **inbox_tail;
	int rejected_binary;
};

SSL_CTX *ws_tls_context(const char *cert_file, const char *key_file);

/*
 * Runs the TLS handshake and the HTTP Upgrade on @fd, which must be
 * non-blocking. Only "GET @path" is accepted. With @reject_upgrade, a
 * valid upgrade request gets 401 Unauthorized, the reply of a server
 * that requires credentials the client did not send. Returns 0, or -1 after
 * logging why (the socket is then closed by ws_free()).
 */
int ws_accept(struct ws_conn *c, SSL_CTX *tls, int fd, const char *path,
	      bool reject_upgrade, int64_t deadline);

/* Queues and sends one text message. Returns 0 or -1. */
int ws_send_text(struct ws_conn *c, const char *text, int64_t deadline);

/*
 * Waits for one text message. Returns it (free() it), or NULL with
 * *timed_out set when the deadline passed and clear when the client
 * closed the connection or broke the protocol.
 */
struct ws_message *ws_recv_text(struct ws_conn *c, int64_t deadline,
				int *timed_out);

/* Sends a close frame and waits for the client's close, until @deadline. */
void ws_close(struct ws_conn *c, uint16_t code, const char *reason,
	      int64_t deadline);

/*
 * Ends the connection the way a crashed server or a broken network does:
 * closes the socket with neither a WebSocket close frame nor a TLS
 * close_notify. Later sends and receives on @c fail.
 */
void ws_drop(struct ws_conn *c);

void ws_free(struct ws_conn *c);

#endif /* RPS_WS_H */
