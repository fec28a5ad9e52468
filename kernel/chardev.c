// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vpro_apfN: one open file is one APF channel to an AMT port.
 * VPRO_APF_IOC_CONNECT opens the channel; read, write and poll then work
 * like on a stream socket, and close sends CHANNEL_CLOSE.
 *
 * CONNECT errors, besides EINVAL, EFAULT and ENOMEM:
 *   EISCONN          the file already has an open or closed channel
 *   EALREADY         another CONNECT on this file is running, or an open
 *                    that a signal interrupted is pending for another port
 *   EINTR            a signal came; CONNECT again with the same port
 *                    waits for the same reply, until the same deadline
 *   EBUSY            max_channels channels are open on this device
 *   EHOSTUNREACH     AMT did not announce the port (tcpip-forward)
 *   ETIMEDOUT        no link or no reply from AMT within the timeout
 *   EIO              the MEI core could not connect the LME client
 *   EACCES           AMT refused the open: administratively prohibited
 *   ECONNREFUSED     AMT refused the open: connect failed or other reason
 *   EPROTONOSUPPORT  AMT refused the open: unknown channel type
 *   EAGAIN           AMT refused the open: resource shortage
 *   ECONNRESET       the APF link was reset while opening
 *   ENODEV           the LME device is gone
 *   and the errors of mei_cldev_enable(), e.g. EBUSY while LMS holds LME.
 * A failed CONNECT leaves the file unconnected, so it may be retried.
 *
 * read and write fail with ENOTCONN before CONNECT, ECONNRESET after a
 * link reset and ENODEV after the device is gone; write fails with EPIPE
 * after AMT closed the channel (no SIGPIPE is sent).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "apf.h"
#include "apf_codec.h"

#define APF_MIN_RX_WINDOW	1024
#define APF_MAX_RX_WINDOW	65536

/* Largest CHANNEL_DATA payload per LME message. */
#define APF_MAX_DATA	(VPRO_APF_TX_MAX_MSG - APF_CHANNEL_DATA_HEADER_LEN)

/*
 * @connecting, @interrupted and @open_deadline are protected by
 * apf->lock. One CONNECT runs per file at a time, because each drops the
 * lock while it waits. A signal after CHANNEL_OPEN went out leaves the
 * open pending (@interrupted). A CONNECT repeated on the same port, or
 * restarted for an SA_RESTART handler, then waits for the same reply
 * until the same deadline, so no retry opens another channel.
 */
struct vpro_apf_file {
	struct vpro_apf *apf;
	struct vpro_apf_channel *ch;	/* the same channel for the file's life */
	bool connecting;		/* a CONNECT call runs on this file */
	bool interrupted;		/* a signal ended a CONNECT's wait */
	unsigned long open_deadline;	/* jiffies: end of the pending open */
};

static struct vpro_apf_channel *apf_channel_alloc(struct vpro_apf *apf)
{
	struct vpro_apf_channel *ch;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return NULL;
	kref_init(&ch->kref);
	ch->apf = apf;
	INIT_LIST_HEAD(&ch->node);
	init_waitqueue_head(&ch->wait);
	ch->state = VPRO_APF_CH_IDLE;
	return ch;
}

/* Takes a reference to the file's current channel. */
static struct vpro_apf_channel *apf_file_channel(struct vpro_apf_file *f)
{
	struct vpro_apf_channel *ch = f->ch;

	lockdep_assert_held(&f->apf->lock);
	kref_get(&ch->kref);
	return ch;
}

static int apf_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct vpro_apf *apf = container_of(misc, struct vpro_apf, misc);
	struct vpro_apf_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->ch = apf_channel_alloc(apf);
	if (!f->ch) {
		kfree(f);
		return -ENOMEM;
	}
	/* misc_open() holds misc_mtx, so vpro_apf_exit() has not freed apf. */
	vpro_apf_get(apf);
	f->apf = apf;
	file->private_data = f;
	return stream_open(inode, file);
}

static void apf_close_channel(struct vpro_apf *apf,
			      struct vpro_apf_channel *ch)
{
	u8 msg[8];
	int len;

	lockdep_assert_held(&apf->lock);
	if (!ch->listed)
		return;
	if (ch->state == VPRO_APF_CH_OPENING) {
		/* The reply handler closes it once AMT replies. */
		ch->abandoned = true;
		return;
	}
	len = apf_encode_channel_close(msg, sizeof(msg), ch->remote_id);
	if (len > 0 && vpro_apf_send(apf, msg, len))
		dev_dbg(&apf->lme->dev, "%s: CHANNEL_CLOSE for %u not sent\n",
			apf->name, ch->local_id);
	vpro_apf_channel_unlist(ch);
}

static int apf_release(struct inode *inode, struct file *file)
{
	struct vpro_apf_file *f = file->private_data;
	struct vpro_apf *apf = f->apf;

	mutex_lock(&apf->lock);
	apf_close_channel(apf, f->ch);
	mutex_unlock(&apf->lock);

	vpro_apf_channel_put(f->ch);
	vpro_apf_put(apf);
	kfree(f);
	return 0;
}

/* Jiffies left until @deadline, or 0 once it passed. */
static long apf_remaining(unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	return left > 0 ? left : 0;
}

/* Converts the result of wait_event_interruptible_timeout() to an errno. */
static int apf_wait_result(long left)
{
	if (left < 0)
		return -ERESTARTSYS;
	return left ? 0 : -ETIMEDOUT;
}

/* Wait conditions of CONNECT; they run without apf->lock. */
static bool apf_open_answered(struct vpro_apf_channel *ch)
{
	return READ_ONCE(ch->state) != VPRO_APF_CH_OPENING;
}

static bool apf_link_ready(struct vpro_apf *apf, struct vpro_apf_channel *ch)
{
	return READ_ONCE(apf->state) == VPRO_APF_UP || apf_open_answered(ch);
}

/* Lists @ch under a new id and starts the link. */
static int apf_connect_begin(struct vpro_apf *apf, struct vpro_apf_channel *ch,
			     u16 port)
{
	int ret;

	lockdep_assert_held(&apf->lock);
	if (apf->nchannels >= READ_ONCE(vpro_apf_max_channels))
		return -EBUSY;

	ch->local_id = apf->next_id++;
	if (!apf->next_id)
		apf->next_id = 1;
	ch->port = port;
	ch->state = VPRO_APF_CH_OPENING;
	ch->error = 0;
	ch->abandoned = false;
	ch->rx_head = 0;
	ch->rx_count = 0;
	ch->rx_unacked = 0;
	ch->tx_window = 0;
	kref_get(&ch->kref);
	list_add_tail(&ch->node, &apf->channels);
	ch->listed = true;
	apf->nchannels++;

	ret = vpro_apf_link_start(apf);
	if (ret && ch->state == VPRO_APF_CH_OPENING)
		ch->state = VPRO_APF_CH_FAILED;
	return ret;
}

/* Sends CHANNEL_OPEN once the link is up and AMT forwards @port. */
static int apf_connect_open(struct vpro_apf *apf, struct vpro_apf_channel *ch,
			    unsigned long deadline)
{
	u8 msg[96];
	int len, ret;
	long left;

	mutex_unlock(&apf->lock);
	left = wait_event_interruptible_timeout(apf->link_wait,
						apf_link_ready(apf, ch),
						apf_remaining(deadline));
	ret = apf_wait_result(left);
	mutex_lock(&apf->lock);
	/* A link reset failed the channel while the lock was dropped. */
	if (ch->state != VPRO_APF_CH_OPENING)
		return ch->error ?: -ECONNRESET;
	if (ret)
		return ret;

	/* AMT announced its ports before the link became UP. */
	if (!vpro_apf_port_announced(apf, ch->port))
		return -EHOSTUNREACH;

	/* The originator port is our channel id, to match AMT's logs. */
	len = apf_encode_channel_open(msg, sizeof(msg), ch->local_id,
				      ch->rx_size, "127.0.0.1", ch->port,
				      "127.0.0.1", ch->local_id & 0xffff);
	if (len < 0)
		return len;
	return vpro_apf_send(apf, msg, len);
}

/*
 * Moves the listed id of @ch, whose CONNECT gave up, to @spare, which takes
 * over the caller's reference. @ch goes back to idle and can connect again.
 */
static void apf_channel_abandon(struct vpro_apf_channel *ch,
				struct vpro_apf_channel *spare)
{
	lockdep_assert_held(&ch->apf->lock);
	spare->local_id = ch->local_id;
	spare->port = ch->port;
	spare->state = VPRO_APF_CH_OPENING;
	spare->abandoned = true;
	list_replace_init(&ch->node, &spare->node);
	spare->listed = true;

	ch->listed = false;
	ch->state = VPRO_APF_CH_IDLE;
	/* Drops the list's reference. The file keeps its own. */
	vpro_apf_channel_put(ch);
}

/*
 * Waits for AMT's reply to the open of f->ch until @deadline. Called and
 * returns with apf->lock held. Returns 0, the open's error, -ERESTARTSYS
 * (the open stays pending) or -ETIMEDOUT (the open moves to *@spare).
 */
static int apf_connect_wait(struct vpro_apf_file *f, unsigned long deadline,
			    struct vpro_apf_channel **spare)
{
	struct vpro_apf *apf = f->apf;
	struct vpro_apf_channel *ch = f->ch;
	long left;
	int ret;

	mutex_unlock(&apf->lock);
	left = wait_event_interruptible_timeout(ch->wait, apf_open_answered(ch),
						apf_remaining(deadline));
	mutex_lock(&apf->lock);
	if (ch->state == VPRO_APF_CH_OPEN || ch->state == VPRO_APF_CH_CLOSED)
		return 0;
	if (ch->state == VPRO_APF_CH_FAILED) {
		ret = ch->error;
		ch->state = VPRO_APF_CH_IDLE;
		return ret;
	}
	/* Only this call changes the state of f->ch to anything else. */
	if (WARN_ON_ONCE(ch->state != VPRO_APF_CH_OPENING || !ch->listed))
		return -ECONNRESET;

	/* A signal: the open stays pending for the repeated CONNECT. */
	if (left < 0) {
		f->interrupted = true;
		return -ERESTARTSYS;
	}

	/*
	 * Timeout after CHANNEL_OPEN was sent. The id stays listed
	 * under @spare so that AMT's late reply is handled. The file keeps
	 * @ch because poll and epoll may wait on ch->wait, so that queue must
	 * live as long as the file.
	 * NOTE: if AMT never replies, the id stays in use until the link
	 * resets, and it counts against max_channels.
	 */
	apf_channel_abandon(ch, *spare);
	*spare = NULL;
	return -ETIMEDOUT;
}

/*
 * Opens f->ch to @port, or resumes the open that a signal interrupted.
 * Called and returns with apf->lock held, while f->connecting is set.
 */
static int apf_connect_locked(struct vpro_apf_file *f, u16 port,
			      unsigned long deadline, unsigned int window,
			      struct vpro_apf_channel **spare)
{
	struct vpro_apf *apf = f->apf;
	struct vpro_apf_channel *ch = f->ch;
	int ret;

	/* The resumed wait keeps the first call's deadline. */
	if (f->interrupted && port == ch->port) {
		f->interrupted = false;
		return apf_connect_wait(f, f->open_deadline, spare);
	}
	if (ch->state == VPRO_APF_CH_OPENING)
		return -EALREADY;
	if (ch->state == VPRO_APF_CH_OPEN || ch->state == VPRO_APF_CH_CLOSED)
		return -EISCONN;

	/* A failed or reset channel is unlisted, so it is reused as is. */
	if (!ch->rx_buf || ch->rx_size != window) {
		kfree(ch->rx_buf);
		ch->rx_size = 0;
		ch->rx_buf = kmalloc(window, GFP_KERNEL);
		if (!ch->rx_buf)
			return -ENOMEM;
		ch->rx_size = window;
	}

	/* A pending open of another port failed or was reset meanwhile. */
	f->interrupted = false;
	ret = apf_connect_begin(apf, ch, port);
	if (!ret)
		ret = apf_connect_open(apf, ch, deadline);
	if (ret) {
		vpro_apf_channel_unlist(ch);
		ch->state = VPRO_APF_CH_IDLE;
		return ret;
	}
	f->open_deadline = deadline;
	return apf_connect_wait(f, deadline, spare);
}

static long apf_connect(struct vpro_apf_file *f, void __user *argp)
{
	struct vpro_apf *apf = f->apf;
	struct vpro_apf_channel *spare;
	struct vpro_apf_connect req;
	unsigned long deadline;
	unsigned int window;
	u32 timeout_ms;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.reserved || !req.port)
		return -EINVAL;
	timeout_ms = req.timeout_ms ?: READ_ONCE(vpro_apf_connect_timeout_ms);
	deadline = jiffies + msecs_to_jiffies(timeout_ms);

	window = clamp_t(unsigned int, READ_ONCE(vpro_apf_rx_window),
			 APF_MIN_RX_WINDOW, APF_MAX_RX_WINDOW);
	spare = apf_channel_alloc(apf);
	if (!spare)
		return -ENOMEM;

	mutex_lock(&apf->lock);
	if (apf->removed) {
		ret = -ENODEV;
	} else if (f->connecting) {
		/* Another thread's CONNECT on this file drops the lock. */
		ret = -EALREADY;
	} else {
		f->connecting = true;
		ret = apf_connect_locked(f, req.port, deadline, window, &spare);
		f->connecting = false;
	}
	mutex_unlock(&apf->lock);
	if (spare)
		vpro_apf_channel_put(spare);
	return ret;
}

static long apf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vpro_apf_file *f = file->private_data;

	switch (cmd) {
	case VPRO_APF_IOC_CONNECT:
		return apf_connect(f, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

/* Returns 0 when @ch can carry data, else the errno for read and write. */
static int apf_channel_error(struct vpro_apf *apf, struct vpro_apf_channel *ch)
{
	if (apf->removed)
		return -ENODEV;
	switch (ch->state) {
	case VPRO_APF_CH_IDLE:
	case VPRO_APF_CH_OPENING:
		return -ENOTCONN;
	case VPRO_APF_CH_FAILED:
		return ch->error ?: -ECONNRESET;
	default:
		return 0;
	}
}

/* Moves up to @count buffered bytes to @out and adjusts AMT's window. */
static size_t apf_take_data(struct vpro_apf *apf, struct vpro_apf_channel *ch,
			    u8 *out, size_t count)
{
	size_t n = min_t(size_t, count, ch->rx_count);
	size_t first = min_t(size_t, n, ch->rx_size - ch->rx_head);
	u8 msg[16];
	int len;

	memcpy(out, ch->rx_buf + ch->rx_head, first);
	memcpy(out + first, ch->rx_buf, n - first);
	ch->rx_head = (ch->rx_head + n) % ch->rx_size;
	ch->rx_count -= n;
	ch->rx_unacked += n;

	/* Batch the adjusts: one per half window consumed. */
	if (ch->state == VPRO_APF_CH_OPEN &&
	    ch->rx_unacked >= ch->rx_size / 2) {
		len = apf_encode_window_adjust(msg, sizeof(msg), ch->remote_id,
					       ch->rx_unacked);
		if (len > 0 && !vpro_apf_send(apf, msg, len))
			ch->rx_unacked = 0;
	}
	return n;
}

static ssize_t apf_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	struct vpro_apf_file *f = file->private_data;
	struct vpro_apf *apf = f->apf;
	struct vpro_apf_channel *ch;
	size_t size = min_t(size_t, count, APF_MAX_RX_WINDOW);
	ssize_t ret;
	u8 *kbuf;

	if (!count)
		return 0;
	kbuf = kvmalloc(size, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;

	mutex_lock(&apf->lock);
	ch = apf_file_channel(f);
	for (;;) {
		ret = apf_channel_error(apf, ch);
		if (ret)
			break;
		if (ch->rx_count) {
			ret = apf_take_data(apf, ch, kbuf, size);
			break;
		}
		if (ch->state == VPRO_APF_CH_CLOSED)
			break;	/* EOF */
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		mutex_unlock(&apf->lock);
		ret = wait_event_interruptible(ch->wait,
					       READ_ONCE(ch->rx_count) ||
					       READ_ONCE(ch->state) != VPRO_APF_CH_OPEN ||
					       READ_ONCE(apf->removed));
		mutex_lock(&apf->lock);
		if (ret)
			break;
	}
	mutex_unlock(&apf->lock);
	vpro_apf_channel_put(ch);

	if (ret > 0 && copy_to_user(buf, kbuf, ret))
		ret = -EFAULT;
	kvfree(kbuf);
	return ret;
}

/*
 * Sends one CHANNEL_DATA message of at most @count bytes from @buf.
 * Returns the bytes sent, 0 when AMT's window is closed, or an errno.
 * The copy from userspace runs without apf->lock, so a page fault does
 * not stall the link; the window is reserved before and returned on error.
 */
static ssize_t apf_write_chunk(struct vpro_apf *apf,
			       struct vpro_apf_channel *ch,
			       const char __user *buf, size_t count)
{
	struct vpro_apf_frame *frame;
	unsigned int generation;
	u32 remote_id, n;
	int ret;

	lockdep_assert_held(&apf->lock);
	n = min_t(size_t, count, APF_MAX_DATA);
	n = min(n, ch->tx_window);
	if (!n)
		return 0;
	ch->tx_window -= n;
	generation = apf->generation;
	remote_id = ch->remote_id;
	mutex_unlock(&apf->lock);

	frame = kmalloc(struct_size(frame, data,
				    APF_CHANNEL_DATA_HEADER_LEN + n),
			GFP_KERNEL);
	ret = frame ? 0 : -ENOMEM;
	if (frame) {
		frame->len = APF_CHANNEL_DATA_HEADER_LEN + n;
		apf_encode_channel_data_header(frame->data, frame->len,
					       remote_id, n);
		if (copy_from_user(frame->data + APF_CHANNEL_DATA_HEADER_LEN,
				   buf, n))
			ret = -EFAULT;
	}

	mutex_lock(&apf->lock);
	if (!ret && (ch->state != VPRO_APF_CH_OPEN ||
		     apf->generation != generation))
		ret = apf_channel_error(apf, ch) ?: -EPIPE;
	if (ret) {
		if (ch->state == VPRO_APF_CH_OPEN)
			ch->tx_window += n;
		kfree(frame);
		return ret;
	}
	ret = vpro_apf_send_data(apf, frame);
	return ret ? ret : n;
}

static ssize_t apf_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct vpro_apf_file *f = file->private_data;
	struct vpro_apf *apf = f->apf;
	struct vpro_apf_channel *ch;
	size_t written = 0;
	ssize_t ret = 0;

	mutex_lock(&apf->lock);
	ch = apf_file_channel(f);
	while (written < count) {
		ret = apf_channel_error(apf, ch);
		if (!ret && ch->state == VPRO_APF_CH_CLOSED)
			ret = -EPIPE;
		if (ret)
			break;

		ret = apf_write_chunk(apf, ch, buf + written, count - written);
		if (ret < 0)
			break;
		if (ret > 0) {
			written += ret;
			continue;
		}

		/* AMT's window is closed. */
		if (written)
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		mutex_unlock(&apf->lock);
		ret = wait_event_interruptible(ch->wait,
					       READ_ONCE(ch->tx_window) ||
					       READ_ONCE(ch->state) != VPRO_APF_CH_OPEN ||
					       READ_ONCE(apf->removed));
		mutex_lock(&apf->lock);
		if (ret)
			break;
	}
	mutex_unlock(&apf->lock);
	vpro_apf_channel_put(ch);
	return written ? written : ret;
}

static __poll_t apf_poll(struct file *file, poll_table *wait)
{
	struct vpro_apf_file *f = file->private_data;
	struct vpro_apf *apf = f->apf;
	struct vpro_apf_channel *ch;
	__poll_t mask = 0;

	mutex_lock(&apf->lock);
	ch = apf_file_channel(f);
	mutex_unlock(&apf->lock);

	poll_wait(file, &ch->wait, wait);

	mutex_lock(&apf->lock);
	if (apf->removed) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		switch (ch->state) {
		case VPRO_APF_CH_IDLE:
			mask = EPOLLHUP;
			break;
		case VPRO_APF_CH_OPENING:
			break;
		case VPRO_APF_CH_OPEN:
			if (ch->rx_count)
				mask |= EPOLLIN | EPOLLRDNORM;
			if (ch->tx_window)
				mask |= EPOLLOUT | EPOLLWRNORM;
			break;
		case VPRO_APF_CH_CLOSED:
			mask = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLHUP;
			break;
		case VPRO_APF_CH_FAILED:
			mask = EPOLLERR | EPOLLHUP;
			break;
		}
	}
	mutex_unlock(&apf->lock);
	vpro_apf_channel_put(ch);
	return mask;
}

const struct file_operations vpro_apf_fops = {
	.owner = THIS_MODULE,
	.open = apf_open,
	.release = apf_release,
	.read = apf_read,
	.write = apf_write,
	.poll = apf_poll,
	.unlocked_ioctl = apf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
