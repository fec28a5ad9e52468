// SPDX-License-Identifier: MIT
/*
 * Host unit test of kernel/apf_codec.c: every APF message type decodes
 * from known bytes, every encoder's output decodes to its inputs, every
 * truncation of a valid message is rejected, and oversize strings and
 * unknown types are rejected. Prints TAP and exits 1 on any failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/apf_codec.h"

static int test_count;
static int failures;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	test_count++;
	if (!ok)
		failures++;
	printf("%s %d - ", ok ? "ok" : "not ok", test_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Builds an APF message by hand, independently of the encoders. */
struct builder {
	uint8_t buf[8192];
	size_t len;
};

static void put_u8(struct builder *b, uint8_t v)
{
	b->buf[b->len++] = v;
}

static void put_u32(struct builder *b, uint32_t v)
{
	put_u8(b, v >> 24);
	put_u8(b, v >> 16);
	put_u8(b, v >> 8);
	put_u8(b, v);
}

static void put_bytes(struct builder *b, const void *p, size_t n)
{
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_str(struct builder *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put_bytes(b, s, strlen(s));
}

static bool string_equals(const struct apf_string *s, const char *expected)
{
	return s->len == strlen(expected) &&
	       memcmp(s->data, expected, s->len) == 0;
}

/*
 * Decodes every proper prefix of @buf from a heap copy of exactly that
 * length, so ASan reports any read past the end. A prefix of length
 * @valid_prefix (0 for none) is a valid message of its own.
 */
static void check_truncations(const char *name, const uint8_t *buf,
			      size_t len, size_t valid_prefix)
{
	struct apf_msg msg;
	size_t bad = 0, n;

	for (n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		if (n != valid_prefix && apf_decode(copy, n, &msg) != -EPROTO) {
			if (!bad)
				printf("# %s: prefix of %zu bytes accepted\n",
				       name, n);
			bad++;
		}
		free(copy);
	}
	check(bad == 0, "%s: all %zu truncations rejected", name, len);
}

/*
 * Decodes a heap copy of exactly @len bytes, so that ASan catches a read
 * past the end, then decodes @buf itself so that the string and data
 * fields of @msg point into the caller's buffer.
 */
static int decode_exact(const uint8_t *buf, size_t len, struct apf_msg *msg)
{
	uint8_t *copy = malloc(len);
	int ret;

	memcpy(copy, buf, len);
	ret = apf_decode(copy, len, msg);
	if (ret == 0)
		ret = apf_decode(buf, len, msg);
	free(copy);
	return ret;
}

static void test_disconnect(void)
{
	uint8_t buf[64];
	struct apf_msg msg;
	int n = apf_encode_disconnect(buf, sizeof(buf),
				      APF_DISCONNECT_BY_APPLICATION);

	check(n == 7, "disconnect encodes to 7 bytes (got %d)", n);
	check(decode_exact(buf, n, &msg) == 0 && msg.type == APF_DISCONNECT &&
	      msg.disconnect.reason == APF_DISCONNECT_BY_APPLICATION,
	      "disconnect round-trips its reason");
	check_truncations("disconnect", buf, n, 0);
	check(apf_encode_disconnect(buf, 6, 1) == -EMSGSIZE,
	      "disconnect into 6 bytes returns -EMSGSIZE");
}

static void test_service(void)
{
	static const uint8_t types[] = { APF_SERVICE_REQUEST,
					 APF_SERVICE_ACCEPT };
	uint8_t buf[64];
	struct apf_msg msg;
	size_t i;

	for (i = 0; i < 2; i++) {
		int n = apf_encode_service(buf, sizeof(buf), types[i],
					   APF_SERVICE_PFWD);

		check(n == 1 + 4 + (int)strlen(APF_SERVICE_PFWD),
		      "service type %u encodes to 23 bytes (got %d)",
		      types[i], n);
		check(decode_exact(buf, n, &msg) == 0 &&
		      msg.type == types[i] &&
		      string_equals(&msg.service.name, APF_SERVICE_PFWD),
		      "service type %u round-trips its name", types[i]);
		check_truncations("service", buf, n, 0);
	}
	check(apf_encode_service(buf, sizeof(buf), APF_DISCONNECT, "x") ==
	      -EINVAL, "service with a non-service type returns -EINVAL");
	check(apf_encode_service(buf, 22, APF_SERVICE_ACCEPT,
				 APF_SERVICE_PFWD) == -EMSGSIZE,
	      "service into a 22-byte buffer returns -EMSGSIZE");
}

static void test_protocol_version(void)
{
	uint8_t uuid[16], buf[128];
	struct apf_msg msg;
	size_t i;
	int n;

	for (i = 0; i < 16; i++)
		uuid[i] = (uint8_t)(0xa0 + i);
	n = apf_encode_protocol_version(buf, sizeof(buf), 1, 0, 7, uuid);
	check(n == APF_PROTOCOL_VERSION_LEN,
	      "protocol version encodes to 93 bytes (got %d)", n);
	check(decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_PROTOCOL_VERSION &&
	      msg.protocol_version.major == 1 &&
	      msg.protocol_version.minor == 0 &&
	      msg.protocol_version.trigger == 7 &&
	      memcmp(msg.protocol_version.uuid, uuid, 16) == 0,
	      "protocol version round-trips version, trigger and uuid");
	check(buf[1] == 0 && buf[4] == 1,
	      "protocol version major is big-endian on the wire");
	check_truncations("protocol version", buf, n, 0);
	check(apf_encode_protocol_version(buf, 92, 1, 0, 0, uuid) ==
	      -EMSGSIZE, "protocol version into 92 bytes returns -EMSGSIZE");
	buf[n] = 0;
	check(apf_decode(buf, n + 1, &msg) == -EPROTO,
	      "protocol version with a trailing byte is rejected");
}

static void test_request_success_failure(void)
{
	uint8_t buf[16];
	struct apf_msg msg;
	int n;

	n = apf_encode_request_success(buf, sizeof(buf), true, 16992);
	check(n == 5, "request success with port is 5 bytes (got %d)", n);
	check(decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_REQUEST_SUCCESS &&
	      msg.request_success.has_port &&
	      msg.request_success.port == 16992,
	      "request success round-trips port 16992");
	/* The 1-byte prefix is the valid form without a port. */
	check_truncations("request success", buf, n, 1);

	n = apf_encode_request_success(buf, sizeof(buf), false, 0);
	check(n == 1 && decode_exact(buf, n, &msg) == 0 &&
	      !msg.request_success.has_port,
	      "request success without port round-trips");

	n = apf_encode_request_failure(buf, sizeof(buf));
	check(n == 1 && decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_REQUEST_FAILURE,
	      "request failure round-trips");
	buf[1] = 0;
	check(apf_decode(buf, 2, &msg) == -EPROTO,
	      "request failure with a trailing byte is rejected");
	check(apf_encode_request_failure(buf, 0) == -EMSGSIZE,
	      "request failure into 0 bytes returns -EMSGSIZE");
}

static void test_channel_open(void)
{
	uint8_t buf[256];
	struct apf_msg msg;
	int n = apf_encode_channel_open(buf, sizeof(buf), 3, 4096,
					"127.0.0.1", 16992, "127.0.0.1",
					40000);

	check(n == 1 + 19 + 12 + 13 + 4 + 13 + 4,
	      "channel open encodes to 66 bytes (got %d)", n);
	check(decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_CHANNEL_OPEN &&
	      string_equals(&msg.channel_open.type, APF_CHANNEL_FORWARDED) &&
	      msg.channel_open.sender == 3 &&
	      msg.channel_open.window == 4096 &&
	      msg.channel_open.max_packet == 0xFFFFFFFFu &&
	      string_equals(&msg.channel_open.connected_address,
			    "127.0.0.1") &&
	      msg.channel_open.connected_port == 16992 &&
	      string_equals(&msg.channel_open.originator_address,
			    "127.0.0.1") &&
	      msg.channel_open.originator_port == 40000,
	      "channel open round-trips every field");
	check_truncations("channel open", buf, n, 0);
	check(apf_encode_channel_open(buf, 65, 3, 4096, "127.0.0.1", 16992,
				      "127.0.0.1", 40000) == -EMSGSIZE,
	      "channel open into 65 bytes returns -EMSGSIZE");
}

static void test_channel_open_direct(void)
{
	struct builder b = { .len = 0 };
	struct apf_msg msg;

	put_u8(&b, APF_CHANNEL_OPEN);
	put_str(&b, APF_CHANNEL_DIRECT);
	put_u32(&b, 9);
	put_u32(&b, 1024);
	put_u32(&b, 0xFFFFFFFFu);
	put_str(&b, "::1");
	put_u32(&b, 623);
	put_str(&b, "10.0.0.5");
	put_u32(&b, 5555);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      string_equals(&msg.channel_open.type, APF_CHANNEL_DIRECT) &&
	      msg.channel_open.sender == 9 &&
	      string_equals(&msg.channel_open.connected_address, "::1") &&
	      msg.channel_open.connected_port == 623 &&
	      string_equals(&msg.channel_open.originator_address,
			    "10.0.0.5") &&
	      msg.channel_open.originator_port == 5555,
	      "direct-tcpip channel open decodes");
	check_truncations("direct channel open", b.buf, b.len, 0);

	b.len = 0;
	put_u8(&b, APF_CHANNEL_OPEN);
	put_str(&b, "session");
	put_u32(&b, 1);
	put_u32(&b, 1024);
	put_u32(&b, 0xFFFFFFFFu);
	put_u8(&b, 0x55);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      string_equals(&msg.channel_open.type, "session") &&
	      msg.channel_open.sender == 1,
	      "channel open of an unknown type decodes its common fields");
}

static void test_open_confirmation(void)
{
	struct builder b = { .len = 0 };
	struct apf_msg msg;

	put_u8(&b, APF_CHANNEL_OPEN_CONFIRMATION);
	put_u32(&b, 3);
	put_u32(&b, 77);
	put_u32(&b, 4096);
	put_u32(&b, 0xFFFFFFFFu);
	check(b.len == 17 && decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_CHANNEL_OPEN_CONFIRMATION &&
	      msg.open_confirmation.recipient == 3 &&
	      msg.open_confirmation.sender == 77 &&
	      msg.open_confirmation.window == 4096,
	      "open confirmation decodes recipient, sender and window");
	check_truncations("open confirmation", b.buf, b.len, 0);
}

static void test_open_failure(void)
{
	uint8_t buf[32];
	struct apf_msg msg;
	int n = apf_encode_open_failure(buf, sizeof(buf), 5,
					APF_OPEN_FAILURE_CONNECT_FAILED);

	check(n == 17, "open failure encodes to 17 bytes (got %d)", n);
	check(decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_CHANNEL_OPEN_FAILURE &&
	      msg.open_failure.recipient == 5 &&
	      msg.open_failure.reason == APF_OPEN_FAILURE_CONNECT_FAILED,
	      "open failure round-trips recipient and reason");
	check_truncations("open failure", buf, n, 0);
}

static void test_window_data_close(void)
{
	static const uint8_t payload[] = "POST /wsman HTTP/1.1\r\n";
	uint8_t buf[128];
	struct apf_msg msg;
	int n;

	n = apf_encode_window_adjust(buf, sizeof(buf), 6, 2048);
	check(n == 9 && decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_CHANNEL_WINDOW_ADJUST &&
	      msg.window_adjust.recipient == 6 &&
	      msg.window_adjust.bytes == 2048,
	      "window adjust round-trips recipient and bytes");
	check_truncations("window adjust", buf, n, 0);

	n = apf_encode_channel_data_header(buf, sizeof(buf), 6,
					   sizeof(payload));
	check(n == APF_CHANNEL_DATA_HEADER_LEN,
	      "channel data header is 9 bytes (got %d)", n);
	memcpy(buf + n, payload, sizeof(payload));
	n += sizeof(payload);
	check(decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_CHANNEL_DATA &&
	      msg.channel_data.recipient == 6 &&
	      msg.channel_data.len == sizeof(payload) &&
	      msg.channel_data.data == buf + APF_CHANNEL_DATA_HEADER_LEN &&
	      memcmp(msg.channel_data.data, payload, sizeof(payload)) == 0,
	      "channel data round-trips and points into the buffer");
	check_truncations("channel data", buf, n, 0);
	buf[n] = 0;
	check(apf_decode(buf, n + 1, &msg) == -EPROTO,
	      "channel data longer than its length field is rejected");
	check(apf_encode_channel_data_header(buf, 8, 6, 1) == -EMSGSIZE,
	      "channel data header into 8 bytes returns -EMSGSIZE");

	n = apf_encode_channel_data_header(buf, sizeof(buf), 6, 0);
	check(decode_exact(buf, n, &msg) == 0 && msg.channel_data.len == 0,
	      "empty channel data decodes");

	n = apf_encode_channel_close(buf, sizeof(buf), 6);
	check(n == 5 && decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_CHANNEL_CLOSE && msg.channel_close.recipient == 6,
	      "channel close round-trips its recipient");
	check_truncations("channel close", buf, n, 0);
}

static void test_keepalive(void)
{
	struct builder b = { .len = 0 };
	uint8_t buf[32];
	struct apf_msg msg;
	int n;

	put_u8(&b, APF_KEEPALIVE_REQUEST);
	put_u32(&b, 0xdeadbeef);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_KEEPALIVE_REQUEST &&
	      msg.keepalive.cookie == 0xdeadbeef,
	      "keepalive request decodes its cookie");
	check_truncations("keepalive request", b.buf, b.len, 0);

	n = apf_encode_keepalive_reply(buf, sizeof(buf), 0xdeadbeef);
	check(n == 5 && decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_KEEPALIVE_REPLY &&
	      msg.keepalive.cookie == 0xdeadbeef,
	      "keepalive reply round-trips its cookie");

	b.len = 0;
	put_u8(&b, APF_KEEPALIVE_OPTIONS_REQUEST);
	put_u32(&b, 30);
	put_u32(&b, 120);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_KEEPALIVE_OPTIONS_REQUEST &&
	      msg.keepalive_options.interval == 30 &&
	      msg.keepalive_options.timeout == 120,
	      "keepalive options request decodes interval and timeout");
	check_truncations("keepalive options request", b.buf, b.len, 0);

	n = apf_encode_keepalive_options_reply(buf, sizeof(buf), 30, 120);
	check(n == 9 && decode_exact(buf, n, &msg) == 0 &&
	      msg.type == APF_KEEPALIVE_OPTIONS_REPLY &&
	      msg.keepalive_options.interval == 30 &&
	      msg.keepalive_options.timeout == 120,
	      "keepalive options reply round-trips");
	check_truncations("keepalive options reply", buf, n, 0);
}

static void test_global_request(void)
{
	struct builder b = { .len = 0 };
	struct apf_msg msg;

	put_u8(&b, APF_GLOBAL_REQUEST);
	put_str(&b, APF_GLOBAL_TCPIP_FORWARD);
	put_u8(&b, 1);
	put_str(&b, "127.0.0.1");
	put_u32(&b, 16992);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_GLOBAL_REQUEST &&
	      string_equals(&msg.global_request.name,
			    APF_GLOBAL_TCPIP_FORWARD) &&
	      msg.global_request.want_reply == 1 &&
	      string_equals(&msg.global_request.address, "127.0.0.1") &&
	      msg.global_request.port == 16992,
	      "tcpip-forward request decodes address and port");
	check_truncations("tcpip-forward request", b.buf, b.len, 0);

	b.len = 0;
	put_u8(&b, APF_GLOBAL_REQUEST);
	put_str(&b, APF_GLOBAL_CANCEL_TCPIP_FORWARD);
	put_u8(&b, 0);
	put_str(&b, "");
	put_u32(&b, 623);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.global_request.address.len == 0 &&
	      msg.global_request.port == 623,
	      "cancel-tcpip-forward with an empty address decodes");
	check_truncations("cancel-tcpip-forward request", b.buf, b.len, 0);

	b.len = 0;
	put_u8(&b, APF_GLOBAL_REQUEST);
	put_str(&b, "udp-send-to@amt.intel.com");
	put_u8(&b, 0);
	put_u32(&b, 1234);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      string_equals(&msg.global_request.name,
			    "udp-send-to@amt.intel.com") &&
	      msg.global_request.port == 0,
	      "global request of an unknown name keeps its tail opaque");

	/* A name that only starts like a known one is not that request. */
	b.len = 0;
	put_u8(&b, APF_GLOBAL_REQUEST);
	put_str(&b, "tcpip");
	put_u8(&b, 0);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.global_request.address.len == 0,
	      "global request named by a prefix is not tcpip-forward");
}

static void test_userauth(void)
{
	struct builder b = { .len = 0 };
	struct apf_msg msg;

	put_u8(&b, APF_USERAUTH_REQUEST);
	put_str(&b, "user");
	put_str(&b, APF_SERVICE_PFWD);
	put_str(&b, "password");
	put_u8(&b, 0);
	put_str(&b, "secret");
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_USERAUTH_REQUEST,
	      "userauth request decodes");

	b.len = 0;
	put_u8(&b, APF_USERAUTH_REQUEST);
	put_str(&b, "user");
	put_str(&b, APF_SERVICE_PFWD);
	put_str(&b, "none");
	check_truncations("userauth request", b.buf, b.len, 0);

	b.len = 0;
	put_u8(&b, APF_USERAUTH_FAILURE);
	put_str(&b, "password");
	put_u8(&b, 0);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_USERAUTH_FAILURE,
	      "userauth failure decodes");
	check_truncations("userauth failure", b.buf, b.len, 0);

	b.len = 0;
	put_u8(&b, APF_USERAUTH_SUCCESS);
	check(decode_exact(b.buf, b.len, &msg) == 0 &&
	      msg.type == APF_USERAUTH_SUCCESS,
	      "userauth success decodes");
}

static void test_strings_limits(void)
{
	static char long_name[APF_MAX_STRING_LEN + 2];
	static struct builder b;
	uint8_t *buf = malloc(APF_MAX_STRING_LEN + 64);
	struct apf_msg msg;
	int n;

	memset(long_name, 'a', APF_MAX_STRING_LEN);
	long_name[APF_MAX_STRING_LEN] = '\0';
	n = apf_encode_service(buf, APF_MAX_STRING_LEN + 64,
			       APF_SERVICE_REQUEST, long_name);
	check(n == 5 + APF_MAX_STRING_LEN &&
	      apf_decode(buf, n, &msg) == 0 &&
	      msg.service.name.len == APF_MAX_STRING_LEN,
	      "service name of exactly %d bytes round-trips",
	      APF_MAX_STRING_LEN);

	long_name[APF_MAX_STRING_LEN] = 'a';
	long_name[APF_MAX_STRING_LEN + 1] = '\0';
	check(apf_encode_service(buf, APF_MAX_STRING_LEN + 64,
				 APF_SERVICE_REQUEST, long_name) == -EMSGSIZE,
	      "service name of %d bytes returns -EMSGSIZE",
	      APF_MAX_STRING_LEN + 1);
	check(apf_encode_channel_open(buf, APF_MAX_STRING_LEN + 64, 1, 1,
				      long_name, 1, "x", 1) == -EMSGSIZE,
	      "channel open with an oversize address returns -EMSGSIZE");
	free(buf);

	b.len = 0;
	put_u8(&b, APF_SERVICE_REQUEST);
	put_u32(&b, APF_MAX_STRING_LEN + 1);
	memset(b.buf + b.len, 'a', APF_MAX_STRING_LEN + 1);
	b.len += APF_MAX_STRING_LEN + 1;
	check(apf_decode(b.buf, b.len, &msg) == -EPROTO,
	      "decoded string over %d bytes is rejected", APF_MAX_STRING_LEN);

	b.len = 0;
	put_u8(&b, APF_SERVICE_REQUEST);
	put_u32(&b, 0xFFFFFFFFu);
	put_bytes(&b, "abc", 3);
	check(apf_decode(b.buf, b.len, &msg) == -EPROTO,
	      "string length 0xFFFFFFFF is rejected");

	b.len = 0;
	put_u8(&b, APF_CHANNEL_DATA);
	put_u32(&b, 1);
	put_u32(&b, 0xFFFFFFF8u);
	put_bytes(&b, "abcdefgh", 8);
	check(apf_decode(b.buf, b.len, &msg) == -EPROTO,
	      "channel data length 0xFFFFFFF8 with 8 bytes is rejected");
}

static void test_unknown_types(void)
{
	static const uint8_t known[] = {
		APF_DISCONNECT, APF_SERVICE_REQUEST, APF_SERVICE_ACCEPT,
		APF_USERAUTH_REQUEST, APF_USERAUTH_FAILURE,
		APF_USERAUTH_SUCCESS, APF_GLOBAL_REQUEST, APF_REQUEST_SUCCESS,
		APF_REQUEST_FAILURE, APF_CHANNEL_OPEN,
		APF_CHANNEL_OPEN_CONFIRMATION, APF_CHANNEL_OPEN_FAILURE,
		APF_CHANNEL_WINDOW_ADJUST, APF_CHANNEL_DATA, APF_CHANNEL_CLOSE,
		APF_PROTOCOL_VERSION, APF_KEEPALIVE_REQUEST,
		APF_KEEPALIVE_REPLY, APF_KEEPALIVE_OPTIONS_REQUEST,
		APF_KEEPALIVE_OPTIONS_REPLY,
	};
	uint8_t buf[128];
	struct apf_msg msg;
	int accepted = 0;
	unsigned int type;
	size_t i;

	for (type = 0; type < 256; type++) {
		bool is_known = false;

		for (i = 0; i < sizeof(known); i++)
			is_known |= known[i] == type;
		if (is_known)
			continue;
		memset(buf, 0, sizeof(buf));
		buf[0] = (uint8_t)type;
		for (i = 1; i <= sizeof(buf); i += 8)
			if (apf_decode(buf, i, &msg) != -EPROTO) {
				if (!accepted)
					printf("# type %u with %zu bytes accepted\n",
					       type, i);
				accepted++;
			}
	}
	check(accepted == 0, "all %zu unknown types are rejected",
	      256 - sizeof(known));
	check(apf_decode(buf, 0, &msg) == -EPROTO,
	      "empty message is rejected");
	check(apf_decode(NULL, 0, &msg) == -EPROTO,
	      "NULL buffer is rejected");
}

int main(void)
{
	test_disconnect();
	test_service();
	test_protocol_version();
	test_request_success_failure();
	test_channel_open();
	test_channel_open_direct();
	test_open_confirmation();
	test_open_failure();
	test_window_data_close();
	test_keepalive();
	test_global_request();
	test_userauth();
	test_strings_limits();
	test_unknown_types();

	printf("1..%d\n", test_count);
	if (failures)
		printf("# %d of %d checks failed\n", failures, test_count);
	return failures ? 1 : 0;
}
