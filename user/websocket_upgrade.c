// SPDX-License-Identifier: MIT
/* The client side of the RFC 6455 opening handshake. */
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base64.h"
#include "websocket_internal.h"

/* RFC 6455 section 1.3: appended to the key before hashing. */
static const char ws_accept_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int send_all(struct ws_conn *conn, const char *buf, size_t len,
		    long deadline_ms)
{
	size_t off = 0;

	while (off < len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(conn->curl, buf + off, len - off, &n);

		if (rc == CURLE_AGAIN) {
			if (ws_wait(conn, POLLOUT, deadline_ms) <= 0)
				return WS_ERR_TIMEOUT;
			continue;
		}
		if (rc != CURLE_OK)
			return WS_ERR_IO;
		off += n;
	}
	return WS_OK;
}

/* Computes base64(SHA-1(key + GUID)) into @out (29 bytes with NUL). */
static int expected_accept(const char *key, char *out, size_t size)
{
	unsigned char digest[SHA_DIGEST_LENGTH];
	char input[64];
	char *b64;

	snprintf(input, sizeof(input), "%s%s", key, ws_accept_guid);
	SHA1((const unsigned char *)input, strlen(input), digest);
	b64 = base64_encode(digest, sizeof(digest));
	if (!b64 || strlen(b64) >= size) {
		free(b64);
		return -1;
	}
	strcpy(out, b64);
	free(b64);
	return 0;
}

/* Finds header @name in @headers; returns a pointer to its trimmed value. */
static const char *find_header(char *headers, const char *name, char **end)
{
	size_t name_len = strlen(name);
	char *line = headers;

	while (line && *line) {
		char *next = strstr(line, "\r\n");

		if (next)
			*next = '\0';
		if (strncasecmp(line, name, name_len) == 0 &&
		    line[name_len] == ':') {
			char *value = line + name_len + 1;
			char *tail = value + strlen(value);

			while (*value == ' ' || *value == '\t')
				value++;
			while (tail > value && (tail[-1] == ' ' || tail[-1] == '\t'))
				*--tail = '\0';
			*end = next;
			return value;
		}
		if (next)
			*next = '\r';
		line = next ? next + 2 : NULL;
	}
	return NULL;
}

static bool header_equals(const char *headers, const char *name,
			  const char *value, bool token)
{
	char copy[WS_UPGRADE_MAX_LEN + 1];
	const char *found;
	char *end = NULL;

	snprintf(copy, sizeof(copy), "%s", headers);
	found = find_header(copy, name, &end);
	if (!found)
		return false;
	if (!token)
		return strcmp(found, value) == 0;
	/* Connection may list several tokens, e.g. "keep-alive, Upgrade". */
	return strcasestr(found, value) != NULL;
}

static int read_response(struct ws_conn *conn, char *buf, size_t *len,
			 size_t *header_len, long deadline_ms)
{
	*len = 0;
	for (;;) {
		char *end;
		size_t n = 0;
		CURLcode rc;

		if (*len == WS_UPGRADE_MAX_LEN)
			return WS_ERR_HANDSHAKE;
		rc = curl_easy_recv(conn->curl, buf + *len,
				    WS_UPGRADE_MAX_LEN - *len, &n);
		if (rc == CURLE_AGAIN) {
			if (ws_wait(conn, POLLIN, deadline_ms) <= 0)
				return WS_ERR_TIMEOUT;
			continue;
		}
		if (rc != CURLE_OK)
			return WS_ERR_IO;
		if (n == 0)
			return WS_ERR_CLOSED;
		*len += n;
		buf[*len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			*header_len = (size_t)(end - buf) + 4;
			return WS_OK;
		}
	}
}

static int check_response(char *buf, const char *accept, char *why,
			  size_t why_size)
{
	int status = 0;

	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		snprintf(why, why_size, "the server's reply is not HTTP");
		return WS_ERR_HANDSHAKE;
	}
	if (status != 101) {
		char *eol = strstr(buf, "\r\n");

		if (eol)
			*eol = '\0';
		snprintf(why, why_size, "the server answered \"%.120s\" instead of 101 Switching Protocols",
			 buf);
		return status == 401 || status == 403 ? WS_ERR_AUTH :
							WS_ERR_HANDSHAKE;
	}
	if (!header_equals(buf, "Upgrade", "websocket", true) ||
	    !header_equals(buf, "Connection", "upgrade", true)) {
		snprintf(why, why_size, "the 101 reply lacks \"Upgrade: websocket\" or \"Connection: Upgrade\"");
		return WS_ERR_HANDSHAKE;
	}
	if (!header_equals(buf, "Sec-WebSocket-Accept", accept, false)) {
		snprintf(why, why_size, "the server's Sec-WebSocket-Accept does not match the key sent");
		return WS_ERR_HANDSHAKE;
	}
	return WS_OK;
}

int ws_upgrade(struct ws_conn *conn, const char *host_header,
	       const char *path_query, long deadline_ms, char *why,
	       size_t why_size)
{
	char buf[WS_UPGRADE_MAX_LEN + 1];
	unsigned char nonce[16];
	char accept[32];
	size_t len, header_len;
	char *key;
	int n, ret;

	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		snprintf(why, why_size, "no random bytes for Sec-WebSocket-Key");
		return WS_ERR_IO;
	}
	key = base64_encode(nonce, sizeof(nonce));
	if (!key || expected_accept(key, accept, sizeof(accept)) < 0) {
		free(key);
		snprintf(why, why_size, "out of memory");
		return WS_ERR_IO;
	}

	n = snprintf(buf, sizeof(buf),
		     "GET %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n"
		     "User-Agent: vproctl/%s\r\n"
		     "\r\n",
		     path_query, host_header, key, VPROCTL_VERSION);
	free(key);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		snprintf(why, why_size, "the URL is too long for the upgrade request");
		return WS_ERR_URL;
	}

	ret = send_all(conn, buf, (size_t)n, deadline_ms);
	if (ret == WS_OK)
		ret = read_response(conn, buf, &len, &header_len, deadline_ms);
	if (ret != WS_OK) {
		snprintf(why, why_size, "the upgrade request failed: %s",
			 ws_strerror(ret));
		return ret == WS_ERR_CLOSED ? WS_ERR_HANDSHAKE : ret;
	}

	if (len > header_len) {
		conn->pending = malloc(len - header_len);
		if (!conn->pending)
			return WS_ERR_IO;
		memcpy(conn->pending, buf + header_len, len - header_len);
		conn->pending_len = len - header_len;
	}
	buf[header_len] = '\0';
	return check_response(buf, accept, why, why_size);
}
