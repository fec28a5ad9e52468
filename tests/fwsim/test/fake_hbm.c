// SPDX-License-Identifier: MIT
/* Fake HBM layer: records what the firmware clients send. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hbm.h"

struct fw_state fw_state;
struct fake_msg fake_sent[FAKE_MAX_SENT];
unsigned int fake_sent_count;
char fake_log[65536];
static size_t fake_log_len;

void fake_conn_init(struct fw_conn *conn, const struct fw_client *client)
{
	memset(conn, 0, sizeof(*conn));
	conn->client = client;
}

void fake_clear_sent(void)
{
	unsigned int i;

	for (i = 0; i < fake_sent_count; i++)
		free(fake_sent[i].data);
	fake_sent_count = 0;
}

void fake_reset_log(void)
{
	fake_log[0] = '\0';
	fake_log_len = 0;
}

int fw_send(struct fw_conn *conn, const void *msg, size_t len)
{
	if (conn->disconnected)
		return -1;
	if (len > conn->client->max_msg_len) {
		conn->oversized_sends++;
		return -1;
	}
	if (fake_sent_count == FAKE_MAX_SENT) {
		fprintf(stderr, "fake_hbm: more than %d messages queued\n",
			FAKE_MAX_SENT);
		abort();
	}
	fake_sent[fake_sent_count].data = malloc(len ? len : 1);
	if (!fake_sent[fake_sent_count].data)
		abort();
	memcpy(fake_sent[fake_sent_count].data, msg, len);
	fake_sent[fake_sent_count].len = len;
	fake_sent_count++;
	return 0;
}

/* Calls the client's disconnected() at once, as hbm.c does. */
void fw_disconnect(struct fw_conn *conn)
{
	if (conn->disconnected)
		return;
	conn->disconnected = true;
	conn->client->disconnected(conn);
}

void *fw_conn_priv(struct fw_conn *conn)
{
	return conn->priv;
}

void fw_conn_set_priv(struct fw_conn *conn, void *priv)
{
	conn->priv = priv;
}

void fw_log(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(fake_log + fake_log_len, sizeof(fake_log) - fake_log_len,
		      fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	fake_log_len += (size_t)n;
	if (fake_log_len >= sizeof(fake_log) - 2)
		fake_log_len = 0;	/* wrap: tests reset the log often */
	fake_log[fake_log_len++] = '\n';
	fake_log[fake_log_len] = '\0';
}
