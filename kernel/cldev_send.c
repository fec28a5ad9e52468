// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bounded send for kernels whose MEI bus has no mei_cldev_send_timeout().
 *
 * mei_cldev_send() sleeps until the firmware grants a flow control credit
 * and the write completes. If the firmware stops, nothing wakes it but a
 * disconnect of the client. When the sleeping thread is the MEI bus rescan
 * work that runs our probe, it also holds the bus lock that device removal
 * takes, so the ME could never be removed. So a delayed work item
 * disconnects the client once the timeout passes. The MEI core then wakes
 * the sender with an error, and later calls on the client fail at once.
 * While the ME is being removed, the disconnect is immediate. Otherwise
 * the MEI core first waits up to its connect timeout (15 s) for the
 * firmware's disconnect reply, so the send returns after at most about
 * the timeout plus 15 s.
 */
#include <linux/jiffies.h>
#include <linux/mei_cl_bus.h>
#include <linux/workqueue.h>

#include "compat.h"

struct cldev_send_watch {
	struct delayed_work work;
	struct mei_cl_device *cldev;
	unsigned long timeout_ms;
	bool fired;
};

static void cldev_send_expired(struct work_struct *work)
{
	struct cldev_send_watch *watch =
		container_of(to_delayed_work(work), struct cldev_send_watch,
			     work);

	WRITE_ONCE(watch->fired, true);
	dev_warn_ratelimited(&watch->cldev->dev,
			     "firmware took no message in %lu ms; disconnecting the client\n",
			     watch->timeout_ms);
	mei_cldev_disable(watch->cldev);
}

/**
 * vpro_cldev_send_bounded - mei_cldev_send() that gives up after a timeout
 * @cldev: connected MEI client
 * @buf: message
 * @len: length of @buf
 * @timeout_ms: how long the firmware may take to accept the message
 *
 * On timeout the client is disconnected: the caller must treat it as gone
 * and call mei_cldev_disable() when done, as after any other error.
 *
 * Return: @len, -ETIMEDOUT, or the error of mei_cldev_send().
 */
ssize_t vpro_cldev_send_bounded(struct mei_cl_device *cldev, const u8 *buf,
				size_t len, unsigned long timeout_ms)
{
	struct cldev_send_watch watch = {
		.cldev = cldev,
		.timeout_ms = timeout_ms,
	};
	ssize_t ret;

	INIT_DELAYED_WORK_ONSTACK(&watch.work, cldev_send_expired);
	schedule_delayed_work(&watch.work, msecs_to_jiffies(timeout_ms));
	ret = mei_cldev_send(cldev, buf, len);
	cancel_delayed_work_sync(&watch.work);
	destroy_delayed_work_on_stack(&watch.work);

	if (READ_ONCE(watch.fired))
		return -ETIMEDOUT;
	return ret;
}
