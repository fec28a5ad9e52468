/* SPDX-License-Identifier: MIT */
/* One WS-Man HTTP exchange with AMT over a vpro_heci APF channel. */
#ifndef VPROCTL_APF_RELAY_H
#define VPROCTL_APF_RELAY_H

#include <stddef.h>
#include <stdint.h>

#define APF_DEFAULT_DEVICE	"/dev/vpro_apf0"

/*
 * Largest AMT response relayed. Its base64 form must fit in one 100 KiB
 * RPS message together with the JSON envelope.
 */
#define APF_MAX_RESPONSE_LEN	(72 * 1024)

/*
 * Opens @device, connects a channel to AMT @port, writes @request whole
 * and reads the response until AMT closes the channel. The whole exchange
 * is bounded by @timeout_ms. Returns 0 with a malloc'ed response in
 * @response, or a negative errno: -ENOENT when the device is missing
 * (vpro_heci.ko not loaded), -ETIMEDOUT, -EMSGSIZE when the response is
 * longer than APF_MAX_RESPONSE_LEN, or what the ioctl, write or read
 * failed with.
 */
/*
 * Opens @device and connects a channel to AMT @port, waiting at most
 * @timeout_ms for AMT. Returns the channel's file descriptor in
 * O_NONBLOCK mode, or a negative errno (-ENOENT when the device is
 * missing).
 */
int apf_relay_open(const char *device, uint16_t port, int timeout_ms);

int apf_relay_request(const char *device, uint16_t port,
		      const uint8_t *request, size_t request_len,
		      uint8_t **response, size_t *response_len,
		      int timeout_ms);

#endif /* VPROCTL_APF_RELAY_H */
