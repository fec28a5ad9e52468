/* SPDX-License-Identifier: MIT */
/*
 * Transports from vproctl to AMT's local ports: /dev/vpro_apf0 when
 * vpro_heci.ko is loaded (apf), else APF on the LME client of /dev/mei0
 * (mei), else LMS at 127.0.0.1 (lms). A channel is one TCP
 * connection to one AMT port: open it, write, read to EOF, close it.
 */
#ifndef VPROCTL_TRANSPORT_H
#define VPROCTL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "apf_mei.h"

enum transport_kind {
	TRANSPORT_AUTO,
	TRANSPORT_APF,
	TRANSPORT_MEI,
	TRANSPORT_LMS,
};

struct transport {
	enum transport_kind requested;
	enum transport_kind chosen;	/* TRANSPORT_AUTO until resolved */
	bool verbose;
	const char *apf_device;		/* APF_DEFAULT_DEVICE */
	const char *mei_device;		/* HECI_DEFAULT_DEVICE */
	struct apf_mei mei;		/* kept open across channels */
	bool mei_open;
	uint16_t last_port;		/* AMT port of the last channel */
};

struct transport_channel {
	struct transport *transport;
	int fd;				/* apf and lms; -1 for mei */
	long deadline_ms;		/* CLOCK_MONOTONIC */
};

/* Accepted values of --transport, for help text and errors. */
#define TRANSPORT_NAMES "auto, apf, mei or lms"

/* Parses a --transport value. Returns 0 or -EINVAL. */
int transport_parse(const char *name, enum transport_kind *kind);
const char *transport_name(enum transport_kind kind);

void transport_init(struct transport *t, enum transport_kind requested,
		    bool verbose);

/*
 * Opens a channel to AMT @port. Later reads and writes share the
 * deadline @timeout_ms from now. The first call resolves auto (and logs
 * the choice with -v). Returns 0 or a negative errno.
 */
int transport_open(struct transport *t, uint16_t port, int timeout_ms,
		   struct transport_channel *ch);
int transport_write(struct transport_channel *ch, const uint8_t *buf,
		    size_t len);
/* Returns bytes read, 0 at EOF (AMT closed the channel) or -errno. */
ssize_t transport_read(struct transport_channel *ch, uint8_t *buf,
		       size_t size);
void transport_close_channel(struct transport_channel *ch);

/*
 * Opens a channel, writes @request whole and reads the response to EOF.
 * Returns 0 with a malloc'ed @response, or a negative errno (-EMSGSIZE
 * when the response exceeds APF_MAX_RESPONSE_LEN).
 */
int transport_request(struct transport *t, uint16_t port,
		      const uint8_t *request, size_t request_len,
		      uint8_t **response, size_t *response_len,
		      int timeout_ms);

/*
 * Prints "Error N: ..." for the failure -@err of @t with the next step,
 * and returns N: 139 (LMS connection failed) for lms, else 71 (AMT
 * connection failed).
 */
int transport_error(const struct transport *t, int err);

/* Ends the mei link, if open. */
void transport_cleanup(struct transport *t);

/* Opens a TCP connection to LMS on 127.0.0.1:@port (user/lms.c). */
int lms_connect(uint16_t port, int timeout_ms);

#endif /* VPROCTL_TRANSPORT_H */
