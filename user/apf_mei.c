// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apf_codec.h"
#include "apf_mei.h"
#include "heci.h"

/* After AMT's last handshake message, wait this long for more. */
#define APF_MEI_SETTLE_MS	200
#define APF_MEI_CONTROL_MAX	128	/* largest control message sent */

const uint8_t apf_mei_lme_uuid[16] = {
	0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
	0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7,
};

long apf_mei_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void trace(const struct apf_mei *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void trace(const struct apf_mei *m, const char *fmt, ...)
{
	va_list ap;

	if (!m->verbose)
		return;
	va_start(ap, fmt);
	fputs("vproctl: apf-mei: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * Writes one whole APF message, because the device takes a message whole
 * or not at all. NOTE: write() on /dev/mei0 blocks until the firmware
 * takes the message, so it is not bounded by the caller's deadline.
 */
static int send_msg(struct apf_mei *m, const uint8_t *buf, int len)
{
	ssize_t n;

	if (len < 0)
		return len;
	do {
		n = write(m->fd, buf, (size_t)len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

/*
 * Waits for one message until @deadline and returns its length or
 * -errno. A deadline that has passed still returns a message that is
 * already waiting, so a caller with a zero wait makes progress even
 * when the clock ticked since it computed the deadline.
 */
static ssize_t recv_msg(struct apf_mei *m, long deadline)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };

	for (;;) {
		long left = deadline - apf_mei_now_ms();
		ssize_t n;
		int rc;

		if (left < 0)
			left = 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = read(m->fd, m->msg, m->max_msg_len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		/* A test socket whose peer closed returns 0: treat it as a reset. */
		if (n == 0)
			return -ECONNRESET;
		/*
		 * The mei driver grants the firmware a credit for its next
		 * message only on read() or poll() (mei_read() and mei_poll()
		 * in Linux 6.1 and 6.12). Polling now lets AMT send
		 * while this message is handled, saving one HBM round trip per
		 * message.
		 */
		pfd.revents = 0;
		poll(&pfd, 1, 0);
		return n;
	}
}

static int answer_global_request(struct apf_mei *m, const struct apf_msg *msg)
{
	uint8_t out[APF_MEI_CONTROL_MAX];
	const struct apf_string *name = &msg->global_request.name;
	bool forward = name->len == strlen(APF_GLOBAL_TCPIP_FORWARD) &&
		       !memcmp(name->data, APF_GLOBAL_TCPIP_FORWARD, name->len);
	bool cancel = name->len == strlen(APF_GLOBAL_CANCEL_TCPIP_FORWARD) &&
		      !memcmp(name->data, APF_GLOBAL_CANCEL_TCPIP_FORWARD,
			      name->len);
	uint32_t port = msg->global_request.port;

	if (forward) {
		trace(m, "AMT forwards port %u", port);
		if (m->port_count < APF_MEI_MAX_PORTS)
			m->ports[m->port_count++] = port;
	}
	if (!msg->global_request.want_reply)
		return 0;
	if (forward)
		return send_msg(m, out, apf_encode_request_success(out, sizeof(out),
								   true, port));
	if (cancel)
		return send_msg(m, out, apf_encode_request_success(out, sizeof(out),
								   false, 0));
	return send_msg(m, out, apf_encode_request_failure(out, sizeof(out)));
}

/* Stores channel data for the reader. AMT may not exceed our window. */
static int store_data(struct apf_mei *m, const struct apf_msg *msg)
{
	uint32_t len = msg->channel_data.len;

	if (msg->channel_data.recipient != m->sender || !m->sender)
		return 0;	/* data of a channel closed earlier */
	if (len > sizeof(m->rx) - m->rx_len) {
		trace(m, "AMT sent %u bytes beyond the window of %d", len,
		      APF_MEI_WINDOW);
		return -EPROTO;
	}
	memcpy(m->rx + m->rx_len, msg->channel_data.data, len);
	m->rx_len += len;
	return 0;
}

/* Handles the open reply, window, data and close of the current channel. */
static int handle_channel_msg(struct apf_mei *m, const struct apf_msg *msg)
{
	uint8_t out[APF_MEI_CONTROL_MAX];

	switch (msg->type) {
	case APF_CHANNEL_OPEN_CONFIRMATION:
		if (!m->open_pending ||
		    msg->open_confirmation.recipient != m->sender)
			return 0;
		m->open_pending = false;
		m->open_result = 0;
		m->recipient = msg->open_confirmation.sender;
		m->send_window = msg->open_confirmation.window;
		m->open_window = m->send_window;
		return 0;
	case APF_CHANNEL_OPEN_FAILURE:
		if (!m->open_pending || msg->open_failure.recipient != m->sender)
			return 0;
		trace(m, "AMT refused the channel, reason %u",
		      msg->open_failure.reason);
		m->open_pending = false;
		m->open_result = -ECONNREFUSED;
		return 0;
	case APF_CHANNEL_WINDOW_ADJUST:
		if (msg->window_adjust.recipient != m->sender || !m->sender)
			return 0;
		if (msg->window_adjust.bytes > UINT32_MAX - m->send_window)
			return -EPROTO;
		m->send_window += msg->window_adjust.bytes;
		return 0;
	case APF_CHANNEL_DATA:
		return store_data(m, msg);
	case APF_CHANNEL_CLOSE:
		/* AMT often closes channel 0 or an old channel, which is harmless. */
		if (msg->channel_close.recipient != m->sender || !m->sender)
			return 0;
		m->peer_closed = true;
		if (m->close_sent)
			return 0;
		m->close_sent = true;
		return send_msg(m, out, apf_encode_channel_close(out, sizeof(out),
								 m->recipient));
	}
	return 0;
}

/* Decodes one message from AMT and sends the reply it needs. */
static int handle_msg(struct apf_mei *m, size_t len)
{
	uint8_t out[APF_MEI_CONTROL_MAX];
	struct apf_msg msg;
	static const uint8_t userauth_success = APF_USERAUTH_SUCCESS;

	if (apf_decode(m->msg, len, &msg)) {
		trace(m, "malformed message type %u (%u bytes)", m->msg[0],
		      (unsigned int)len);
		return -EPROTO;
	}

	switch (msg.type) {
	case APF_PROTOCOL_VERSION:
		if (msg.protocol_version.major != 1) {
			trace(m, "AMT speaks APF %u.%u, only 1.x is supported",
			      msg.protocol_version.major,
			      msg.protocol_version.minor);
			return -EPROTO;
		}
		m->link_up = true;
		return 0;
	case APF_SERVICE_REQUEST:
		if (msg.service.name.len >= APF_MEI_CONTROL_MAX - 8)
			return -EPROTO;
		{
			char name[APF_MEI_CONTROL_MAX];

			memcpy(name, msg.service.name.data, msg.service.name.len);
			name[msg.service.name.len] = '\0';
			return send_msg(m, out,
					apf_encode_service(out, sizeof(out),
							   APF_SERVICE_ACCEPT,
							   name));
		}
	case APF_USERAUTH_REQUEST:
		return send_msg(m, &userauth_success, 1);
	case APF_GLOBAL_REQUEST:
		return answer_global_request(m, &msg);
	case APF_KEEPALIVE_REQUEST:
		return send_msg(m, out,
				apf_encode_keepalive_reply(out, sizeof(out),
							   msg.keepalive.cookie));
	case APF_KEEPALIVE_OPTIONS_REQUEST:
		return send_msg(m, out,
				apf_encode_keepalive_options_reply(out, sizeof(out),
					msg.keepalive_options.interval,
					msg.keepalive_options.timeout));
	case APF_CHANNEL_OPEN:
		/* AMT-initiated (direct-tcpip) channels are not served. */
		return send_msg(m, out,
				apf_encode_open_failure(out, sizeof(out),
							msg.channel_open.sender,
							APF_OPEN_FAILURE_PROHIBITED));
	case APF_DISCONNECT:
		trace(m, "AMT sent DISCONNECT reason %u",
		      msg.disconnect.reason);
		m->link_up = false;
		return -ECONNRESET;
	default:
		return handle_channel_msg(m, &msg);
	}
}

/* Receives and handles one message by @deadline. */
static int pump(struct apf_mei *m, long deadline)
{
	ssize_t n = recv_msg(m, deadline);

	if (n < 0)
		return (int)n;
	return handle_msg(m, (size_t)n);
}

int apf_mei_start(struct apf_mei *m, int fd, uint32_t max_msg_len,
		  int timeout_ms)
{
	static const uint8_t no_uuid[16];
	long deadline = apf_mei_now_ms() + timeout_ms;
	uint8_t out[APF_MEI_CONTROL_MAX];
	int ret;

	memset(m->ports, 0, sizeof(m->ports));
	m->fd = fd;
	m->max_msg_len = max_msg_len;
	m->link_up = false;
	m->port_count = 0;
	m->sender = 0;
	m->next_sender = 1;
	m->msg = NULL;
	if (max_msg_len < APF_PROTOCOL_VERSION_LEN) {
		apf_mei_close(m);
		return -EPROTO;
	}
	m->msg = malloc(max_msg_len);
	if (!m->msg) {
		apf_mei_close(m);
		return -ENOMEM;
	}

	ret = send_msg(m, out, apf_encode_protocol_version(out, sizeof(out), 1, 0,
							   0, no_uuid));
	/* Reply to the handshake until a port is announced and AMT is quiet. */
	while (ret == 0 && !(m->link_up && m->port_count))
		ret = pump(m, deadline);
	while (ret == 0) {
		long settle = apf_mei_now_ms() + APF_MEI_SETTLE_MS;

		ret = pump(m, settle < deadline ? settle : deadline);
	}
	if (ret == -ETIMEDOUT && m->link_up && m->port_count)
		return 0;
	apf_mei_close(m);
	return ret;
}

int apf_mei_open(struct apf_mei *m, const char *device, int timeout_ms)
{
	struct heci heci;
	int ret;

	m->fd = -1;
	m->msg = NULL;
	ret = heci_connect(&heci, device, apf_mei_lme_uuid);
	if (ret < 0)
		return ret;
	return apf_mei_start(m, heci.fd, heci.max_msg_len, timeout_ms);
}

static bool port_announced(const struct apf_mei *m, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < m->port_count; i++)
		if (m->ports[i] == port)
			return true;
	return false;
}

int apf_mei_channel_open(struct apf_mei *m, uint16_t port, int timeout_ms)
{
	long deadline = apf_mei_now_ms() + timeout_ms;
	uint8_t out[APF_MEI_CONTROL_MAX];
	int ret;

	if (!m->link_up)
		return -ENOTCONN;
	if (!port_announced(m, port)) {
		trace(m, "AMT did not announce port %u", port);
		return -ECONNREFUSED;
	}
	m->sender = m->next_sender++;
	if (!m->next_sender)
		m->next_sender = 1;
	m->recipient = 0;
	m->send_window = 0;
	m->open_window = 0;
	m->rx_len = 0;
	m->peer_closed = false;
	m->close_sent = false;
	m->open_pending = true;
	m->open_result = -ETIMEDOUT;

	ret = send_msg(m, out, apf_encode_channel_open(out, sizeof(out), m->sender,
						       APF_MEI_WINDOW,
						       "127.0.0.1", port,
						       "127.0.0.1", 0));
	while (ret == 0 && m->open_pending)
		ret = pump(m, deadline);
	if (ret == 0)
		ret = m->open_result;
	if (ret < 0)
		m->sender = 0;
	return ret;
}

int apf_mei_write(struct apf_mei *m, const uint8_t *buf, size_t len,
		  long deadline_ms)
{
	size_t max_data = m->max_msg_len - APF_CHANNEL_DATA_HEADER_LEN;
	uint8_t *out = m->msg;
	size_t off = 0;
	int ret;

	if (!m->sender)
		return -ENOTCONN;
	/* No message is pending between pump() calls: build data in m->msg. */
	while (off < len) {
		size_t n = len - off;

		if (m->peer_closed)
			return -EPIPE;
		if (n > max_data)
			n = max_data;
		/*
		 * Sending into a small leftover window splits the stream into
		 * ever smaller messages when AMT grants back each message
		 * separately (fwsim does), and each message costs an HBM round
		 * trip. So wait for WINDOW_ADJUST while the window is below
		 * half of what AMT granted at open. At least that much is
		 * then unacknowledged, so an adjust is due.
		 */
		if (!m->send_window ||
		    (m->send_window < n &&
		     m->send_window < m->open_window / 2)) {
			ret = pump(m, deadline_ms);
			if (ret < 0)
				return ret;
			continue;
		}
		if (n > m->send_window)
			n = m->send_window;
		ret = apf_encode_channel_data_header(out, m->max_msg_len,
						     m->recipient, (uint32_t)n);
		if (ret < 0)
			return ret;
		memcpy(out + ret, buf + off, n);
		ret = send_msg(m, out, ret + (int)n);
		if (ret < 0)
			return ret;
		m->send_window -= (uint32_t)n;
		off += n;
	}
	return 0;
}

ssize_t apf_mei_read(struct apf_mei *m, uint8_t *buf, size_t size,
		     long deadline_ms)
{
	uint8_t out[APF_MEI_CONTROL_MAX];
	size_t n;
	int ret;

	if (!m->sender)
		return -ENOTCONN;
	while (!m->rx_len && !m->peer_closed) {
		ret = pump(m, deadline_ms);
		if (ret < 0)
			return ret;
	}
	if (!m->rx_len)
		return 0;

	n = m->rx_len < size ? m->rx_len : size;
	memcpy(buf, m->rx, n);
	memmove(m->rx, m->rx + n, m->rx_len - n);
	m->rx_len -= n;
	/* Every byte read frees window space, so grant it back at once. */
	if (!m->peer_closed) {
		ret = send_msg(m, out,
			       apf_encode_window_adjust(out, sizeof(out),
							m->recipient,
							(uint32_t)n));
		if (ret < 0)
			return ret;
	}
	return (ssize_t)n;
}

void apf_mei_channel_close(struct apf_mei *m)
{
	uint8_t out[APF_MEI_CONTROL_MAX];

	if (m->sender && m->recipient && !m->close_sent)
		send_msg(m, out, apf_encode_channel_close(out, sizeof(out),
							  m->recipient));
	m->close_sent = true;
	m->sender = 0;
	m->rx_len = 0;
}

void apf_mei_close(struct apf_mei *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->link_up = false;
	free(m->msg);
	m->msg = NULL;
}
