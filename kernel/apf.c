// SPDX-License-Identifier: GPL-2.0-only
/*
 * APF link over the LME client: connects LME when the first channel is
 * requested, runs the APF handshake, dispatches AMT's messages to the
 * channels, and releases LME a linger time after the last channel closed.
 * Locking and lifetime rules are in apf.h.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "apf.h"
#include "apf_codec.h"
#include "vpro.h"

static unsigned int apf_linger_ms = 2000;
module_param(apf_linger_ms, uint, 0644);
MODULE_PARM_DESC(apf_linger_ms,
		 "Time in ms that LME stays connected after the last APF channel closed (default 2000)");

unsigned int vpro_apf_max_channels = 6;
module_param_named(max_channels, vpro_apf_max_channels, uint, 0644);
MODULE_PARM_DESC(max_channels,
		 "Max APF channels open at once per device; CONNECT beyond it fails with EBUSY (default 6)");

unsigned int vpro_apf_rx_window = 4096;
module_param_named(apf_rx_window, vpro_apf_rx_window, uint, 0644);
MODULE_PARM_DESC(apf_rx_window,
		 "Receive window in bytes per new APF channel, clamped to 1024..65536 (default 4096)");

unsigned int vpro_apf_connect_timeout_ms = 10000;
module_param_named(apf_connect_timeout_ms, vpro_apf_connect_timeout_ms, uint,
		   0644);
MODULE_PARM_DESC(apf_connect_timeout_ms,
		 "Default CONNECT timeout in ms when the caller passes 0 (default 10000)");

/*
 * AMT sends its tcpip-forward requests back to back; the handshake is
 * complete when none came for this long. An estimate, since no firmware
 * document gives a bound.
 */
#define APF_HANDSHAKE_QUIET_MS	200

/* Messages the rx callback takes from MEI per call, to bound its run. */
#define APF_RX_BATCH	16

static struct device *apf_dev(struct vpro_apf *apf)
{
	return &apf->lme->dev;
}

static void apf_release(struct kref *kref)
{
	struct vpro_apf *apf = container_of(kref, struct vpro_apf, kref);

	kfree(apf->rx_buf);
	kfree(apf);
}

void vpro_apf_get(struct vpro_apf *apf)
{
	kref_get(&apf->kref);
}

void vpro_apf_put(struct vpro_apf *apf)
{
	kref_put(&apf->kref, apf_release);
}

static void apf_channel_release(struct kref *kref)
{
	struct vpro_apf_channel *ch =
		container_of(kref, struct vpro_apf_channel, kref);

	kfree(ch->rx_buf);
	kfree(ch);
}

void vpro_apf_channel_put(struct vpro_apf_channel *ch)
{
	kref_put(&ch->kref, apf_channel_release);
}

static void apf_set_state(struct vpro_apf *apf, enum vpro_apf_state state)
{
	if (apf->state == state)
		return;
	WRITE_ONCE(apf->state, state);
	vpro_nl_notify_apf_link(apf->vpro, state);
	wake_up_all(&apf->link_wait);
}

static void apf_publish_ports(struct vpro_apf *apf)
{
	spin_lock(&apf->ports_lock);
	memcpy(apf->ports_copy, apf->ports, sizeof(apf->ports));
	apf->nports_copy = apf->nports;
	spin_unlock(&apf->ports_lock);
}

static void apf_purge(struct vpro_apf *apf, struct list_head *queue)
{
	struct vpro_apf_frame *frame, *tmp;
	LIST_HEAD(victims);

	spin_lock(&apf->queue_lock);
	list_splice_init(queue, &victims);
	spin_unlock(&apf->queue_lock);
	list_for_each_entry_safe(frame, tmp, &victims, node)
		kfree(frame);
}

/* Removes @ch from the channel list, which frees its id. */
void vpro_apf_channel_unlist(struct vpro_apf_channel *ch)
{
	struct vpro_apf *apf = ch->apf;

	lockdep_assert_held(&apf->lock);
	if (!ch->listed)
		return;
	list_del_init(&ch->node);
	ch->listed = false;
	apf->nchannels--;
	vpro_apf_schedule_linger(apf);
	vpro_apf_channel_put(ch);
}

void vpro_apf_schedule_linger(struct vpro_apf *apf)
{
	lockdep_assert_held(&apf->lock);
	if (apf->removed || apf->state == VPRO_APF_DOWN || apf->nchannels)
		return;
	mod_delayed_work(apf->wq, &apf->linger_work,
			 msecs_to_jiffies(READ_ONCE(apf_linger_ms)));
}

/*
 * Resets the link: every listed channel fails with @error, the port list
 * is cleared, queued messages are dropped and LME is disconnected. A
 * reset with no channels is how the linger timer releases LME.
 */
void vpro_apf_link_reset(struct vpro_apf *apf, int error)
{
	struct vpro_apf_channel *ch, *tmp;

	lockdep_assert_held(&apf->lock);
	if (apf->state == VPRO_APF_DOWN && !apf->enabled)
		return;

	apf->generation++;
	list_for_each_entry_safe(ch, tmp, &apf->channels, node) {
		ch->state = VPRO_APF_CH_FAILED;
		ch->error = error;
		wake_up_interruptible_all(&ch->wait);
		list_del_init(&ch->node);
		ch->listed = false;
		apf->nchannels--;
		vpro_apf_channel_put(ch);
	}
	apf->nports = 0;
	apf_publish_ports(apf);
	apf->service_accepted = false;
	apf_purge(apf, &apf->tx_queue);
	apf_purge(apf, &apf->rx_queue);

	if (apf->enabled) {
		mei_cldev_disable(apf->lme);
		apf->enabled = false;
	}
	apf_set_state(apf, VPRO_APF_DOWN);
}

static void apf_queue_tx(struct vpro_apf *apf, struct vpro_apf_frame *frame)
{
	frame->generation = apf->generation;
	frame->error = 0;
	spin_lock(&apf->queue_lock);
	list_add_tail(&frame->node, &apf->tx_queue);
	spin_unlock(&apf->queue_lock);
	queue_work(apf->wq, &apf->tx_work);
}

/* Queues @frame, already filled in, for tx_work; frees it on failure. */
int vpro_apf_send_data(struct vpro_apf *apf, struct vpro_apf_frame *frame)
{
	lockdep_assert_held(&apf->lock);
	if (apf->state == VPRO_APF_DOWN) {
		kfree(frame);
		return -ENOTCONN;
	}
	apf_queue_tx(apf, frame);
	return 0;
}

/* Queues a copy of @msg for tx_work. */
int vpro_apf_send(struct vpro_apf *apf, const void *msg, size_t len)
{
	struct vpro_apf_frame *frame;

	lockdep_assert_held(&apf->lock);
	if (apf->state == VPRO_APF_DOWN)
		return -ENOTCONN;
	frame = kmalloc(struct_size(frame, data, len), GFP_KERNEL);
	if (!frame)
		return -ENOMEM;
	frame->len = len;
	memcpy(frame->data, msg, len);
	apf_queue_tx(apf, frame);
	return 0;
}

static void apf_tx_work(struct work_struct *work)
{
	struct vpro_apf *apf = container_of(work, struct vpro_apf, tx_work);
	struct vpro_apf_frame *frame;
	ssize_t ret;

	for (;;) {
		spin_lock(&apf->queue_lock);
		frame = list_first_entry_or_null(&apf->tx_queue,
						 struct vpro_apf_frame, node);
		if (frame)
			list_del(&frame->node);
		spin_unlock(&apf->queue_lock);
		if (!frame)
			break;

		ret = 0;
		if (frame->generation == READ_ONCE(apf->generation))
			ret = mei_cldev_send(apf->lme, frame->data, frame->len);
		if (ret < 0) {
			mutex_lock(&apf->lock);
			if (frame->generation == apf->generation) {
				dev_warn(apf_dev(apf),
					 "%s: LME send of APF type %u failed: %zd; resetting the link\n",
					 apf->name, frame->data[0], ret);
				vpro_apf_link_reset(apf, -ECONNRESET);
			}
			mutex_unlock(&apf->lock);
		}
		kfree(frame);
	}
}

/*
 * MEI calls this from its own work item when an LME message arrived. It
 * only copies messages into rx_queue, so it never waits for apf->lock.
 */
static void apf_rx_cb(struct mei_cl_device *cldev)
{
	struct vpro *vpro = mei_cldev_get_drvdata(cldev);
	struct vpro_apf *apf = vpro ? READ_ONCE(vpro->apf) : NULL;
	struct vpro_apf_frame *frame;
	ssize_t len;
	int i;

	if (!apf)
		return;

	for (i = 0; i < APF_RX_BATCH; i++) {
		len = mei_cldev_recv_nonblock(cldev, apf->rx_buf,
					      VPRO_APF_RX_MAX_MSG);
		if (len == -EAGAIN)
			break;
		frame = kmalloc(struct_size(frame, data, max_t(ssize_t, len, 0)),
				GFP_KERNEL);
		if (!frame) {
			/* rx_work resets the link: a lost message desyncs it. */
			atomic_set(&apf->rx_dropped, 1);
			break;
		}
		frame->generation = READ_ONCE(apf->generation);
		frame->error = len < 0 ? (int)len : 0;
		frame->len = len < 0 ? 0 : len;
		if (len > 0)
			memcpy(frame->data, apf->rx_buf, len);
		spin_lock(&apf->queue_lock);
		list_add_tail(&frame->node, &apf->rx_queue);
		spin_unlock(&apf->queue_lock);
		if (len <= 0)
			break;
	}
	queue_work(apf->wq, &apf->rx_work);
}

static struct vpro_apf_channel *apf_find_channel(struct vpro_apf *apf, u32 id)
{
	struct vpro_apf_channel *ch;

	list_for_each_entry(ch, &apf->channels, node)
		if (ch->local_id == id)
			return ch;
	return NULL;
}

bool vpro_apf_port_announced(struct vpro_apf *apf, u16 port)
{
	int i;

	lockdep_assert_held(&apf->lock);
	for (i = 0; i < apf->nports; i++)
		if (apf->ports[i] == port)
			return true;
	return false;
}

static void apf_protocol_error(struct vpro_apf *apf, const char *reason)
{
	dev_warn_ratelimited(apf_dev(apf),
			     "%s: APF protocol error: %s; resetting the link\n",
			     apf->name, reason);
	vpro_apf_link_reset(apf, -ECONNRESET);
}

static bool apf_string_is(const struct apf_string *s, const char *name)
{
	return s->len == strlen(name) && !memcmp(s->data, name, s->len);
}

/* The codec has no encoder for this one-byte message. */
static int apf_encode_userauth_success(u8 *buf, size_t size)
{
	if (size < 1)
		return -EMSGSIZE;
	buf[0] = APF_USERAUTH_SUCCESS;
	return 1;
}

/* Queues a reply built by an encoder, or resets the link on failure. */
static void apf_reply(struct vpro_apf *apf, const u8 *msg, int len)
{
	if (len < 0 || vpro_apf_send(apf, msg, len))
		vpro_apf_link_reset(apf, -ECONNRESET);
}

static void apf_handle_service_request(struct vpro_apf *apf,
				       const struct apf_msg *msg)
{
	u8 reply[64];
	int len;

	if (apf->state != VPRO_APF_HANDSHAKING) {
		apf_protocol_error(apf, "SERVICE_REQUEST after the handshake");
		return;
	}
	if (apf_string_is(&msg->service.name, APF_SERVICE_PFWD)) {
		len = apf_encode_service(reply, sizeof(reply),
					 APF_SERVICE_ACCEPT, APF_SERVICE_PFWD);
		apf->service_accepted = true;
	} else if (apf_string_is(&msg->service.name, APF_SERVICE_AUTH)) {
		len = apf_encode_service(reply, sizeof(reply),
					 APF_SERVICE_ACCEPT, APF_SERVICE_AUTH);
	} else {
		apf_protocol_error(apf, "SERVICE_REQUEST for an unknown service");
		return;
	}
	if (len < 0 || vpro_apf_send(apf, reply, len))
		vpro_apf_link_reset(apf, -ECONNRESET);
}

static void apf_add_port(struct vpro_apf *apf, const struct apf_msg *msg)
{
	u8 reply[32];
	int len;
	u32 port = msg->global_request.port;
	bool ok = port && port <= U16_MAX;

	if (ok && !vpro_apf_port_announced(apf, port)) {
		ok = apf->nports < VPRO_APF_MAX_PORTS;
		if (ok)
			apf->ports[apf->nports++] = port;
		else
			dev_warn(apf_dev(apf),
				 "%s: AMT announced more than %d ports; port %u rejected\n",
				 apf->name, VPRO_APF_MAX_PORTS, port);
	}
	if (msg->global_request.want_reply) {
		if (ok)
			len = apf_encode_request_success(reply, sizeof(reply),
							 true, port);
		else
			len = apf_encode_request_failure(reply, sizeof(reply));
		apf_reply(apf, reply, len);
	}
	if (!ok || apf->state == VPRO_APF_DOWN)
		return;
	apf_publish_ports(apf);
	dev_dbg(apf_dev(apf), "%s: AMT forwards port %u\n", apf->name, port);
	if (apf->state == VPRO_APF_HANDSHAKING)
		mod_delayed_work(apf->wq, &apf->handshake_work,
				 msecs_to_jiffies(APF_HANDSHAKE_QUIET_MS));
}

static void apf_remove_port(struct vpro_apf *apf, const struct apf_msg *msg)
{
	u8 reply[32];
	int len;
	int i;

	for (i = 0; i < apf->nports; i++) {
		if (apf->ports[i] != msg->global_request.port)
			continue;
		apf->ports[i] = apf->ports[--apf->nports];
		apf_publish_ports(apf);
		break;
	}
	if (msg->global_request.want_reply) {
		len = apf_encode_request_success(reply, sizeof(reply), false,
						 0);
		apf_reply(apf, reply, len);
	}
}

static void apf_handle_global_request(struct vpro_apf *apf,
				      const struct apf_msg *msg)
{
	const struct apf_string *name = &msg->global_request.name;
	u8 reply[32];

	if (!apf->service_accepted) {
		apf_protocol_error(apf, "GLOBAL_REQUEST before the pfwd service");
		return;
	}
	if (apf_string_is(name, APF_GLOBAL_TCPIP_FORWARD))
		apf_add_port(apf, msg);
	else if (apf_string_is(name, APF_GLOBAL_CANCEL_TCPIP_FORWARD))
		apf_remove_port(apf, msg);
	else if (msg->global_request.want_reply)
		apf_reply(apf, reply,
			  apf_encode_request_failure(reply, sizeof(reply)));
}

/* Maps a CHANNEL_OPEN_FAILURE reason to the errno CONNECT returns. */
static int apf_open_failure_errno(u32 reason)
{
	switch (reason) {
	case APF_OPEN_FAILURE_PROHIBITED:
		return -EACCES;
	case APF_OPEN_FAILURE_CONNECT_FAILED:
		return -ECONNREFUSED;
	case APF_OPEN_FAILURE_UNKNOWN_TYPE:
		return -EPROTONOSUPPORT;
	case APF_OPEN_FAILURE_RESOURCE_SHORTAGE:
		return -EAGAIN;
	default:
		return -ECONNREFUSED;
	}
}

static void apf_handle_open_reply(struct vpro_apf *apf,
				  const struct apf_msg *msg)
{
	u8 reply[32];
	int len;
	bool confirmed = msg->type == APF_CHANNEL_OPEN_CONFIRMATION;
	u32 id = confirmed ? msg->open_confirmation.recipient :
			     msg->open_failure.recipient;
	struct vpro_apf_channel *ch = apf_find_channel(apf, id);

	if (!ch || ch->state != VPRO_APF_CH_OPENING) {
		apf_protocol_error(apf, "open reply for no opening channel");
		return;
	}

	if (!confirmed) {
		dev_dbg(apf_dev(apf), "%s: AMT refused channel %u to port %u, reason %u\n",
			apf->name, id, ch->port, msg->open_failure.reason);
		ch->state = VPRO_APF_CH_FAILED;
		ch->error = apf_open_failure_errno(msg->open_failure.reason);
		wake_up_interruptible_all(&ch->wait);
		vpro_apf_channel_unlist(ch);
		return;
	}

	ch->remote_id = msg->open_confirmation.sender;
	ch->tx_window = msg->open_confirmation.window;
	ch->state = VPRO_APF_CH_OPEN;
	if (ch->abandoned) {
		/* CONNECT already failed with a timeout or a signal. */
		ch->state = VPRO_APF_CH_FAILED;
		ch->error = -ETIMEDOUT;
		len = apf_encode_channel_close(reply, sizeof(reply),
					       ch->remote_id);
		apf_reply(apf, reply, len);
		vpro_apf_channel_unlist(ch);
		return;
	}
	wake_up_interruptible_all(&ch->wait);
}

static void apf_handle_data(struct vpro_apf *apf, const struct apf_msg *msg)
{
	struct vpro_apf_channel *ch =
		apf_find_channel(apf, msg->channel_data.recipient);
	u32 len = msg->channel_data.len;
	u32 tail, first;

	if (!ch) {
		dev_dbg_ratelimited(apf_dev(apf), "%s: data for closed channel %u dropped\n",
				    apf->name, msg->channel_data.recipient);
		return;
	}
	if (ch->state != VPRO_APF_CH_OPEN) {
		apf_protocol_error(apf, "CHANNEL_DATA before OPEN_CONFIRMATION");
		return;
	}
	if (len > ch->rx_size - ch->rx_count - ch->rx_unacked) {
		apf_protocol_error(apf, "CHANNEL_DATA beyond the receive window");
		return;
	}

	tail = (ch->rx_head + ch->rx_count) % ch->rx_size;
	first = min(len, ch->rx_size - tail);
	memcpy(ch->rx_buf + tail, msg->channel_data.data, first);
	memcpy(ch->rx_buf, msg->channel_data.data + first, len - first);
	ch->rx_count += len;
	wake_up_interruptible_all(&ch->wait);
}

static void apf_handle_window_adjust(struct vpro_apf *apf,
				     const struct apf_msg *msg)
{
	struct vpro_apf_channel *ch =
		apf_find_channel(apf, msg->window_adjust.recipient);

	if (!ch || ch->state != VPRO_APF_CH_OPEN)
		return;
	if (check_add_overflow(ch->tx_window, msg->window_adjust.bytes,
			       &ch->tx_window)) {
		apf_protocol_error(apf, "WINDOW_ADJUST overflows the window");
		return;
	}
	wake_up_interruptible_all(&ch->wait);
}

static void apf_handle_close(struct vpro_apf *apf, const struct apf_msg *msg)
{
	u8 reply[32];
	int len;
	struct vpro_apf_channel *ch =
		apf_find_channel(apf, msg->channel_close.recipient);

	if (!ch) {
		/* AMT replies to our own CHANNEL_CLOSE, and sends some for id 0. */
		dev_dbg_ratelimited(apf_dev(apf), "%s: CHANNEL_CLOSE for unknown channel %u ignored\n",
				    apf->name, msg->channel_close.recipient);
		return;
	}
	if (ch->state == VPRO_APF_CH_OPEN) {
		ch->state = VPRO_APF_CH_CLOSED;
		len = apf_encode_channel_close(reply, sizeof(reply),
					       ch->remote_id);
		apf_reply(apf, reply, len);
	} else {
		ch->state = VPRO_APF_CH_FAILED;
		ch->error = -ECONNREFUSED;
	}
	wake_up_interruptible_all(&ch->wait);
	vpro_apf_channel_unlist(ch);
}

static void apf_handle_channel_open(struct vpro_apf *apf,
				    const struct apf_msg *msg)
{
	u8 reply[32];
	int len;
	u32 reason = APF_OPEN_FAILURE_UNKNOWN_TYPE;

	/* Channels from AMT to the host (direct-tcpip) are not offered. */
	if (apf_string_is(&msg->channel_open.type, APF_CHANNEL_DIRECT))
		reason = APF_OPEN_FAILURE_PROHIBITED;
	len = apf_encode_open_failure(reply, sizeof(reply),
				      msg->channel_open.sender, reason);
	apf_reply(apf, reply, len);
}

static void apf_handle_msg(struct vpro_apf *apf, const struct apf_msg *msg)
{
	u32 interval, timeout;
	u8 reply[32];
	int len;

	switch (msg->type) {
	case APF_DISCONNECT:
		dev_info(apf_dev(apf), "%s: AMT closed the APF link, reason %u\n",
			 apf->name, msg->disconnect.reason);
		vpro_apf_link_reset(apf, -ECONNRESET);
		break;
	case APF_PROTOCOL_VERSION:
		if (apf->state != VPRO_APF_HANDSHAKING)
			apf_protocol_error(apf, "PROTOCOL_VERSION after the handshake");
		else if (msg->protocol_version.major != 1)
			apf_protocol_error(apf, "APF major version is not 1");
		break;
	case APF_SERVICE_REQUEST:
		apf_handle_service_request(apf, msg);
		break;
	case APF_USERAUTH_REQUEST:
		/* LMS accepts every user; the LME client is local only. */
		len = apf_encode_userauth_success(reply, sizeof(reply));
		apf_reply(apf, reply, len);
		break;
	case APF_GLOBAL_REQUEST:
		apf_handle_global_request(apf, msg);
		break;
	case APF_CHANNEL_OPEN:
		apf_handle_channel_open(apf, msg);
		break;
	case APF_CHANNEL_OPEN_CONFIRMATION:
	case APF_CHANNEL_OPEN_FAILURE:
		apf_handle_open_reply(apf, msg);
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		apf_handle_window_adjust(apf, msg);
		break;
	case APF_CHANNEL_DATA:
		apf_handle_data(apf, msg);
		break;
	case APF_CHANNEL_CLOSE:
		apf_handle_close(apf, msg);
		break;
	case APF_KEEPALIVE_REQUEST:
		len = apf_encode_keepalive_reply(reply, sizeof(reply),
						 msg->keepalive.cookie);
		apf_reply(apf, reply, len);
		break;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
		interval = msg->keepalive_options.interval;
		timeout = msg->keepalive_options.timeout;
		len = apf_encode_keepalive_options_reply(reply, sizeof(reply),
							 interval, timeout);
		apf_reply(apf, reply, len);
		break;
	case APF_KEEPALIVE_REPLY:
		break;
	default:
		apf_protocol_error(apf, "unexpected message type");
		break;
	}
}

static void apf_handle_frame(struct vpro_apf *apf,
			     const struct vpro_apf_frame *frame)
{
	struct apf_msg msg;

	if (frame->error) {
		dev_warn(apf_dev(apf), "%s: LME receive failed: %d; resetting the link\n",
			 apf->name, frame->error);
		vpro_apf_link_reset(apf, -ECONNRESET);
		return;
	}
	if (apf_decode(frame->data, frame->len, &msg)) {
		dev_warn_ratelimited(apf_dev(apf),
				     "%s: malformed APF message (type %u, %zu bytes); resetting the link\n",
				     apf->name, frame->len ? frame->data[0] : 0,
				     frame->len);
		vpro_apf_link_reset(apf, -ECONNRESET);
		return;
	}
	apf_handle_msg(apf, &msg);
}

static void apf_rx_work(struct work_struct *work)
{
	struct vpro_apf *apf = container_of(work, struct vpro_apf, rx_work);
	struct vpro_apf_frame *frame;

	if (atomic_xchg(&apf->rx_dropped, 0)) {
		mutex_lock(&apf->lock);
		dev_warn(apf_dev(apf), "%s: APF message dropped for lack of memory; resetting the link\n",
			 apf->name);
		vpro_apf_link_reset(apf, -ECONNRESET);
		mutex_unlock(&apf->lock);
	}

	for (;;) {
		spin_lock(&apf->queue_lock);
		frame = list_first_entry_or_null(&apf->rx_queue,
						 struct vpro_apf_frame, node);
		if (frame)
			list_del(&frame->node);
		spin_unlock(&apf->queue_lock);
		if (!frame)
			break;

		mutex_lock(&apf->lock);
		if (frame->generation == apf->generation &&
		    apf->state != VPRO_APF_DOWN)
			apf_handle_frame(apf, frame);
		mutex_unlock(&apf->lock);
		kfree(frame);
	}
}

/*
 * Completes the handshake once AMT sent no tcpip-forward request for
 * APF_HANDSHAKE_QUIET_MS, so that no CHANNEL_OPEN overtakes the reply to
 * a later request.
 */
static void apf_handshake_work(struct work_struct *work)
{
	struct vpro_apf *apf = container_of(to_delayed_work(work),
					    struct vpro_apf, handshake_work);

	mutex_lock(&apf->lock);
	if (apf->state == VPRO_APF_HANDSHAKING && apf->nports)
		apf_set_state(apf, VPRO_APF_UP);
	mutex_unlock(&apf->lock);
}

static void apf_linger_work(struct work_struct *work)
{
	struct vpro_apf *apf =
		container_of(to_delayed_work(work), struct vpro_apf, linger_work);

	mutex_lock(&apf->lock);
	if (!apf->nchannels && apf->state != VPRO_APF_DOWN) {
		dev_dbg(apf_dev(apf), "%s: no channels for %u ms, releasing LME\n",
			apf->name, apf_linger_ms);
		vpro_apf_link_reset(apf, -ECONNRESET);
	}
	mutex_unlock(&apf->lock);
}

/*
 * Connects LME and starts the handshake if the link is down. It returns
 * once PROTOCOL_VERSION is queued; callers wait on link_wait for UP.
 */
int vpro_apf_link_start(struct vpro_apf *apf)
{
	u8 msg[APF_PROTOCOL_VERSION_LEN];
	static const u8 no_uuid[16];
	int len, ret;

	lockdep_assert_held(&apf->lock);
	if (apf->removed)
		return -ENODEV;
	if (apf->state != VPRO_APF_DOWN)
		return 0;

	ret = mei_cldev_enable(apf->lme);
	if (ret) {
		/* Every CONNECT during an ME reset gets here: rate-limit. */
		dev_warn_ratelimited(apf_dev(apf),
				     "%s: connecting the LME client failed: %d\n",
				     apf->name, ret);
		return vpro_mei_connect_errno(ret);
	}
	apf->enabled = true;
	ret = mei_cldev_register_rx_cb(apf->lme, apf_rx_cb);
	if (ret) {
		dev_warn(apf_dev(apf), "%s: LME rx callback registration failed: %d\n",
			 apf->name, ret);
		mei_cldev_disable(apf->lme);
		apf->enabled = false;
		return ret;
	}

	apf_set_state(apf, VPRO_APF_HANDSHAKING);
	len = apf_encode_protocol_version(msg, sizeof(msg), 1, 0, 0, no_uuid);
	ret = len < 0 ? len : vpro_apf_send(apf, msg, len);
	if (ret)
		vpro_apf_link_reset(apf, ret);
	return ret;
}

int vpro_apf_init(struct vpro *vpro, struct mei_cl_device *lme)
{
	struct vpro_apf *apf;
	int ret;

	apf = kzalloc(sizeof(*apf), GFP_KERNEL);
	if (!apf)
		return -ENOMEM;
	apf->rx_buf = kmalloc(VPRO_APF_RX_MAX_MSG, GFP_KERNEL);
	if (!apf->rx_buf) {
		kfree(apf);
		return -ENOMEM;
	}
	kref_init(&apf->kref);
	apf->vpro = vpro;
	apf->lme = lme;
	apf->next_id = 1;
	snprintf(apf->name, sizeof(apf->name), "vpro_apf%d", vpro->index);
	mutex_init(&apf->lock);
	spin_lock_init(&apf->ports_lock);
	spin_lock_init(&apf->queue_lock);
	INIT_LIST_HEAD(&apf->channels);
	INIT_LIST_HEAD(&apf->rx_queue);
	INIT_LIST_HEAD(&apf->tx_queue);
	init_waitqueue_head(&apf->link_wait);
	INIT_WORK(&apf->rx_work, apf_rx_work);
	INIT_WORK(&apf->tx_work, apf_tx_work);
	INIT_DELAYED_WORK(&apf->linger_work, apf_linger_work);
	INIT_DELAYED_WORK(&apf->handshake_work, apf_handshake_work);

	apf->wq = alloc_workqueue("vpro_apf%d", 0, 0, vpro->index);
	if (!apf->wq) {
		vpro_apf_put(apf);
		return -ENOMEM;
	}

	apf->misc.minor = MISC_DYNAMIC_MINOR;
	apf->misc.name = apf->name;
	apf->misc.fops = &vpro_apf_fops;
	apf->misc.mode = 0600;
	apf->misc.parent = &lme->dev;

	/* An open can come as soon as the device is registered. */
	WRITE_ONCE(vpro->apf, apf);
	ret = misc_register(&apf->misc);
	if (ret) {
		dev_err(&lme->dev, "%s: registering the char device failed: %d\n",
			apf->name, ret);
		WRITE_ONCE(vpro->apf, NULL);
		destroy_workqueue(apf->wq);
		vpro_apf_put(apf);
		return ret;
	}
	return 0;
}

void vpro_apf_exit(struct vpro *vpro)
{
	struct vpro_apf *apf = vpro->apf;

	if (!apf)
		return;

	/* No new opens after this; open files keep their reference. */
	misc_deregister(&apf->misc);

	mutex_lock(&apf->lock);
	vpro_apf_link_reset(apf, -ENODEV);
	apf->removed = true;
	mutex_unlock(&apf->lock);

	cancel_delayed_work_sync(&apf->linger_work);
	cancel_delayed_work_sync(&apf->handshake_work);
	destroy_workqueue(apf->wq);
	apf_purge(apf, &apf->rx_queue);
	apf_purge(apf, &apf->tx_queue);
	wake_up_all(&apf->link_wait);

	WRITE_ONCE(vpro->apf, NULL);
	vpro_apf_put(apf);
}

enum vpro_apf_state vpro_apf_state(struct vpro *vpro)
{
	struct vpro_apf *apf = READ_ONCE(vpro->apf);

	return apf ? READ_ONCE(apf->state) : VPRO_APF_DOWN;
}

/* A snapshot without apf->lock, so that sysfs never waits for the link. */
int vpro_apf_channels(struct vpro *vpro)
{
	struct vpro_apf *apf = READ_ONCE(vpro->apf);

	return apf ? READ_ONCE(apf->nchannels) : 0;
}

int vpro_apf_ports(struct vpro *vpro, u32 *ports, int max)
{
	struct vpro_apf *apf = READ_ONCE(vpro->apf);
	int n;

	if (!apf)
		return 0;
	spin_lock(&apf->ports_lock);
	n = min(apf->nports_copy, max);
	memcpy(ports, apf->ports_copy, n * sizeof(*ports));
	spin_unlock(&apf->ports_lock);
	return n;
}
