// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for apf_decode(). The input is one APF message as it
 * arrives from the LME client. For every message the decoder accepts, the
 * target checks that each pointer it returns lies inside the input and that
 * fixed-size messages have their exact size. When the codec has an encoder
 * for the type, it re-encodes the decoded fields and compares the result
 * with the input, byte for byte, apart from the fields the encoder always
 * writes itself (reserved words, max packet size).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apf_codec.h"
#include "fuzz_check.h"

/* apf_encode_channel_open() writes this max packet size. */
#define ENCODED_MAX_PACKET	0xFFFFFFFFu

/* Returned by encode_like() for a type that has no encoder. */
#define NO_ENCODER		1

struct reencode {
	uint8_t expected[16384];	/* input with encoder-set fields patched */
	char name[APF_MAX_STRING_LEN + 1];
	char address[APF_MAX_STRING_LEN + 1];
	char originator[APF_MAX_STRING_LEN + 1];
};

static struct reencode re;

static void check_string(const struct apf_string *s, const uint8_t *buf,
			 size_t len)
{
	FUZZ_CHECK(s->len <= APF_MAX_STRING_LEN);
	if (!s->data) {
		FUZZ_CHECK(s->len == 0);
		return;
	}
	FUZZ_CHECK(s->data > buf && s->data <= buf + len);
	FUZZ_CHECK(s->len <= (size_t)(buf + len - s->data));
}

/* Copies @s into @out as a C string; false when @s contains a NUL. */
static bool string_to_c(const struct apf_string *s, char *out)
{
	if (s->len && memchr(s->data, '\0', s->len))
		return false;
	if (s->len)
		memcpy(out, s->data, s->len);
	out[s->len] = '\0';
	return true;
}

static bool string_equals(const struct apf_string *s, const char *name)
{
	return s->len == strlen(name) && !memcmp(s->data, name, s->len);
}

/* Checks the exact sizes and the pointers of an accepted message. */
static void check_decoded(const struct apf_msg *msg, const uint8_t *buf,
			  size_t len)
{
	FUZZ_CHECK(msg->type == buf[0]);

	switch (msg->type) {
	case APF_DISCONNECT:
		FUZZ_CHECK(len == 7);
		break;
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		check_string(&msg->service.name, buf, len);
		FUZZ_CHECK(len == 5 + msg->service.name.len);
		break;
	case APF_USERAUTH_REQUEST:
	case APF_USERAUTH_FAILURE:
		break;
	case APF_USERAUTH_SUCCESS:
	case APF_REQUEST_FAILURE:
		FUZZ_CHECK(len == 1);
		break;
	case APF_GLOBAL_REQUEST:
		check_string(&msg->global_request.name, buf, len);
		check_string(&msg->global_request.address, buf, len);
		if (string_equals(&msg->global_request.name,
				  APF_GLOBAL_TCPIP_FORWARD) ||
		    string_equals(&msg->global_request.name,
				  APF_GLOBAL_CANCEL_TCPIP_FORWARD))
			FUZZ_CHECK(len == 1 + 4 + msg->global_request.name.len +
				   1 + 4 + msg->global_request.address.len + 4);
		break;
	case APF_REQUEST_SUCCESS:
		FUZZ_CHECK(len == 1 || len == 5);
		FUZZ_CHECK(msg->request_success.has_port == (len == 5));
		break;
	case APF_CHANNEL_OPEN:
		check_string(&msg->channel_open.type, buf, len);
		check_string(&msg->channel_open.connected_address, buf, len);
		check_string(&msg->channel_open.originator_address, buf, len);
		break;
	case APF_CHANNEL_OPEN_CONFIRMATION:
	case APF_CHANNEL_OPEN_FAILURE:
		FUZZ_CHECK(len == 17);
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		FUZZ_CHECK(len == 9);
		break;
	case APF_CHANNEL_DATA:
		FUZZ_CHECK(len == APF_CHANNEL_DATA_HEADER_LEN +
			   (size_t)msg->channel_data.len);
		FUZZ_CHECK(msg->channel_data.data ==
			   buf + APF_CHANNEL_DATA_HEADER_LEN);
		break;
	case APF_CHANNEL_CLOSE:
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
		FUZZ_CHECK(len == 5);
		break;
	case APF_PROTOCOL_VERSION:
		FUZZ_CHECK(len == APF_PROTOCOL_VERSION_LEN);
		FUZZ_CHECK(!memcmp(msg->protocol_version.uuid, buf + 13, 16));
		break;
	default:
		/* An unknown type must be rejected. */
		FUZZ_CHECK(!"decoder accepted an unknown message type");
	}
}

/*
 * Encodes @msg into @out with the codec's encoder for its type, and patches
 * re.expected (a copy of the input) where that encoder writes fixed values.
 * Returns the encoder's result, or NO_ENCODER.
 */
static int encode_like(const struct apf_msg *msg, uint8_t *out, size_t size)
{
	uint8_t *exp = re.expected;

	switch (msg->type) {
	case APF_DISCONNECT:
		memset(exp + 5, 0, 2);
		return apf_encode_disconnect(out, size, msg->disconnect.reason);
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		if (!string_to_c(&msg->service.name, re.name))
			return NO_ENCODER;
		return apf_encode_service(out, size, msg->type, re.name);
	case APF_PROTOCOL_VERSION:
		memset(exp + 29, 0, 64);
		return apf_encode_protocol_version(out, size,
						   msg->protocol_version.major,
						   msg->protocol_version.minor,
						   msg->protocol_version.trigger,
						   msg->protocol_version.uuid);
	case APF_REQUEST_SUCCESS:
		return apf_encode_request_success(out, size,
						  msg->request_success.has_port,
						  msg->request_success.port);
	case APF_REQUEST_FAILURE:
		return apf_encode_request_failure(out, size);
	case APF_CHANNEL_OPEN:
		/* The encoder writes only forwarded-tcpip. */
		if (!string_equals(&msg->channel_open.type,
				   APF_CHANNEL_FORWARDED) ||
		    !string_to_c(&msg->channel_open.connected_address,
				 re.address) ||
		    !string_to_c(&msg->channel_open.originator_address,
				 re.originator))
			return NO_ENCODER;
		/* type byte, type string, sender, window */
		codec_put_be32(exp + 1 + 4 + msg->channel_open.type.len + 8,
			       ENCODED_MAX_PACKET);
		return apf_encode_channel_open(out, size,
					       msg->channel_open.sender,
					       msg->channel_open.window,
					       re.address,
					       msg->channel_open.connected_port,
					       re.originator,
					       msg->channel_open.originator_port);
	case APF_CHANNEL_OPEN_FAILURE:
		memset(exp + 9, 0, 8);
		return apf_encode_open_failure(out, size,
					       msg->open_failure.recipient,
					       msg->open_failure.reason);
	case APF_CHANNEL_WINDOW_ADJUST:
		return apf_encode_window_adjust(out, size,
						msg->window_adjust.recipient,
						msg->window_adjust.bytes);
	case APF_CHANNEL_DATA:
		/* The header only: the caller appends the data. */
		return apf_encode_channel_data_header(out, size,
						      msg->channel_data.recipient,
						      msg->channel_data.len);
	case APF_CHANNEL_CLOSE:
		return apf_encode_channel_close(out, size,
						msg->channel_close.recipient);
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
		/* A reply echoes the request's cookie. */
		exp[0] = APF_KEEPALIVE_REPLY;
		return apf_encode_keepalive_reply(out, size,
						  msg->keepalive.cookie);
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		exp[0] = APF_KEEPALIVE_OPTIONS_REPLY;
		return apf_encode_keepalive_options_reply(out, size,
				msg->keepalive_options.interval,
				msg->keepalive_options.timeout);
	default:
		return NO_ENCODER;
	}
}

/*
 * Re-encodes @msg three times: into a large buffer, into a heap buffer of
 * exactly the encoded size, and into one a byte short. The last must fail
 * with -EMSGSIZE, and ASan reports any write past either heap buffer.
 */
static void check_round_trip(const struct apf_msg *msg, const uint8_t *buf,
			     size_t len)
{
	static uint8_t out[sizeof(re.expected)];
	size_t encoded_len;
	uint8_t *exact;
	int n;

	if (len > sizeof(re.expected))
		return;
	memcpy(re.expected, buf, len);

	n = encode_like(msg, out, sizeof(out));
	if (n == NO_ENCODER)
		return;
	FUZZ_CHECK(n > 0);
	encoded_len = (size_t)n;

	if (msg->type == APF_CHANNEL_DATA) {
		FUZZ_CHECK(encoded_len == APF_CHANNEL_DATA_HEADER_LEN);
		FUZZ_CHECK(!memcmp(out, re.expected, encoded_len));
	} else {
		FUZZ_CHECK(encoded_len == len);
		FUZZ_CHECK(!memcmp(out, re.expected, len));
	}

	exact = malloc(encoded_len);
	FUZZ_CHECK(exact);
	FUZZ_CHECK(encode_like(msg, exact, encoded_len) == n);
	FUZZ_CHECK(!memcmp(exact, out, encoded_len));
	FUZZ_CHECK(encode_like(msg, exact, encoded_len - 1) == -EMSGSIZE);
	free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apf_msg msg;
	int ret;

	ret = apf_decode(data, size, &msg);
	if (ret) {
		FUZZ_CHECK(ret == -EPROTO);
		return 0;
	}

	check_decoded(&msg, data, size);
	check_round_trip(&msg, data, size);
	return 0;
}
