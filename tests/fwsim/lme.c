// SPDX-License-Identifier: MIT
/*
 * LME client of the firmware model: the firmware side of APF, big-endian
 * and one APF message per LME message. After the host's PROTOCOL_VERSION
 * the firmware sends its own, requests the pfwd service, and
 * announces ports 16992 and 623 (and the --bench-port port, served by
 * bench_port.c) with tcpip-forward. The host then opens
 * forwarded-tcpip channels to port 16992, each carrying HTTP to the
 * WS-Man endpoint. Messages out of that order end the link with
 * DISCONNECT reason 2 (protocol error). The knobs of fault.h change
 * these answers, and with bulk-port the port 16995 echoes every byte.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_port.h"
#include "fault.h"
#include "fwsim.h"
#include "http.h"
#include "wsman.h"

#define LME_MAX_MSG		0x1400
#define LME_MAX_CHANNELS	8
#define LME_WINDOW		4096	/* receive window granted per channel */
#define LME_DATA_HDR_LEN	9	/* type, recipient, length */
#define LME_WSMAN_PORT		16992
#define LME_TLS_PORT		16993
#define LME_ECHO_PORT		16995
#define LME_MAX_DELAYED		16	/* open replies held by the delay fault */
#define LME_DIRECT_SENDER	0x100	/* our sender id of a direct-tcpip open */
#define LME_MAX_PORTS		4

#define APF_DISCONNECT			1
#define APF_REASON_BY_APPLICATION	11
#define APF_SERVICE_REQUEST		5
#define APF_SERVICE_ACCEPT		6
#define APF_GLOBAL_REQUEST		80
#define APF_REQUEST_SUCCESS		81
#define APF_REQUEST_FAILURE		82
#define APF_CHANNEL_OPEN		90
#define APF_OPEN_CONFIRMATION		91
#define APF_OPEN_FAILURE		92
#define APF_WINDOW_ADJUST		93
#define APF_CHANNEL_DATA		94
#define APF_CHANNEL_CLOSE		97
#define APF_PROTOCOL_VERSION		192
#define APF_KEEPALIVE_REQUEST		208
#define APF_KEEPALIVE_REPLY		209

#define APF_PROTOCOL_VERSION_LEN	93

#define APF_REASON_PROTOCOL_ERROR	2
#define APF_REASON_VERSION_NOT_SUPPORTED 8

#define APF_OPEN_CONNECT_FAILED		2
#define APF_OPEN_UNKNOWN_TYPE		3
#define APF_OPEN_RESOURCE_SHORTAGE	4

#define APF_SERVICE_PFWD	"pfwd@amt.intel.com"

static const uint32_t lme_forward_ports[] = { LME_WSMAN_PORT, 623 };
static const uint32_t lme_tls_ports[] = { LME_TLS_PORT, 664 };
#define LME_FORWARD_COUNT \
	(sizeof(lme_forward_ports) / sizeof(lme_forward_ports[0]))

enum lme_phase {
	LME_WAIT_VERSION,
	LME_WAIT_SERVICE_ACCEPT,
	LME_WAIT_FORWARD_REPLIES,
	LME_READY,
	LME_DEAD,		/* DISCONNECT sent; ignore the host until it reconnects */
};

struct lme_channel {
	bool in_use;
	uint32_t host_id;		/* the host's sender id, our recipient */
	uint32_t recv_window;		/* bytes the host may still send */
	uint32_t send_window;		/* bytes we may still send */
	struct http_request req;
	struct http_buf out;		/* response bytes not yet sent */
	size_t out_sent;
	bool close_after_out;		/* send CHANNEL_CLOSE once out is sent */
	bool close_sent;
	bool echo;			/* port 16995: echo, not HTTP */
	struct bench_stream bench;	/* active on the --bench-port port */
};

/* An open reply held back by the delay fault. */
struct lme_delayed {
	uint64_t due_ms;
	uint8_t msg[20];
	size_t len;
};

/* Per-link state, kept in fw_conn_priv. */
struct lme_link {
	struct fw_conn *conn;
	enum lme_phase phase;
	unsigned int forwards_pending;
	struct lme_channel channels[LME_MAX_CHANNELS];
	struct lme_delayed delayed[LME_MAX_DELAYED];
	unsigned int ndelayed;
	uint32_t keepalive_cookie;	/* cookie of the last KEEPALIVE_REQUEST */
};

/* The one LME link (max_connections is 1), for actions and timers. */
static struct lme_link *lme_current;

/* A message under construction. */
struct apf_msg {
	uint8_t buf[LME_MAX_MSG];
	size_t len;
};

/* A bounds-checked reader over a received message. */
struct apf_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static void apf_put_u8(struct apf_msg *m, uint8_t v)
{
	m->buf[m->len++] = v;
}

static void apf_put_u32(struct apf_msg *m, uint32_t v)
{
	apf_put_u8(m, (uint8_t)(v >> 24));
	apf_put_u8(m, (uint8_t)(v >> 16));
	apf_put_u8(m, (uint8_t)(v >> 8));
	apf_put_u8(m, (uint8_t)v);
}

static void apf_put_str(struct apf_msg *m, const char *s)
{
	size_t n = strlen(s);

	apf_put_u32(m, (uint32_t)n);
	memcpy(m->buf + m->len, s, n);
	m->len += n;
}

static uint32_t apf_get_u32(struct apf_reader *r)
{
	const uint8_t *p;

	if (r->bad || r->len - r->off < 4) {
		r->bad = true;
		return 0;
	}
	p = r->p + r->off;
	r->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Returns a pointer to a length-prefixed string and stores its length. */
static const uint8_t *apf_get_str(struct apf_reader *r, uint32_t *len)
{
	const uint8_t *s;

	*len = apf_get_u32(r);
	if (r->bad || r->len - r->off < *len) {
		r->bad = true;
		return NULL;
	}
	s = r->p + r->off;
	r->off += *len;
	return s;
}

static bool apf_str_equals(const uint8_t *s, uint32_t len, const char *text)
{
	return s && len == strlen(text) && !memcmp(s, text, len);
}

/* True when the message was read to its last byte without overrun. */
static bool apf_reader_done(const struct apf_reader *r)
{
	return !r->bad && r->off == r->len;
}

static void lme_send(struct lme_link *link, const struct apf_msg *m)
{
	if (fw_send(link->conn, m->buf, m->len))
		fw_log("lme: sending APF message %u (%zu bytes) failed",
		       m->buf[0], m->len);
}

static void lme_send_u32_msg(struct lme_link *link, uint8_t type,
			     uint32_t value)
{
	struct apf_msg m = { .len = 0 };

	apf_put_u8(&m, type);
	apf_put_u32(&m, value);
	lme_send(link, &m);
}

static uint64_t lme_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends a CHANNEL_OPEN reply now, or later under the delay fault. */
static void lme_send_open_reply(struct lme_link *link, const struct apf_msg *m)
{
	struct lme_delayed *d;

	if (!fw_faults.reply_delay_ms) {
		lme_send(link, m);
		return;
	}
	if (link->ndelayed == LME_MAX_DELAYED || m->len > sizeof(d->msg)) {
		fw_log("lme: more than %d delayed replies, sending this one now",
		       LME_MAX_DELAYED);
		lme_send(link, m);
		return;
	}
	d = &link->delayed[link->ndelayed++];
	d->due_ms = lme_now_ms() + fw_faults.reply_delay_ms;
	memcpy(d->msg, m->buf, m->len);
	d->len = m->len;
}

int lme_timer_ms(void)
{
	uint64_t now, next = UINT64_MAX;
	unsigned int i;

	if (!lme_current || !lme_current->ndelayed)
		return -1;
	for (i = 0; i < lme_current->ndelayed; i++)
		if (lme_current->delayed[i].due_ms < next)
			next = lme_current->delayed[i].due_ms;
	now = lme_now_ms();
	return next <= now ? 0 : (int)(next - now);
}

void lme_run_timers(void)
{
	struct lme_link *link = lme_current;
	uint64_t now = lme_now_ms();
	unsigned int i = 0;

	while (link && i < link->ndelayed) {
		struct lme_delayed d = link->delayed[i];

		if (d.due_ms > now) {
			i++;
			continue;
		}
		/* Replies keep their order: later entries move down. */
		memmove(&link->delayed[i], &link->delayed[i + 1],
			(link->ndelayed - i - 1) * sizeof(d));
		link->ndelayed--;
		if (fw_send(link->conn, d.msg, d.len))
			fw_log("lme: sending a delayed open reply failed");
	}
}

static void lme_free_channel(struct lme_channel *ch)
{
	if (ch->in_use && fw_counters.open_channels)
		fw_counters.open_channels--;
	http_request_free(&ch->req);
	http_buf_free(&ch->out);
	memset(ch, 0, sizeof(*ch));
}

static void lme_free_channels(struct lme_link *link)
{
	unsigned int i;

	for (i = 0; i < LME_MAX_CHANNELS; i++)
		if (link->channels[i].in_use)
			lme_free_channel(&link->channels[i]);
}

/*
 * Sends DISCONNECT and drops the MEI connection. The HBM layer may call
 * lme_disconnected() from fw_disconnect(), which frees @link, so callers
 * must return right after this without touching @link.
 */
static void lme_disconnect(struct lme_link *link, uint32_t reason,
			   const char *cause)
{
	struct fw_conn *conn = link->conn;
	struct apf_msg m = { .len = 0 };

	fw_log("lme: %s, sending DISCONNECT reason %u", cause, reason);
	fw_counters.disconnects_sent++;
	apf_put_u8(&m, APF_DISCONNECT);
	apf_put_u32(&m, reason);
	apf_put_u8(&m, 0);
	apf_put_u8(&m, 0);
	lme_send(link, &m);
	lme_free_channels(link);
	link->phase = LME_DEAD;
	fw_disconnect(conn);
}

static void lme_protocol_error(struct lme_link *link, const char *cause)
{
	lme_disconnect(link, APF_REASON_PROTOCOL_ERROR, cause);
}

/* Our sender id for a channel is its slot index plus one, so 0 is free. */
static struct lme_channel *lme_find_channel(struct lme_link *link,
					    uint32_t id)
{
	if (id < 1 || id > LME_MAX_CHANNELS ||
	    !link->channels[id - 1].in_use)
		return NULL;
	return &link->channels[id - 1];
}

static uint32_t lme_channel_id(struct lme_link *link,
			       const struct lme_channel *ch)
{
	return (uint32_t)(ch - link->channels) + 1;
}

/* Sends the benchmark response bytes owed, within the host's window. */
static void lme_flush_bench(struct lme_link *link, struct lme_channel *ch)
{
	struct apf_msg m;

	while (ch->bench.response_left && ch->send_window) {
		size_t n = ch->send_window;

		if (n > LME_MAX_MSG - LME_DATA_HDR_LEN)
			n = LME_MAX_MSG - LME_DATA_HDR_LEN;
		m.len = 0;
		apf_put_u8(&m, APF_CHANNEL_DATA);
		apf_put_u32(&m, ch->host_id);
		apf_put_u32(&m, 0);	/* length, set below */
		n = bench_stream_fill(&ch->bench, m.buf + m.len, n);
		m.buf[5] = (uint8_t)(n >> 24);
		m.buf[6] = (uint8_t)(n >> 16);
		m.buf[7] = (uint8_t)(n >> 8);
		m.buf[8] = (uint8_t)n;
		m.len += n;
		lme_send(link, &m);
		ch->send_window -= (uint32_t)n;
	}
}

/* Sends pending response bytes within the host's window. */
static void lme_flush(struct lme_link *link, struct lme_channel *ch)
{
	struct apf_msg m;

	if (ch->bench.active) {
		lme_flush_bench(link, ch);
		return;
	}
	while (ch->out_sent < ch->out.len && ch->send_window) {
		size_t n = ch->out.len - ch->out_sent;

		if (n > ch->send_window)
			n = ch->send_window;
		if (n > LME_MAX_MSG - LME_DATA_HDR_LEN)
			n = LME_MAX_MSG - LME_DATA_HDR_LEN;
		m.len = 0;
		apf_put_u8(&m, APF_CHANNEL_DATA);
		apf_put_u32(&m, ch->host_id);
		apf_put_u32(&m, (uint32_t)n);
		memcpy(m.buf + m.len, ch->out.data + ch->out_sent, n);
		m.len += n;
		lme_send(link, &m);
		fw_counters.fw_data_bytes += n;
		ch->out_sent += n;
		ch->send_window -= (uint32_t)n;
	}
	if (ch->out_sent < ch->out.len)
		return;

	ch->out.len = 0;
	ch->out_sent = 0;
	if (ch->close_after_out && !ch->close_sent) {
		lme_send_u32_msg(link, APF_CHANNEL_CLOSE, ch->host_id);
		ch->close_sent = true;
	}
}

static void lme_protocol_version(struct lme_link *link, struct apf_reader *r)
{
	struct apf_msg m = { .len = 0 };
	uint32_t major, minor;
	unsigned int i;

	if (link->phase != LME_WAIT_VERSION || r->len != APF_PROTOCOL_VERSION_LEN) {
		lme_protocol_error(link, "unexpected PROTOCOL_VERSION");
		return;
	}
	major = apf_get_u32(r);
	minor = apf_get_u32(r);
	if (major != 1) {
		fw_log("lme: host APF version %u.%u, only 1.x is supported",
		       major, minor);
		lme_disconnect(link, APF_REASON_VERSION_NOT_SUPPORTED,
			       "unsupported APF version");
		return;
	}

	apf_put_u8(&m, APF_PROTOCOL_VERSION);
	apf_put_u32(&m, 1);
	apf_put_u32(&m, 0);
	apf_put_u32(&m, 0);		/* trigger reason */
	memcpy(m.buf + m.len, fw_state.uuid, sizeof(fw_state.uuid));
	m.len += sizeof(fw_state.uuid);
	for (i = 0; i < 64; i++)
		apf_put_u8(&m, 0);
	lme_send(link, &m);

	m.len = 0;
	apf_put_u8(&m, APF_SERVICE_REQUEST);
	apf_put_str(&m, APF_SERVICE_PFWD);
	lme_send(link, &m);
	link->phase = LME_WAIT_SERVICE_ACCEPT;
}

/* Fills @ports with the ports to announce and returns their count. */
static unsigned int lme_announced_ports(uint32_t ports[LME_MAX_PORTS])
{
	const uint32_t *base = fw_faults.tls_only ? lme_tls_ports :
						    lme_forward_ports;
	unsigned int count = 0;

	while (count < LME_FORWARD_COUNT) {
		ports[count] = base[count];
		count++;
	}
	if (fw_state.bench_port)
		ports[count++] = fw_state.bench_port;
	if (fw_faults.bulk_port)
		ports[count++] = LME_ECHO_PORT;
	return count;
}

static void lme_service_accept(struct lme_link *link, struct apf_reader *r)
{
	uint32_t ports[LME_MAX_PORTS];
	struct apf_msg m;
	const uint8_t *name;
	uint32_t name_len;
	unsigned int i, count;

	name = apf_get_str(r, &name_len);
	if (link->phase != LME_WAIT_SERVICE_ACCEPT || !apf_reader_done(r) ||
	    !apf_str_equals(name, name_len, APF_SERVICE_PFWD)) {
		lme_protocol_error(link, "unexpected SERVICE_ACCEPT");
		return;
	}
	count = lme_announced_ports(ports);
	for (i = 0; i < count; i++) {
		m.len = 0;
		apf_put_u8(&m, APF_GLOBAL_REQUEST);
		apf_put_str(&m, "tcpip-forward");
		apf_put_u8(&m, 1);		/* want_reply */
		apf_put_str(&m, "");
		apf_put_u32(&m, ports[i]);
		lme_send(link, &m);
	}
	link->forwards_pending = count;
	link->phase = LME_WAIT_FORWARD_REPLIES;
}

static void lme_forward_reply(struct lme_link *link, struct apf_reader *r,
			      bool success)
{
	if (link->phase != LME_WAIT_FORWARD_REPLIES ||
	    (r->len != 1 && r->len != 5)) {
		lme_protocol_error(link, "unexpected tcpip-forward reply");
		return;
	}
	if (!success)
		fw_log("lme: host refused a tcpip-forward request");
	if (--link->forwards_pending == 0) {
		link->phase = LME_READY;
		fw_log("lme: APF link ready");
	}
}

static void lme_open_failure(struct lme_link *link, uint32_t host_id,
			     uint32_t reason)
{
	struct apf_msg m = { .len = 0 };

	apf_put_u8(&m, APF_OPEN_FAILURE);
	apf_put_u32(&m, host_id);
	apf_put_u32(&m, reason);
	apf_put_u32(&m, 0);
	apf_put_u32(&m, 0);
	lme_send_open_reply(link, &m);
}

static void lme_channel_open(struct lme_link *link, struct apf_reader *r)
{
	struct lme_channel *ch = NULL;
	struct apf_msg m = { .len = 0 };
	const uint8_t *type;
	uint32_t type_len, addr_len, host_id, window, port;
	unsigned int i;

	type = apf_get_str(r, &type_len);
	host_id = apf_get_u32(r);
	window = apf_get_u32(r);
	apf_get_u32(r);			/* max packet size, 0xFFFFFFFF */
	apf_get_str(r, &addr_len);	/* connected address */
	port = apf_get_u32(r);
	apf_get_str(r, &addr_len);	/* originator address */
	apf_get_u32(r);			/* originator port */
	if (!apf_reader_done(r)) {
		lme_protocol_error(link, "malformed CHANNEL_OPEN");
		return;
	}

	fw_counters.open_requests++;
	if (fw_faults.open_failure) {
		fw_log("lme: open-failure fault: refusing the open with reason %u",
		       fw_faults.open_failure);
		lme_open_failure(link, host_id, fw_faults.open_failure);
		return;
	}
	if (!apf_str_equals(type, type_len, "forwarded-tcpip")) {
		fw_log("lme: channel type '%.*s' is not supported",
		       (int)type_len, (const char *)type);
		lme_open_failure(link, host_id, APF_OPEN_UNKNOWN_TYPE);
		return;
	}
	if (port != LME_WSMAN_PORT &&
	    (!fw_state.bench_port || port != fw_state.bench_port) &&
	    !(fw_faults.bulk_port && port == LME_ECHO_PORT)) {
		fw_log("lme: nothing listens on port %u, only on %u", port,
		       LME_WSMAN_PORT);
		lme_open_failure(link, host_id, APF_OPEN_CONNECT_FAILED);
		return;
	}
	for (i = 0; i < LME_MAX_CHANNELS && !ch; i++)
		if (!link->channels[i].in_use)
			ch = &link->channels[i];
	if (!ch) {
		fw_log("lme: all %d channels are open, refusing another",
		       LME_MAX_CHANNELS);
		lme_open_failure(link, host_id, APF_OPEN_RESOURCE_SHORTAGE);
		return;
	}

	ch->in_use = true;
	ch->host_id = host_id;
	ch->recv_window = fw_faults.window_set ? fw_faults.window : LME_WINDOW;
	ch->send_window = window;
	http_request_init(&ch->req);
	ch->echo = fw_faults.bulk_port && port == LME_ECHO_PORT;
	if (port != LME_WSMAN_PORT && !ch->echo)
		bench_stream_init(&ch->bench);
	fw_counters.open_channels++;

	apf_put_u8(&m, APF_OPEN_CONFIRMATION);
	apf_put_u32(&m, host_id);
	apf_put_u32(&m, lme_channel_id(link, ch));
	apf_put_u32(&m, ch->recv_window);
	apf_put_u32(&m, 0xFFFFFFFF);
	lme_send_open_reply(link, &m);
	if (fw_state.verbose)
		fw_log("lme: channel %u open for host channel %u",
		       lme_channel_id(link, ch), host_id);
}

static void lme_window_adjust(struct lme_link *link, struct apf_reader *r)
{
	struct lme_channel *ch = lme_find_channel(link, apf_get_u32(r));
	uint32_t bytes = apf_get_u32(r);

	if (!apf_reader_done(r) || !ch) {
		lme_protocol_error(link, "WINDOW_ADJUST for no open channel");
		return;
	}
	fw_counters.host_window_adjusts++;
	fw_counters.host_adjust_bytes += bytes;
	if (bytes > UINT32_MAX - ch->send_window) {
		lme_protocol_error(link, "WINDOW_ADJUST overflows the window");
		return;
	}
	ch->send_window += bytes;
	lme_flush(link, ch);
}

/* Parses @len bytes of HTTP and queues the responses they complete. */
static void lme_feed_http(struct lme_channel *ch, const uint8_t *data,
			  size_t len)
{
	size_t off = 0;
	bool close = false;

	while (off < len && !ch->close_after_out) {
		off += http_request_feed(&ch->req, data + off, len - off);
		if (ch->req.status == HTTP_INCOMPLETE)
			break;
		if (ch->req.status == HTTP_ERROR) {
			fw_log("lme: HTTP request rejected with %d",
			       ch->req.error_status);
			if (http_format_error(&ch->out, ch->req.error_status))
				fw_log("lme: out of memory for an HTTP error");
			ch->close_after_out = true;
			break;
		}
		if (wsman_handle(&ch->req, &ch->out, &close)) {
			fw_log("lme: out of memory for a WS-Man response");
			close = true;
		}
		ch->close_after_out = close;
		http_request_init(&ch->req);
	}
}

static void lme_channel_data(struct lme_link *link, struct apf_reader *r)
{
	struct lme_channel *ch = lme_find_channel(link, apf_get_u32(r));
	uint32_t length = apf_get_u32(r);

	if (r->bad || !ch || length != r->len - r->off) {
		lme_protocol_error(link, "CHANNEL_DATA for no open channel or with a wrong length");
		return;
	}
	fw_counters.host_data_msgs++;
	fw_counters.host_data_bytes += length;
	if (length > fw_counters.host_max_data_len)
		fw_counters.host_max_data_len = length;
	if (length > ch->recv_window) {
		fw_log("lme: %u data bytes exceed the window of %u",
		       length, ch->recv_window);
		fw_counters.window_violations++;
		lme_protocol_error(link, "data beyond the granted window");
		return;
	}
	ch->recv_window -= length;

	/* After a response with Connection: close, more data is dropped. */
	if (ch->close_after_out)
		return;
	if (ch->bench.active) {
		if (bench_stream_feed(&ch->bench, r->p + r->off, length)) {
			lme_protocol_error(link, "malformed benchmark request");
			return;
		}
	} else if (ch->echo) {
		if (http_buf_append(&ch->out, r->p + r->off, length))
			fw_log("lme: out of memory for %u echo bytes", length);
	} else {
		lme_feed_http(ch, r->p + r->off, length);
	}
	if (fw_faults.close_after_data && ch->out.len > ch->out_sent)
		ch->close_after_out = true;
	if (!ch->close_after_out && length) {
		struct apf_msg m = { .len = 0 };

		/* Every byte went into the parser, so grant it back now. */
		ch->recv_window += length;
		apf_put_u8(&m, APF_WINDOW_ADJUST);
		apf_put_u32(&m, ch->host_id);
		apf_put_u32(&m, length);
		lme_send(link, &m);
	}
	lme_flush(link, ch);
}

static void lme_channel_close(struct lme_link *link, struct apf_reader *r)
{
	uint32_t id = apf_get_u32(r);
	struct lme_channel *ch = lme_find_channel(link, id);

	if (!apf_reader_done(r)) {
		lme_protocol_error(link, "malformed CHANNEL_CLOSE");
		return;
	}
	/* Hosts often close channel 0 or an already closed one: harmless. */
	fw_counters.host_channel_closes++;
	if (!ch) {
		fw_log("lme: CHANNEL_CLOSE for unknown channel %u ignored", id);
		return;
	}
	if (!ch->close_sent)
		lme_send_u32_msg(link, APF_CHANNEL_CLOSE, ch->host_id);
	lme_free_channel(ch);
}

static void lme_keepalive(struct lme_link *link, struct apf_reader *r)
{
	uint32_t cookie = apf_get_u32(r);

	if (!apf_reader_done(r) || link->phase == LME_WAIT_VERSION) {
		lme_protocol_error(link, "unexpected KEEPALIVE_REQUEST");
		return;
	}
	lme_send_u32_msg(link, APF_KEEPALIVE_REPLY, cookie);
}

static void lme_host_disconnect(struct lme_link *link, struct apf_reader *r)
{
	uint32_t reason = apf_get_u32(r);

	fw_log("lme: host sent DISCONNECT reason %u", reason);
	lme_free_channels(link);
	link->phase = LME_WAIT_VERSION;
}

/* Checks the host's KEEPALIVE_REPLY against the cookie we sent. */
static void lme_keepalive_reply(struct lme_link *link, struct apf_reader *r)
{
	uint32_t cookie = apf_get_u32(r);

	if (!apf_reader_done(r)) {
		lme_protocol_error(link, "malformed KEEPALIVE_REPLY");
		return;
	}
	if (link->keepalive_cookie && cookie == link->keepalive_cookie) {
		fw_counters.keepalive_ok++;
	} else {
		fw_log("lme: KEEPALIVE_REPLY cookie 0x%08x, expected 0x%08x",
		       cookie, link->keepalive_cookie);
		fw_counters.keepalive_bad++;
	}
	link->keepalive_cookie = 0;
}

/* Records the host's answer to our direct-tcpip CHANNEL_OPEN. */
static void lme_direct_open_reply(struct lme_link *link, struct apf_reader *r,
				  bool confirmed)
{
	uint32_t recipient = apf_get_u32(r);
	uint32_t reason = confirmed ? 0 : apf_get_u32(r);

	if (r->bad || recipient != LME_DIRECT_SENDER) {
		lme_protocol_error(link, "open reply for no channel we opened");
		return;
	}
	if (confirmed) {
		fw_log("lme: the host accepted a direct-tcpip channel");
		fw_counters.direct_open_accepted++;
		return;
	}
	fw_counters.direct_open_rejected++;
	fw_counters.direct_open_reason = reason;
}

/*
 * Runs a fault action on @link. Returns true when @link is gone or dead,
 * so the caller must not touch it.
 */
static bool lme_do_action(struct lme_link *link, enum fw_action action)
{
	static uint32_t next_cookie = 0x5eed0001;
	struct apf_msg m = { .len = 0 };

	fw_log("lme: running fault action %d", action);
	switch (action) {
	case FW_ACTION_NONE:
		break;
	case FW_ACTION_RESET:
		fw_fault_request_reset();
		break;
	case FW_ACTION_MALFORMED:
		/* The service name claims more bytes than the message has. */
		apf_put_u8(&m, APF_SERVICE_REQUEST);
		apf_put_u32(&m, 0xfffffff0);
		apf_put_u8(&m, 'x');
		lme_send(link, &m);
		break;
	case FW_ACTION_TRUNCATED:
		/* WINDOW_ADJUST cut after its recipient id. */
		apf_put_u8(&m, APF_WINDOW_ADJUST);
		apf_put_u32(&m, 1);
		lme_send(link, &m);
		break;
	case FW_ACTION_DISCONNECT:
		lme_disconnect(link, APF_REASON_BY_APPLICATION,
			       "disconnect fault");
		return true;
	case FW_ACTION_OUT_OF_ORDER:
		apf_put_u8(&m, APF_PROTOCOL_VERSION);
		apf_put_u32(&m, 1);
		apf_put_u32(&m, 0);
		apf_put_u32(&m, 0);
		while (m.len < APF_PROTOCOL_VERSION_LEN)
			apf_put_u8(&m, 0);
		lme_send(link, &m);
		break;
	case FW_ACTION_KEEPALIVE:
		link->keepalive_cookie = next_cookie++;
		lme_send_u32_msg(link, APF_KEEPALIVE_REQUEST,
				 link->keepalive_cookie);
		fw_counters.keepalive_sent++;
		break;
	case FW_ACTION_DIRECT_OPEN:
		apf_put_u8(&m, APF_CHANNEL_OPEN);
		apf_put_str(&m, "direct-tcpip");
		apf_put_u32(&m, LME_DIRECT_SENDER);
		apf_put_u32(&m, LME_WINDOW);
		apf_put_u32(&m, 0xFFFFFFFF);
		apf_put_str(&m, "127.0.0.1");
		apf_put_u32(&m, LME_WSMAN_PORT);
		apf_put_str(&m, "127.0.0.1");
		apf_put_u32(&m, 50000);
		lme_send(link, &m);
		fw_counters.direct_open_sent++;
		break;
	}
	return false;
}

int lme_run_action(enum fw_action action)
{
	if (!lme_current || lme_current->phase == LME_DEAD)
		return -1;
	lme_do_action(lme_current, action);
	return 0;
}

/* Counts host messages and runs a pending action at its message. */
static bool lme_count_message(struct lme_link *link)
{
	enum fw_action action = fw_faults.action;

	fw_counters.host_msgs++;
	if (!action || --fw_faults.action_at)
		return false;
	fw_faults.action = FW_ACTION_NONE;
	return lme_do_action(link, action);
}

static void lme_connected(struct fw_conn *conn)
{
	struct lme_link *link = calloc(1, sizeof(*link));

	if (!link) {
		fw_log("lme: out of memory for the link state");
		return;
	}
	link->conn = conn;
	link->phase = LME_WAIT_VERSION;
	fw_conn_set_priv(conn, link);
	lme_current = link;
}

static void lme_received(struct fw_conn *conn, const uint8_t *msg, size_t len)
{
	struct lme_link *link = fw_conn_priv(conn);
	struct apf_reader r = { .p = msg, .len = len, .off = 1 };
	bool channel_msg;

	if (!link || link->phase == LME_DEAD)
		return;
	if (lme_count_message(link))
		return;
	if (!len) {
		lme_protocol_error(link, "empty LME message");
		return;
	}

	channel_msg = msg[0] == APF_CHANNEL_OPEN ||
		      msg[0] == APF_WINDOW_ADJUST ||
		      msg[0] == APF_CHANNEL_DATA || msg[0] == APF_CHANNEL_CLOSE;
	if (channel_msg && link->phase != LME_READY) {
		fw_log("lme: APF message %u before the handshake finished",
		       msg[0]);
		lme_protocol_error(link, "channel message out of order");
		return;
	}

	switch (msg[0]) {
	case APF_PROTOCOL_VERSION:
		lme_protocol_version(link, &r);
		break;
	case APF_SERVICE_ACCEPT:
		lme_service_accept(link, &r);
		break;
	case APF_REQUEST_SUCCESS:
	case APF_REQUEST_FAILURE:
		lme_forward_reply(link, &r, msg[0] == APF_REQUEST_SUCCESS);
		break;
	case APF_CHANNEL_OPEN:
		lme_channel_open(link, &r);
		break;
	case APF_WINDOW_ADJUST:
		lme_window_adjust(link, &r);
		break;
	case APF_CHANNEL_DATA:
		lme_channel_data(link, &r);
		break;
	case APF_CHANNEL_CLOSE:
		lme_channel_close(link, &r);
		break;
	case APF_KEEPALIVE_REQUEST:
		lme_keepalive(link, &r);
		break;
	case APF_DISCONNECT:
		lme_host_disconnect(link, &r);
		break;
	case APF_KEEPALIVE_REPLY:
		lme_keepalive_reply(link, &r);
		break;
	case APF_OPEN_CONFIRMATION:
	case APF_OPEN_FAILURE:
		lme_direct_open_reply(link, &r,
				      msg[0] == APF_OPEN_CONFIRMATION);
		break;
	default:
		fw_log("lme: unexpected APF message type %u", msg[0]);
		lme_protocol_error(link, "unexpected message type");
		break;
	}
}

static void lme_disconnected(struct fw_conn *conn)
{
	struct lme_link *link = fw_conn_priv(conn);

	if (!link)
		return;
	lme_free_channels(link);
	if (lme_current == link)
		lme_current = NULL;
	free(link);
	fw_conn_set_priv(conn, NULL);
}

const struct fw_client fw_lme_client = {
	.name = "LME",
	/* 6733a4db-0476-4e7b-b3af-bcfc29bee7a7, first three groups LE */
	.uuid = { 0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
		  0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7 },
	.max_msg_len = LME_MAX_MSG,
	.protocol_version = 1,
	.max_connections = 1,
	.connected = lme_connected,
	.received = lme_received,
	.disconnected = lme_disconnected,
};
