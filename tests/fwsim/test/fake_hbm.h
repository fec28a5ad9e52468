/* SPDX-License-Identifier: MIT */
/*
 * A fake HBM layer for the firmware model's unit tests: fw_send() stores
 * each message so a test can inspect what a client sent to the host.
 */
#ifndef FWSIM_FAKE_HBM_H
#define FWSIM_FAKE_HBM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwsim.h"

#define FAKE_MAX_SENT 512

struct fw_conn {
	const struct fw_client *client;
	void *priv;
	bool disconnected;		/* fw_disconnect() was called */
	unsigned int oversized_sends;	/* fw_send() calls over max_msg_len */
};

struct fake_msg {
	uint8_t *data;
	size_t len;
};

extern struct fake_msg fake_sent[FAKE_MAX_SENT];
extern unsigned int fake_sent_count;

/* Everything fw_log() printed since the last fake_reset_log(). */
extern char fake_log[65536];

void fake_conn_init(struct fw_conn *conn, const struct fw_client *client);
void fake_clear_sent(void);
void fake_reset_log(void);

#endif /* FWSIM_FAKE_HBM_H */
