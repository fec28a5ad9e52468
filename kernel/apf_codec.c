// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * APF message codec, shared by vpro_heci.ko, vproctl and the host tests.
 *
 * The decoder accepts a message only when its length matches its layout
 * exactly. The exceptions are the parts whose layout depends on a name
 * the codec does not know: a GLOBAL_REQUEST other than (cancel-)tcpip-
 * forward, a CHANNEL_OPEN of another type, and the method-specific tail
 * of a USERAUTH_REQUEST. REQUEST_SUCCESS has two valid lengths, 1 (no
 * port) and 5 (with a port).
 */
#include "apf_codec.h"

struct apf_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool error;
};

static uint8_t apf_get_u8(struct apf_reader *r)
{
	if (r->error || r->len - r->pos < 1) {
		r->error = true;
		return 0;
	}
	return r->buf[r->pos++];
}

static uint32_t apf_get_u32(struct apf_reader *r)
{
	uint32_t v;

	if (r->error || r->len - r->pos < 4) {
		r->error = true;
		return 0;
	}
	v = codec_get_be32(r->buf + r->pos);
	r->pos += 4;
	return v;
}

static void apf_get_bytes(struct apf_reader *r, uint8_t *out, size_t n)
{
	size_t i;

	if (r->error || r->len - r->pos < n) {
		r->error = true;
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = r->buf[r->pos + i];
	r->pos += n;
}

static void apf_skip(struct apf_reader *r, size_t n)
{
	if (r->error || r->len - r->pos < n) {
		r->error = true;
		return;
	}
	r->pos += n;
}

static void apf_get_string(struct apf_reader *r, struct apf_string *s)
{
	uint32_t n = apf_get_u32(r);

	s->data = NULL;
	s->len = 0;
	if (r->error)
		return;
	if (n > APF_MAX_STRING_LEN || r->len - r->pos < n) {
		r->error = true;
		return;
	}
	s->data = r->buf + r->pos;
	s->len = n;
	r->pos += n;
}

static bool apf_string_is(const struct apf_string *s, const char *name)
{
	uint32_t i;

	for (i = 0; i < s->len; i++)
		if (name[i] == '\0' || s->data[i] != (uint8_t)name[i])
			return false;
	return name[s->len] == '\0';
}

static void apf_decode_global_request(struct apf_reader *r,
				      struct apf_msg *msg)
{
	apf_get_string(r, &msg->global_request.name);
	msg->global_request.want_reply = apf_get_u8(r);
	if (r->error)
		return;
	if (!apf_string_is(&msg->global_request.name,
			   APF_GLOBAL_TCPIP_FORWARD) &&
	    !apf_string_is(&msg->global_request.name,
			   APF_GLOBAL_CANCEL_TCPIP_FORWARD)) {
		/* Other requests have an unknown layout, so skip their tail. */
		r->pos = r->len;
		return;
	}
	apf_get_string(r, &msg->global_request.address);
	msg->global_request.port = apf_get_u32(r);
}

static void apf_decode_channel_open(struct apf_reader *r, struct apf_msg *msg)
{
	apf_get_string(r, &msg->channel_open.type);
	msg->channel_open.sender = apf_get_u32(r);
	msg->channel_open.window = apf_get_u32(r);
	msg->channel_open.max_packet = apf_get_u32(r);
	if (r->error)
		return;
	if (!apf_string_is(&msg->channel_open.type, APF_CHANNEL_FORWARDED) &&
	    !apf_string_is(&msg->channel_open.type, APF_CHANNEL_DIRECT)) {
		/* The receiver rejects other types, so skip their tail. */
		r->pos = r->len;
		return;
	}
	apf_get_string(r, &msg->channel_open.connected_address);
	msg->channel_open.connected_port = apf_get_u32(r);
	apf_get_string(r, &msg->channel_open.originator_address);
	msg->channel_open.originator_port = apf_get_u32(r);
}

static void apf_decode_userauth_request(struct apf_reader *r)
{
	struct apf_string ignored;

	apf_get_string(r, &ignored);	/* user name */
	apf_get_string(r, &ignored);	/* service name */
	apf_get_string(r, &ignored);	/* method name */
	if (!r->error)
		r->pos = r->len;	/* method-specific fields */
}

static void apf_decode_body(struct apf_reader *r, struct apf_msg *msg)
{
	struct apf_string ignored;

	switch (msg->type) {
	case APF_DISCONNECT:
		msg->disconnect.reason = apf_get_u32(r);
		apf_skip(r, 2);
		break;
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		apf_get_string(r, &msg->service.name);
		break;
	case APF_USERAUTH_REQUEST:
		apf_decode_userauth_request(r);
		break;
	case APF_USERAUTH_FAILURE:
		apf_get_string(r, &ignored);	/* methods that can continue */
		apf_get_u8(r);			/* partial success */
		break;
	case APF_USERAUTH_SUCCESS:
	case APF_REQUEST_FAILURE:
		break;
	case APF_GLOBAL_REQUEST:
		apf_decode_global_request(r, msg);
		break;
	case APF_REQUEST_SUCCESS:
		msg->request_success.has_port = r->len > 1;
		if (msg->request_success.has_port)
			msg->request_success.port = apf_get_u32(r);
		break;
	case APF_CHANNEL_OPEN:
		apf_decode_channel_open(r, msg);
		break;
	case APF_CHANNEL_OPEN_CONFIRMATION:
		msg->open_confirmation.recipient = apf_get_u32(r);
		msg->open_confirmation.sender = apf_get_u32(r);
		msg->open_confirmation.window = apf_get_u32(r);
		apf_skip(r, 4);			/* max packet size */
		break;
	case APF_CHANNEL_OPEN_FAILURE:
		msg->open_failure.recipient = apf_get_u32(r);
		msg->open_failure.reason = apf_get_u32(r);
		apf_skip(r, 8);			/* two reserved words */
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		msg->window_adjust.recipient = apf_get_u32(r);
		msg->window_adjust.bytes = apf_get_u32(r);
		break;
	case APF_CHANNEL_DATA:
		msg->channel_data.recipient = apf_get_u32(r);
		msg->channel_data.len = apf_get_u32(r);
		if (!r->error && r->len - r->pos < msg->channel_data.len)
			r->error = true;
		if (r->error)
			break;
		msg->channel_data.data = r->buf + r->pos;
		r->pos += msg->channel_data.len;
		break;
	case APF_CHANNEL_CLOSE:
		msg->channel_close.recipient = apf_get_u32(r);
		break;
	case APF_PROTOCOL_VERSION:
		msg->protocol_version.major = apf_get_u32(r);
		msg->protocol_version.minor = apf_get_u32(r);
		msg->protocol_version.trigger = apf_get_u32(r);
		apf_get_bytes(r, msg->protocol_version.uuid, 16);
		apf_skip(r, 64);		/* reserved */
		break;
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
		msg->keepalive.cookie = apf_get_u32(r);
		break;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		msg->keepalive_options.interval = apf_get_u32(r);
		msg->keepalive_options.timeout = apf_get_u32(r);
		break;
	default:
		r->error = true;
		break;
	}
}

int apf_decode(const uint8_t *buf, size_t len, struct apf_msg *msg)
{
	struct apf_reader r = { .buf = buf, .len = len };
	uint8_t *p = (uint8_t *)msg;
	size_t i;

	for (i = 0; i < sizeof(*msg); i++)
		p[i] = 0;
	if (!buf || len < 1)
		return -EPROTO;

	msg->type = apf_get_u8(&r);
	apf_decode_body(&r, msg);
	if (r.error || r.pos != r.len)
		return -EPROTO;
	return 0;
}

/*
 * Length of @s, or APF_MAX_STRING_LEN + 1 when it is longer than that.
 * Reading stops there, so an unterminated string is not read to its end.
 */
static size_t apf_strlen(const char *s)
{
	size_t n = 0;

	while (n <= APF_MAX_STRING_LEN && s[n] != '\0')
		n++;
	return n;
}

struct apf_writer {
	uint8_t *buf;
	size_t size;
	size_t pos;
	bool error;
};

static void apf_put_u8(struct apf_writer *w, uint8_t v)
{
	if (w->error || w->size - w->pos < 1) {
		w->error = true;
		return;
	}
	w->buf[w->pos++] = v;
}

static void apf_put_u32(struct apf_writer *w, uint32_t v)
{
	if (w->error || w->size - w->pos < 4) {
		w->error = true;
		return;
	}
	codec_put_be32(w->buf + w->pos, v);
	w->pos += 4;
}

static void apf_put_zeros(struct apf_writer *w, size_t n)
{
	size_t i;

	if (w->error || w->size - w->pos < n) {
		w->error = true;
		return;
	}
	for (i = 0; i < n; i++)
		w->buf[w->pos + i] = 0;
	w->pos += n;
}

static void apf_put_string(struct apf_writer *w, const char *s)
{
	size_t n = apf_strlen(s);
	size_t i;

	if (n > APF_MAX_STRING_LEN) {
		w->error = true;
		return;
	}
	apf_put_u32(w, (uint32_t)n);
	if (w->error || w->size - w->pos < n) {
		w->error = true;
		return;
	}
	for (i = 0; i < n; i++)
		w->buf[w->pos + i] = (uint8_t)s[i];
	w->pos += n;
}

static int apf_writer_result(const struct apf_writer *w)
{
	return w->error ? -EMSGSIZE : (int)w->pos;
}

int apf_encode_disconnect(uint8_t *buf, size_t size, uint32_t reason)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_DISCONNECT);
	apf_put_u32(&w, reason);
	apf_put_zeros(&w, 2);
	return apf_writer_result(&w);
}

/* Returns -EINVAL when @type is neither SERVICE_REQUEST nor _ACCEPT. */
int apf_encode_service(uint8_t *buf, size_t size, uint8_t type,
		       const char *name)
{
	struct apf_writer w = { .buf = buf, .size = size };

	if (type != APF_SERVICE_REQUEST && type != APF_SERVICE_ACCEPT)
		return -EINVAL;
	apf_put_u8(&w, type);
	apf_put_string(&w, name);
	return apf_writer_result(&w);
}

int apf_encode_protocol_version(uint8_t *buf, size_t size, uint32_t major,
				uint32_t minor, uint32_t trigger,
				const uint8_t uuid[16])
{
	struct apf_writer w = { .buf = buf, .size = size };
	size_t i;

	apf_put_u8(&w, APF_PROTOCOL_VERSION);
	apf_put_u32(&w, major);
	apf_put_u32(&w, minor);
	apf_put_u32(&w, trigger);
	for (i = 0; i < 16; i++)
		apf_put_u8(&w, uuid ? uuid[i] : 0);
	apf_put_zeros(&w, 64);
	return apf_writer_result(&w);
}

int apf_encode_request_success(uint8_t *buf, size_t size, bool with_port,
			       uint32_t port)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_REQUEST_SUCCESS);
	if (with_port)
		apf_put_u32(&w, port);
	return apf_writer_result(&w);
}

int apf_encode_request_failure(uint8_t *buf, size_t size)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_REQUEST_FAILURE);
	return apf_writer_result(&w);
}

int apf_encode_channel_open(uint8_t *buf, size_t size, uint32_t sender,
			    uint32_t window, const char *connected_address,
			    uint32_t connected_port,
			    const char *originator_address,
			    uint32_t originator_port)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_CHANNEL_OPEN);
	apf_put_string(&w, APF_CHANNEL_FORWARDED);
	apf_put_u32(&w, sender);
	apf_put_u32(&w, window);
	apf_put_u32(&w, 0xFFFFFFFFu);	/* max packet size: no limit */
	apf_put_string(&w, connected_address);
	apf_put_u32(&w, connected_port);
	apf_put_string(&w, originator_address);
	apf_put_u32(&w, originator_port);
	return apf_writer_result(&w);
}

int apf_encode_open_failure(uint8_t *buf, size_t size, uint32_t recipient,
			    uint32_t reason)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_CHANNEL_OPEN_FAILURE);
	apf_put_u32(&w, recipient);
	apf_put_u32(&w, reason);
	apf_put_zeros(&w, 8);
	return apf_writer_result(&w);
}

int apf_encode_window_adjust(uint8_t *buf, size_t size, uint32_t recipient,
			     uint32_t bytes)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_CHANNEL_WINDOW_ADJUST);
	apf_put_u32(&w, recipient);
	apf_put_u32(&w, bytes);
	return apf_writer_result(&w);
}

int apf_encode_channel_data_header(uint8_t *buf, size_t size,
				   uint32_t recipient, uint32_t len)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_CHANNEL_DATA);
	apf_put_u32(&w, recipient);
	apf_put_u32(&w, len);
	return apf_writer_result(&w);
}

int apf_encode_channel_close(uint8_t *buf, size_t size, uint32_t recipient)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_CHANNEL_CLOSE);
	apf_put_u32(&w, recipient);
	return apf_writer_result(&w);
}

int apf_encode_keepalive_reply(uint8_t *buf, size_t size, uint32_t cookie)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_KEEPALIVE_REPLY);
	apf_put_u32(&w, cookie);
	return apf_writer_result(&w);
}

int apf_encode_keepalive_options_reply(uint8_t *buf, size_t size,
				       uint32_t interval, uint32_t timeout)
{
	struct apf_writer w = { .buf = buf, .size = size };

	apf_put_u8(&w, APF_KEEPALIVE_OPTIONS_REPLY);
	apf_put_u32(&w, interval);
	apf_put_u32(&w, timeout);
	return apf_writer_result(&w);
}
