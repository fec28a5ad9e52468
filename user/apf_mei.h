/* SPDX-License-Identifier: MIT */
/*
 * A userspace APF engine on the LME client of /dev/mei0, for when
 * vpro_heci.ko is not loaded. One link carries one channel at a time.
 * The link runs over any file descriptor that keeps message boundaries,
 * one APF message per read() or write(): /dev/mei0 connected to LME, or
 * a SOCK_SEQPACKET socket in the unit tests.
 */
#ifndef VPROCTL_APF_MEI_H
#define VPROCTL_APF_MEI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Receive window granted to AMT for each channel, in bytes. */
#define APF_MEI_WINDOW		4096
#define APF_MEI_MAX_PORTS	8

/* LME client UUID 6733a4db-0476-4e7b-b3af-bcfc29bee7a7 in uuid_le order. */
extern const uint8_t apf_mei_lme_uuid[16];

struct apf_mei {
	int fd;
	uint32_t max_msg_len;
	bool verbose;
	bool link_up;		/* AMT sent PROTOCOL_VERSION 1.x */
	uint8_t *msg;		/* receive buffer of max_msg_len bytes */

	/* Ports AMT announced with tcpip-forward. */
	uint32_t ports[APF_MEI_MAX_PORTS];
	unsigned int port_count;

	/* The current channel. */
	uint32_t next_sender;
	uint32_t sender;	/* our id; 0 when no channel is open */
	uint32_t recipient;	/* AMT's id */
	bool open_pending;
	int open_result;	/* 0 or a negative errno once AMT replied */
	uint32_t send_window;	/* bytes AMT still accepts */
	uint32_t open_window;	/* window AMT granted with the channel */
	bool peer_closed;	/* AMT sent CHANNEL_CLOSE */
	bool close_sent;
	uint8_t rx[APF_MEI_WINDOW];	/* data received, not yet read */
	size_t rx_len;
};

/*
 * Starts the APF link on @fd, which must already be connected to LME and
 * whose messages are at most @max_msg_len bytes: sends PROTOCOL_VERSION
 * 1.0 and replies to AMT's handshake messages until AMT has announced a port
 * and then stayed quiet for a short settle time. The engine owns @fd from
 * here on, even on failure. Returns 0 or a negative errno: -ETIMEDOUT,
 * -EPROTO for a malformed or unsupported reply, -ECONNRESET when AMT sent
 * DISCONNECT.
 */
int apf_mei_start(struct apf_mei *m, int fd, uint32_t max_msg_len,
		  int timeout_ms);

/*
 * Connects to LME on the mei character device @device (retrying EBUSY with
 * a bounded backoff in heci_connect()) and starts the link.
 */
int apf_mei_open(struct apf_mei *m, const char *device, int timeout_ms);

/*
 * Opens a forwarded-tcpip channel to AMT @port. Returns 0, -ECONNREFUSED
 * when AMT did not announce @port or refused the channel, -ETIMEDOUT, or
 * another negative errno when the link failed.
 */
int apf_mei_channel_open(struct apf_mei *m, uint16_t port, int timeout_ms);

/* Sends all of @buf on the channel within AMT's window, by @deadline_ms. */
int apf_mei_write(struct apf_mei *m, const uint8_t *buf, size_t len,
		  long deadline_ms);

/*
 * Reads up to @size bytes of channel data, waiting until @deadline_ms.
 * Returns the byte count, 0 once AMT closed the channel and every byte
 * was read, or a negative errno.
 */
ssize_t apf_mei_read(struct apf_mei *m, uint8_t *buf, size_t size,
		     long deadline_ms);

/* Sends CHANNEL_CLOSE unless already sent. The link stays up. */
void apf_mei_channel_close(struct apf_mei *m);

/* Closes the link and its file descriptor. */
void apf_mei_close(struct apf_mei *m);

/* CLOCK_MONOTONIC in milliseconds, the clock of every deadline here. */
long apf_mei_now_ms(void);

#endif /* VPROCTL_APF_MEI_H */
