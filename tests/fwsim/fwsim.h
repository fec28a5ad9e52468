/* SPDX-License-Identifier: MIT */
/*
 * Firmware model. The HBM layer (hbm.c) owns /dev/mesim, connections and
 * flow control. Each firmware client (AMTHI, LME) plugs in through
 * struct fw_client and receives only whole messages.
 */
#ifndef FWSIM_H
#define FWSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fw_sku {
	FW_SKU_AMT,
	FW_SKU_ISM,
	FW_SKU_NONE,
};

/* Firmware state shared by the clients; defined in state.c. */
struct fw_state {
	enum fw_sku sku;
	uint32_t control_mode;		/* 0 none, 1 CCM, 2 ACM */
	uint32_t provisioning_state;	/* 0 pre, 1 in, 2 post */
	uint8_t uuid[16];		/* as GetUUID returns it on the wire */
	char lsa_user[34];		/* local system account */
	char lsa_password[34];
	char admin_digest[33];		/* md5 hex set by Setup, empty before */
	char digest_realm[48];		/* "Digest:" + 32 hex digits */
	char dns_suffix[256];
	bool verbose;
	uint16_t bench_port;		/* --bench-port; 0 when off */
};

extern struct fw_state fw_state;

struct fw_conn;

/* A firmware client; the HBM layer calls these with whole messages. */
struct fw_client {
	const char *name;
	uint8_t uuid[16];		/* in HBM wire order */
	uint32_t max_msg_len;
	uint8_t protocol_version;
	uint8_t max_connections;	/* 1: more would keep it off the MEI bus */
	void (*connected)(struct fw_conn *conn);
	void (*received)(struct fw_conn *conn, const uint8_t *msg, size_t len);
	void (*disconnected)(struct fw_conn *conn);
};

/*
 * Queues one whole message to the host. The HBM layer splits it into
 * frames and sends them against the host's flow-control credits.
 * Returns 0, or -1 when the connection is gone or @len exceeds max_msg_len.
 */
int fw_send(struct fw_conn *conn, const void *msg, size_t len);

/* Starts a firmware-initiated disconnect of @conn. */
void fw_disconnect(struct fw_conn *conn);

void *fw_conn_priv(struct fw_conn *conn);
void fw_conn_set_priv(struct fw_conn *conn, void *priv);

extern const struct fw_client fw_amthi_client;
extern const struct fw_client fw_lme_client;

void fw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* FWSIM_H */
