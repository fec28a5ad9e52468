// SPDX-License-Identifier: MIT
/*
 * Host unit test of user/apf_mei.c. A SOCK_SEQPACKET socketpair stands in
 * for /dev/mei0 connected to LME, one APF message per packet. The test
 * queues the firmware's messages on one end before it calls the engine,
 * then decodes what the engine sent with kernel/apf_codec.c. Prints TAP
 * and exits 1 on any failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apf_codec.h"
#include "apf_mei.h"

#define AMT_ID		77	/* AMT's channel id in the tests */
#define SMALL_MSG_LEN	128
#define LME_MSG_LEN	0x1400

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

/* An APF message built by hand, independently of the encoders. */
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

static void put_str(struct builder *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	memcpy(b->buf + b->len, s, strlen(s));
	b->len += strlen(s);
}

static int fw_fd;	/* the firmware's end of the socketpair */

static void fw_send(const struct builder *b)
{
	if (write(fw_fd, b->buf, b->len) != (ssize_t)b->len) {
		perror("write to the engine");
		exit(1);
	}
}

static void fw_send_version(uint32_t major)
{
	struct builder b = { .len = 0 };
	int i;

	put_u8(&b, APF_PROTOCOL_VERSION);
	put_u32(&b, major);
	put_u32(&b, 0);
	put_u32(&b, 0);
	for (i = 0; i < 16 + 64; i++)
		put_u8(&b, 0);
	fw_send(&b);
}

static void fw_send_service_request(const char *name)
{
	struct builder b = { .len = 0 };

	put_u8(&b, APF_SERVICE_REQUEST);
	put_str(&b, name);
	fw_send(&b);
}

static void fw_send_userauth_request(void)
{
	struct builder b = { .len = 0 };

	put_u8(&b, APF_USERAUTH_REQUEST);
	put_str(&b, "");
	put_str(&b, APF_SERVICE_PFWD);
	put_str(&b, "none");
	fw_send(&b);
}

static void fw_send_forward(uint32_t port)
{
	struct builder b = { .len = 0 };

	put_u8(&b, APF_GLOBAL_REQUEST);
	put_str(&b, APF_GLOBAL_TCPIP_FORWARD);
	put_u8(&b, 1);
	put_str(&b, "");
	put_u32(&b, port);
	fw_send(&b);
}

static void fw_send_u32_msg(uint8_t type, uint32_t a)
{
	struct builder b = { .len = 0 };

	put_u8(&b, type);
	put_u32(&b, a);
	fw_send(&b);
}

static void fw_send_two_u32_msg(uint8_t type, uint32_t a, uint32_t c)
{
	struct builder b = { .len = 0 };

	put_u8(&b, type);
	put_u32(&b, a);
	put_u32(&b, c);
	fw_send(&b);
}

static void fw_send_confirmation(uint32_t recipient, uint32_t window)
{
	struct builder b = { .len = 0 };

	put_u8(&b, APF_CHANNEL_OPEN_CONFIRMATION);
	put_u32(&b, recipient);
	put_u32(&b, AMT_ID);
	put_u32(&b, window);
	put_u32(&b, 0xFFFFFFFF);
	fw_send(&b);
}

static void fw_send_data(uint32_t recipient, const void *data, uint32_t len)
{
	struct builder b = { .len = 0 };

	put_u8(&b, APF_CHANNEL_DATA);
	put_u32(&b, recipient);
	put_u32(&b, len);
	memcpy(b.buf + b.len, data, len);
	b.len += len;
	fw_send(&b);
}

static void fw_send_open_failure(uint32_t recipient, uint32_t reason)
{
	struct builder b = { .len = 0 };

	put_u8(&b, APF_CHANNEL_OPEN_FAILURE);
	put_u32(&b, recipient);
	put_u32(&b, reason);
	put_u32(&b, 0);
	put_u32(&b, 0);
	fw_send(&b);
}

/* Receives the engine's next message into @raw and decodes it. */
static bool fw_receive(struct apf_msg *msg, uint8_t *raw, size_t size)
{
	ssize_t n = recv(fw_fd, raw, size, MSG_DONTWAIT);

	if (n <= 0)
		return false;
	return apf_decode(raw, (size_t)n, msg) == 0;
}

/* True when nothing from the engine is waiting. */
static bool fw_idle(void)
{
	uint8_t byte;

	return recv(fw_fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) < 0 &&
	       errno == EAGAIN;
}

/* Creates a socketpair; the engine gets one end, the test the other. */
static int new_link(void)
{
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds)) {
		perror("socketpair");
		exit(1);
	}
	fw_fd = fds[1];
	return fds[0];
}

/* Starts a link that announced 16992 and 623, and drains the replies. */
static int start_ready_link(struct apf_mei *m, uint32_t max_msg_len)
{
	uint8_t raw[LME_MSG_LEN];
	struct apf_msg msg;
	int fd = new_link();
	int ret;

	fw_send_version(1);
	fw_send_service_request(APF_SERVICE_PFWD);
	fw_send_forward(16992);
	fw_send_forward(623);
	ret = apf_mei_start(m, fd, max_msg_len, 2000);
	while (fw_receive(&msg, raw, sizeof(raw)))
		;
	return ret;
}

static void test_handshake(void)
{
	struct apf_mei m = { .fd = -1 };
	uint8_t raw[LME_MSG_LEN];
	struct apf_msg msg;
	int fd = new_link();
	int ret;

	fw_send_version(1);
	fw_send_service_request(APF_SERVICE_PFWD);
	fw_send_userauth_request();
	fw_send_forward(16992);
	fw_send_forward(623);
	ret = apf_mei_start(&m, fd, LME_MSG_LEN, 2000);
	check(ret == 0, "handshake: start returns 0 (got %d)", ret);
	check(m.port_count == 2, "handshake: two ports stored (got %u)",
	      m.port_count);

	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_PROTOCOL_VERSION, "handshake: PROTOCOL_VERSION sent first");
	check(msg.protocol_version.major == 1 && msg.protocol_version.minor == 0,
	      "handshake: version is 1.0");
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_SERVICE_ACCEPT, "handshake: SERVICE_ACCEPT sent");
	check(msg.service.name.len == strlen(APF_SERVICE_PFWD) &&
	      !memcmp(msg.service.name.data, APF_SERVICE_PFWD,
		      msg.service.name.len),
	      "handshake: SERVICE_ACCEPT names pfwd");
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_USERAUTH_SUCCESS, "handshake: USERAUTH_SUCCESS sent");
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_REQUEST_SUCCESS &&
	      msg.request_success.has_port &&
	      msg.request_success.port == 16992,
	      "handshake: REQUEST_SUCCESS for port 16992");
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_REQUEST_SUCCESS &&
	      msg.request_success.port == 623,
	      "handshake: REQUEST_SUCCESS for port 623");
	check(fw_idle(), "handshake: nothing else sent");
	apf_mei_close(&m);
	close(fw_fd);
}

static void test_handshake_errors(void)
{
	struct apf_mei m = { .fd = -1 };
	int fd, ret;

	fd = new_link();
	ret = apf_mei_start(&m, fd, LME_MSG_LEN, 300);
	check(ret == -ETIMEDOUT, "silent firmware: -ETIMEDOUT (got %d)", ret);
	check(m.fd == -1, "silent firmware: descriptor closed");
	close(fw_fd);

	fd = new_link();
	fw_send_version(2);
	ret = apf_mei_start(&m, fd, LME_MSG_LEN, 2000);
	check(ret == -EPROTO, "APF version 2: -EPROTO (got %d)", ret);
	close(fw_fd);

	fd = new_link();
	fw_send_version(1);
	fw_send_two_u32_msg(APF_DISCONNECT, APF_DISCONNECT_BY_APPLICATION, 0);
	ret = apf_mei_start(&m, fd, LME_MSG_LEN, 2000);
	check(ret == -EPROTO || ret == -ECONNRESET,
	      "DISCONNECT in the handshake fails the start (got %d)", ret);
	close(fw_fd);

	fd = new_link();
	fw_send_u32_msg(APF_PROTOCOL_VERSION, 1);
	ret = apf_mei_start(&m, fd, LME_MSG_LEN, 2000);
	check(ret == -EPROTO, "truncated PROTOCOL_VERSION: -EPROTO (got %d)", ret);
	close(fw_fd);

	fd = new_link();
	close(fw_fd);
	ret = apf_mei_start(&m, fd, LME_MSG_LEN, 2000);
	check(ret < 0, "firmware end closed: start fails (got %d)", ret);
}

static void test_channel_open(void)
{
	struct apf_mei m = { .fd = -1 };
	uint8_t raw[LME_MSG_LEN];
	struct apf_msg msg;
	int ret;

	check(start_ready_link(&m, LME_MSG_LEN) == 0, "open: link starts");

	ret = apf_mei_channel_open(&m, 16993, 500);
	check(ret == -ECONNREFUSED, "open: unannounced port 16993 is -ECONNREFUSED (got %d)", ret);
	check(fw_idle(), "open: no CHANNEL_OPEN for an unannounced port");

	fw_send_u32_msg(APF_CHANNEL_CLOSE, 0);	/* stray, must be ignored */
	fw_send_confirmation(1, 4096);
	ret = apf_mei_channel_open(&m, 16992, 2000);
	check(ret == 0, "open: confirmed channel returns 0 (got %d)", ret);
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_CHANNEL_OPEN, "open: CHANNEL_OPEN sent");
	check(msg.channel_open.type.len == strlen(APF_CHANNEL_FORWARDED) &&
	      !memcmp(msg.channel_open.type.data, APF_CHANNEL_FORWARDED,
		      msg.channel_open.type.len),
	      "open: type is forwarded-tcpip");
	check(msg.channel_open.sender == 1, "open: sender id 1 (got %u)",
	      msg.channel_open.sender);
	check(msg.channel_open.window == APF_MEI_WINDOW,
	      "open: window 4096 (got %u)", msg.channel_open.window);
	check(msg.channel_open.connected_port == 16992,
	      "open: port 16992 (got %u)", msg.channel_open.connected_port);
	check(m.recipient == AMT_ID && m.send_window == 4096,
	      "open: AMT's id and window stored");
	apf_mei_channel_close(&m);
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_CHANNEL_CLOSE &&
	      msg.channel_close.recipient == AMT_ID,
	      "close: CHANNEL_CLOSE to AMT's id");

	/* The next channel gets a new id; a late CLOSE of channel 1 is ignored. */
	fw_send_u32_msg(APF_CHANNEL_CLOSE, 1);
	fw_send_open_failure(2, APF_OPEN_FAILURE_RESOURCE_SHORTAGE);
	ret = apf_mei_channel_open(&m, 16992, 2000);
	check(ret == -ECONNREFUSED, "open: OPEN_FAILURE is -ECONNREFUSED (got %d)", ret);
	check(fw_receive(&msg, raw, sizeof(raw)) && msg.type == APF_CHANNEL_OPEN &&
	      msg.channel_open.sender == 2, "open: second channel uses id 2");

	ret = apf_mei_channel_open(&m, 16992, 300);
	check(ret == -ETIMEDOUT, "open: no reply is -ETIMEDOUT (got %d)", ret);
	while (fw_receive(&msg, raw, sizeof(raw)))
		;

	fw_send_two_u32_msg(APF_DISCONNECT, APF_DISCONNECT_BY_APPLICATION, 0);
	ret = apf_mei_channel_open(&m, 16992, 2000);
	check(ret == -EPROTO || ret == -ECONNRESET,
	      "open: DISCONNECT fails the open (got %d)", ret);
	apf_mei_close(&m);
	close(fw_fd);
}

static void test_write_window(void)
{
	struct apf_mei m = { .fd = -1 };
	uint8_t raw[LME_MSG_LEN];
	uint8_t data[1000];
	struct apf_msg msg;
	size_t i, total = 0;
	int ret;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	check(start_ready_link(&m, SMALL_MSG_LEN) == 0, "write: link starts");
	fw_send_confirmation(1, 10);
	check(apf_mei_channel_open(&m, 16992, 2000) == 0, "write: channel open");
	fw_receive(&msg, raw, sizeof(raw));

	/* 10 bytes fit AMT's window, the rest waits for its WINDOW_ADJUST. */
	fw_send_two_u32_msg(APF_CHANNEL_WINDOW_ADJUST, 1, 1000);
	ret = apf_mei_write(&m, data, 300, apf_mei_now_ms() + 2000);
	check(ret == 0, "write: 300 bytes written (got %d)", ret);
	check(fw_receive(&msg, raw, sizeof(raw)) && msg.type == APF_CHANNEL_DATA &&
	      msg.channel_data.len == 10,
	      "write: first CHANNEL_DATA is the window of 10 bytes");
	total += msg.channel_data.len;
	check(msg.channel_data.recipient == AMT_ID, "write: data goes to AMT's id");
	check(fw_receive(&msg, raw, sizeof(raw)) && msg.type == APF_CHANNEL_DATA &&
	      msg.channel_data.len == SMALL_MSG_LEN - APF_CHANNEL_DATA_HEADER_LEN,
	      "write: next CHANNEL_DATA fills max_msg_len (got %u)",
	      msg.channel_data.len);
	total += msg.channel_data.len;
	while (fw_receive(&msg, raw, sizeof(raw)) && msg.type == APF_CHANNEL_DATA) {
		check(msg.channel_data.len <= SMALL_MSG_LEN - APF_CHANNEL_DATA_HEADER_LEN,
		      "write: CHANNEL_DATA of %u bytes fits max_msg_len",
		      msg.channel_data.len);
		check(!memcmp(msg.channel_data.data, data + total,
			      msg.channel_data.len),
		      "write: bytes arrive in order");
		total += msg.channel_data.len;
	}
	check(total == 300, "write: 300 bytes arrived (got %zu)", total);
	check(m.send_window == 1010 - 300,
	      "write: window left is 710 (got %u)", m.send_window);

	ret = apf_mei_write(&m, data, sizeof(data), apf_mei_now_ms() + 300);
	check(ret == -ETIMEDOUT, "write: beyond the window without adjust is -ETIMEDOUT (got %d)", ret);
	apf_mei_close(&m);
	close(fw_fd);
}

static void test_read(void)
{
	struct apf_mei m = { .fd = -1 };
	uint8_t raw[LME_MSG_LEN];
	uint8_t buf[16];
	struct apf_msg msg;
	ssize_t n;

	check(start_ready_link(&m, LME_MSG_LEN) == 0, "read: link starts");
	fw_send_confirmation(1, 4096);
	check(apf_mei_channel_open(&m, 16992, 2000) == 0, "read: channel open");
	fw_receive(&msg, raw, sizeof(raw));

	fw_send_u32_msg(APF_KEEPALIVE_REQUEST, 0x1234);
	fw_send_data(1, "HTTP/1.1 200 OK\r\n", 17);
	n = apf_mei_read(&m, buf, 10, apf_mei_now_ms() + 2000);
	check(n == 10 && !memcmp(buf, "HTTP/1.1 2", 10), "read: first 10 bytes");
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_KEEPALIVE_REPLY && msg.keepalive.cookie == 0x1234,
	      "read: KEEPALIVE_REPLY echoes the cookie");
	check(fw_receive(&msg, raw, sizeof(raw)) &&
	      msg.type == APF_CHANNEL_WINDOW_ADJUST &&
	      msg.window_adjust.recipient == AMT_ID &&
	      msg.window_adjust.bytes == 10,
	      "read: WINDOW_ADJUST of 10 bytes after reading them");
	n = apf_mei_read(&m, buf, sizeof(buf), apf_mei_now_ms() + 2000);
	check(n == 7 && !memcmp(buf, "00 OK\r\n", 7), "read: remaining 7 bytes");
	fw_receive(&msg, raw, sizeof(raw));

	fw_send_u32_msg(APF_CHANNEL_CLOSE, 1);
	n = apf_mei_read(&m, buf, sizeof(buf), apf_mei_now_ms() + 2000);
	check(n == 0, "read: 0 at AMT's CHANNEL_CLOSE (got %zd)", n);
	check(fw_receive(&msg, raw, sizeof(raw)) && msg.type == APF_CHANNEL_CLOSE &&
	      msg.channel_close.recipient == AMT_ID, "read: CHANNEL_CLOSE answered");
	apf_mei_channel_close(&m);
	check(fw_idle(), "read: no second CHANNEL_CLOSE");
	apf_mei_close(&m);
	close(fw_fd);
}

static void test_read_beyond_window(void)
{
	static uint8_t big[APF_MEI_WINDOW + 1];
	struct apf_mei m = { .fd = -1 };
	uint8_t raw[LME_MSG_LEN];
	uint8_t buf[16];
	struct apf_msg msg;
	ssize_t n;

	check(start_ready_link(&m, LME_MSG_LEN) == 0, "window: link starts");
	fw_send_confirmation(1, 4096);
	check(apf_mei_channel_open(&m, 16992, 2000) == 0, "window: channel open");
	fw_receive(&msg, raw, sizeof(raw));
	fw_send_data(1, big, sizeof(big));
	n = apf_mei_read(&m, buf, sizeof(buf), apf_mei_now_ms() + 2000);
	check(n == -EPROTO, "window: 4097 bytes beyond the window are -EPROTO (got %zd)", n);
	apf_mei_close(&m);
	close(fw_fd);
}

int main(void)
{
	test_handshake();
	test_handshake_errors();
	test_channel_open();
	test_write_window();
	test_read();
	test_read_beyond_window();
	printf("1..%d\n", test_count);
	return failures ? 1 : 0;
}
