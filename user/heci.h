/* SPDX-License-Identifier: MIT */
/*
 * HECI transport: one connection to a firmware client through the
 * standard mei character device (/dev/mei0).
 */
#ifndef VPROCTL_HECI_H
#define VPROCTL_HECI_H

#include <stddef.h>
#include <stdint.h>

#define HECI_DEFAULT_DEVICE	"/dev/mei0"

struct heci {
	int fd;
	uint32_t max_msg_len;
	uint8_t protocol_version;
};

/* AMTHI client UUID 12f80028-b4b7-4b2d-aca8-46e0ff65814c in uuid_le order. */
extern const uint8_t heci_amthi_uuid[16];

/*
 * Opens @path and connects to the client @uuid. Retries EINTR, and EBUSY
 * (another process is connected to a single-connection client) with a bounded
 * backoff of about 3 s in total. Returns 0 or a negative errno: -ENOENT
 * when @path is missing, -EACCES without permission, -ENOTTY when the
 * firmware has no such client, -EBUSY when it stayed busy.
 */
int heci_connect(struct heci *heci, const char *path, const uint8_t uuid[16]);

/*
 * Writes @req and reads one reply message into @resp, waiting at most
 * @timeout_ms for it. Returns the reply length or a negative errno
 * (-ETIMEDOUT when no reply came in time).
 */
long heci_transact(struct heci *heci, const void *req, size_t req_len,
		   void *resp, size_t resp_size, int timeout_ms);

void heci_close(struct heci *heci);

#endif /* VPROCTL_HECI_H */
