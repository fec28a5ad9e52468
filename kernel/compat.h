/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shims for the kernel versions vpro_heci supports (6.1 and newer). This is
 * the only file that tests LINUX_VERSION_CODE.
 */
#ifndef VPRO_COMPAT_H
#define VPRO_COMPAT_H

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mei_cl_bus.h>
#include <linux/version.h>

/* cldev_send.c */
ssize_t vpro_cldev_send_bounded(struct mei_cl_device *cldev, const u8 *buf,
				size_t len, unsigned long timeout_ms);

/*
 * mei_cldev_recv_timeout() and mei_cldev_send_timeout() exist in 6.12 and
 * are missing from 6.1.
 * NOTE: 6.2 as the first kernel with them is an assumption; only 6.1 and
 * 6.12 are built here.
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE

static inline ssize_t vpro_cldev_send(struct mei_cl_device *cldev,
				      const u8 *buf, size_t len,
				      unsigned long timeout_ms)
{
	return mei_cldev_send_timeout(cldev, buf, len, timeout_ms);
}

static inline ssize_t vpro_cldev_recv(struct mei_cl_device *cldev, u8 *buf,
				      size_t len, unsigned long timeout_ms)
{
	ssize_t ret = mei_cldev_recv_timeout(cldev, buf, len, timeout_ms);

	return ret == -ETIME ? -ETIMEDOUT : ret;
}

#else

#define VPRO_RECV_POLL_MS	10

static inline ssize_t vpro_cldev_send(struct mei_cl_device *cldev,
				      const u8 *buf, size_t len,
				      unsigned long timeout_ms)
{
	/* 6.1 has no send timeout: cldev_send.c bounds it. */
	return vpro_cldev_send_bounded(cldev, buf, len, timeout_ms);
}

/*
 * Polls the non-blocking receive, which also starts the read, until a
 * message arrives or @timeout_ms passes.
 */
static inline ssize_t vpro_cldev_recv(struct mei_cl_device *cldev, u8 *buf,
				      size_t len, unsigned long timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	ssize_t ret;

	for (;;) {
		ret = mei_cldev_recv_nonblock(cldev, buf, len);
		if (ret != -EAGAIN)
			return ret;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		msleep(VPRO_RECV_POLL_MS);
	}
}

#endif

#endif /* VPRO_COMPAT_H */
