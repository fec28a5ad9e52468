/* SPDX-License-Identifier: MIT */
/*
 * rps-peer: a test stand-in for the Remote Provisioning Server (RPS). It
 * accepts one WebSocket session at a time on 127.0.0.1 and drives a client
 * control mode (CCM) activation through the client's WS-Man relay.
 */
#ifndef RPS_PEER_H
#define RPS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_MAX_PROFILES	8
#define PEER_NAME_MAX		64
#define PEER_PASSWORD_MAX	128

/* Bounds on each client message and on a whole session. */
#define PEER_MESSAGE_TIMEOUT_MS	12000
#define PEER_SESSION_TIMEOUT_MS	120000
/* Largest client message accepted. */
#define PEER_MAX_MESSAGE	(100 * 1024)

struct peer_profile {
	char name[PEER_NAME_MAX];
	char password[PEER_PASSWORD_MAX];
	bool cira;	/* add an MPS and CIRA policy after activation */
};

/* Protocol errors the peer can inject for client tests (--misbehave). */
enum peer_misbehave {
	PEER_MISBEHAVE_NONE,
	PEER_MISBEHAVE_NON_JSON,	/* a text frame that is not JSON */
	PEER_MISBEHAVE_BAD_BASE64,	/* a wsman message with invalid base64 */
	PEER_MISBEHAVE_UNKNOWN_METHOD,	/* a message with an unknown method */
	PEER_MISBEHAVE_REJECT_UPGRADE,	/* 401 to the WebSocket upgrade */
	PEER_MISBEHAVE_DROP,		/* drop TCP after the first WS-Man reply */
};

/* Maximum wait of --pause-file for the test to remove the file. */
#define PEER_PAUSE_TIMEOUT_MS	90000

struct peer_config {
	unsigned int port;
	const char *cert_file;
	const char *key_file;
	const char *log_file;
	const char *ready_file;
	struct peer_profile profiles[PEER_MAX_PROFILES];
	unsigned int profile_count;
	bool once;
	bool heartbeat;
	enum peer_misbehave misbehave;
	/* File created after the first WS-Man reply, then awaited until it is gone. */
	const char *pause_file;
	/* Base64 of the DER server certificate, the CIRA trusted root. */
	char *root_certificate;
	unsigned int accept_timeout_s;	/* 0: wait for a client forever */
};

/* log.c */
int log_open(const char *path);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds of CLOCK_MONOTONIC, for deadlines. */
int64_t now_ms(void);

/* codec.c: base64 and MD5 through OpenSSL. */
/* Returns the first certificate of a PEM file as base64 DER, or NULL. */
char *pem_certificate_base64(const char *path);
char *base64_encode(const void *data, size_t len);
/* Returns a NUL-terminated buffer and its length in @out_len, or NULL. */
char *base64_decode(const char *text, size_t *out_len);
void md5_hex(const void *data, size_t len, char out[33]);
void random_hex(char *out, size_t bytes);

struct ws_conn;

/* session.c: runs one RPS session on an accepted WebSocket connection. */
bool session_run(struct ws_conn *ws, const struct peer_config *cfg,
		 unsigned int id, int64_t deadline);

#endif /* RPS_PEER_H */
