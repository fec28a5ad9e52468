// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the firmware model's AMTHI and LME clients, its HTTP
 * parser, digest auth and WS-Man endpoint, driven through a fake HBM
 * layer. Prints TAP and ends with "N passed, N failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "digest.h"
#include "fake_hbm.h"
#include "fault.h"
#include "http.h"
#include "wsman.h"
#include "wsman_internal.h"

static unsigned int tests_run, tests_failed, checks_failed_in_test;

#define CHECK(cond) check_cond((cond), #cond, __FILE__, __LINE__)

static bool check_cond(bool ok, const char *text, const char *file, int line)
{
	if (!ok) {
		printf("#   %s:%d: check failed: %s\n", file, line, text);
		checks_failed_in_test++;
	}
	return ok;
}

static void run_test(const char *name, void (*fn)(void))
{
	checks_failed_in_test = 0;
	fn();
	tests_run++;
	if (checks_failed_in_test) {
		tests_failed++;
		printf("not ok %u - %s\n", tests_run, name);
	} else {
		printf("ok %u - %s\n", tests_run, name);
	}
	fake_clear_sent();
	fflush(stdout);
}

/* ---------- byte helpers, written apart from the code under test ---------- */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void md5_hex(char out[33], const char *fmt, ...)
{
	char text[1024];
	unsigned char md[16];
	unsigned int md_len = 0;
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	EVP_Digest(text, strlen(text), md, &md_len, EVP_md5(), NULL);
	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void reset_state(enum fw_sku sku)
{
	static const uint8_t uuid[16] = {
		0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56,
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	};

	memset(&fw_state, 0, sizeof(fw_state));
	fw_state.sku = sku;
	memcpy(fw_state.uuid, uuid, sizeof(uuid));
	strcpy(fw_state.lsa_user, "$$OsAdmin");
	strcpy(fw_state.lsa_password, "Lsa-Pass-0123456789abcdefABCDEF!");
	strcpy(fw_state.digest_realm, "Digest:0123456789ABCDEF0123456789ABCDEF");
	strcpy(fw_state.dns_suffix, "vpro.example.com");
	digest_reset();
	fake_reset_log();
	fake_clear_sent();
}

/* ---------------------------------- AMTHI ---------------------------------- */

static struct fw_conn amthi_conn;

/* Sends one AMTHI request and returns the single reply it produced. */
static const struct fake_msg *amthi_call(uint32_t command, const void *body,
					 size_t body_len)
{
	uint8_t msg[256] = { 1, 1, 0, 0 };

	msg[4] = (uint8_t)command;
	msg[5] = (uint8_t)(command >> 8);
	msg[6] = (uint8_t)(command >> 16);
	msg[7] = (uint8_t)(command >> 24);
	msg[8] = (uint8_t)body_len;
	if (body_len)
		memcpy(msg + 12, body, body_len);
	fake_clear_sent();
	fw_amthi_client.received(&amthi_conn, msg, 12 + body_len);
	if (!CHECK(fake_sent_count == 1))
		return NULL;
	return &fake_sent[0];
}

/* Checks the reply header; returns its status or -1. */
static long amthi_reply_status(const struct fake_msg *m, uint32_t command)
{
	if (!m || !CHECK(m->len >= 16))
		return -1;
	CHECK(m->data[0] == 1);
	CHECK(m->data[1] == 1);
	CHECK(le32(m->data + 4) == (command | 0x00800000u));
	CHECK(le32(m->data + 8) == m->len - 12);
	return le32(m->data + 12);
}

static void test_amthi_client_identity(void)
{
	static const uint8_t uuid[16] = {
		0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
		0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c,
	};

	CHECK(!memcmp(fw_amthi_client.uuid, uuid, 16));
	CHECK(fw_amthi_client.max_msg_len == 0x1400);
	CHECK(fw_amthi_client.protocol_version == 1);
	CHECK(fw_amthi_client.max_connections == 1);
}

/* Finds @name in a GetCodeVersions reply; copies its version to @version. */
static bool find_code_version(const struct fake_msg *m, const char *name,
			      char version[21])
{
	const uint8_t *p = m->data + 16 + 65;
	uint32_t count = le32(p);
	uint32_t i;

	p += 4;
	if (m->len != 16 + 65 + 4 + count * 44)
		return false;
	for (i = 0; i < count; i++, p += 44) {
		uint16_t dlen = le16(p), vlen = le16(p + 22);

		if (dlen > 20 || vlen > 20)
			return false;
		if (dlen == strlen(name) && !memcmp(p + 2, name, dlen)) {
			memcpy(version, p + 24, vlen);
			version[vlen] = '\0';
			return true;
		}
	}
	return false;
}

static void test_amthi_code_versions_amt(void)
{
	const struct fake_msg *m;
	char v[21];

	reset_state(FW_SKU_AMT);
	m = amthi_call(0x0400001A, NULL, 0);
	if (amthi_reply_status(m, 0x0400001A) != 0)
		return;
	CHECK(memchr(m->data + 16, '\0', 65) != NULL);
	if (CHECK(find_code_version(m, "AMT", v)))
		CHECK(!strcmp(v, "16.1.25"));
	if (CHECK(find_code_version(m, "Sku", v)))
		CHECK(!strcmp(v, "16392"));
	if (CHECK(find_code_version(m, "Build Number", v)))
		CHECK(!strcmp(v, "2022"));
	CHECK(find_code_version(m, "Flash", v));
	CHECK(find_code_version(m, "Recovery Version", v));
	CHECK(!find_code_version(m, "NoSuchEntry", v));
}

static void test_amthi_code_versions_ism(void)
{
	const struct fake_msg *m;
	char v[21];

	reset_state(FW_SKU_ISM);
	m = amthi_call(0x0400001A, NULL, 0);
	if (amthi_reply_status(m, 0x0400001A) != 0)
		return;
	if (CHECK(find_code_version(m, "Sku", v)))
		CHECK(!strcmp(v, "16400"));
}

static void test_amthi_state_queries(void)
{
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);
	fw_state.control_mode = 2;
	fw_state.provisioning_state = 1;

	m = amthi_call(0x0400005C, NULL, 0);
	if (amthi_reply_status(m, 0x0400005C) == 0 && CHECK(m->len == 32))
		CHECK(!memcmp(m->data + 16, fw_state.uuid, 16));

	m = amthi_call(0x0400006B, NULL, 0);
	if (amthi_reply_status(m, 0x0400006B) == 0 && CHECK(m->len == 20))
		CHECK(le32(m->data + 16) == 2);

	m = amthi_call(0x04000011, NULL, 0);
	if (amthi_reply_status(m, 0x04000011) == 0 && CHECK(m->len == 20))
		CHECK(le32(m->data + 16) == 1);

	m = amthi_call(0x04000036, NULL, 0);
	if (amthi_reply_status(m, 0x04000036) == 0 &&
	    CHECK(m->len == 18 + strlen("vpro.example.com"))) {
		CHECK(le16(m->data + 16) == strlen("vpro.example.com"));
		CHECK(!memcmp(m->data + 18, "vpro.example.com", 16));
	}

	m = amthi_call(0x04000046, NULL, 0);
	if (amthi_reply_status(m, 0x04000046) == 0 && CHECK(m->len == 30))
		CHECK(le16(m->data + 28) == 0);
}

static void test_amthi_local_system_account(void)
{
	uint8_t zeros[40] = { 0 };
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);
	m = amthi_call(0x04000067, zeros, sizeof(zeros));
	if (amthi_reply_status(m, 0x04000067) != 0 || !CHECK(m->len == 16 + 66))
		return;
	CHECK(!strcmp((const char *)m->data + 16, "$$OsAdmin"));
	CHECK(!strcmp((const char *)m->data + 16 + 33, fw_state.lsa_password));

	m = amthi_call(0x04000067, NULL, 0);
	CHECK(amthi_reply_status(m, 0x04000067) == 4);
}

static void test_amthi_cert_hashes(void)
{
	const struct fake_msg *m;
	uint32_t handles[8];
	uint32_t count, i;

	reset_state(FW_SKU_AMT);
	m = amthi_call(0x0400002C, NULL, 0);
	if (amthi_reply_status(m, 0x0400002C) != 0)
		return;
	count = le32(m->data + 16);
	if (!CHECK(count >= 3 && count <= 8 && m->len == 20 + 4 * count))
		return;
	for (i = 0; i < count; i++)
		handles[i] = le32(m->data + 20 + 4 * i);

	for (i = 0; i < count; i++) {
		uint8_t body[4] = { (uint8_t)handles[i], (uint8_t)(handles[i] >> 8),
				    (uint8_t)(handles[i] >> 16),
				    (uint8_t)(handles[i] >> 24) };
		uint16_t name_len;
		static const uint8_t zero32[32];

		m = amthi_call(0x0400002D, body, 4);
		if (amthi_reply_status(m, 0x0400002D) != 0 ||
		    !CHECK(m->len > 16 + 8 + 64 + 1 + 2))
			continue;
		CHECK(m->data[16 + 8 + 64] == 2);	/* SHA256 */
		CHECK(memcmp(m->data + 24, zero32, 32) != 0);
		CHECK(!memcmp(m->data + 24 + 32, zero32, 32));
		name_len = le16(m->data + 16 + 8 + 64 + 1);
		CHECK(name_len > 0);
		CHECK(m->len == 16 + 8 + 64 + 1 + 2 + (size_t)name_len);
	}

	{
		uint8_t bad[4] = { 0x77, 0, 0, 0 };

		m = amthi_call(0x0400002D, bad, 4);
		CHECK(amthi_reply_status(m, 0x0400002D) == 2053);
	}
}

static void test_amthi_lan_settings(void)
{
	uint8_t index[4] = { 0 };
	const struct fake_msg *m;
	uint8_t wired_mac[6];

	reset_state(FW_SKU_AMT);
	m = amthi_call(0x04000048, index, 4);
	if (amthi_reply_status(m, 0x04000048) != 0 || !CHECK(m->len == 16 + 20))
		return;
	CHECK(le32(m->data + 16) == 1);
	CHECK(m->data[16 + 13] == 1);		/* link up */
	memcpy(wired_mac, m->data + 16 + 14, 6);
	CHECK(wired_mac[0] & 0x02);		/* locally administered */

	index[0] = 1;
	m = amthi_call(0x04000048, index, 4);
	if (amthi_reply_status(m, 0x04000048) == 0 && CHECK(m->len == 16 + 20))
		CHECK(memcmp(m->data + 16 + 14, wired_mac, 6) != 0);

	index[0] = 2;
	m = amthi_call(0x04000048, index, 4);
	CHECK(amthi_reply_status(m, 0x04000048) == 36);
}

static void test_amthi_unprovision(void)
{
	uint8_t mode[4] = { 0 };
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);
	fw_state.control_mode = 1;
	fw_state.provisioning_state = 2;
	strcpy(fw_state.admin_digest, "0123456789abcdef0123456789abcdef");

	mode[0] = 3;
	m = amthi_call(0x04000010, mode, 4);
	CHECK(amthi_reply_status(m, 0x04000010) == 36);
	CHECK(fw_state.provisioning_state == 2);

	mode[0] = 0;
	m = amthi_call(0x04000010, mode, 4);
	CHECK(amthi_reply_status(m, 0x04000010) == 0);
	CHECK(fw_state.provisioning_state == 0);
	CHECK(fw_state.control_mode == 0);
	CHECK(fw_state.admin_digest[0] == '\0');
}

static void test_amthi_malformed_requests(void)
{
	uint8_t msg[32] = { 1, 1, 0, 0, 0x6B, 0, 0, 4, 0, 0, 0, 0 };
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);

	/* Shorter than the header. */
	fw_amthi_client.received(&amthi_conn, msg, 6);
	if (CHECK(fake_sent_count == 1) && CHECK(fake_sent[0].len == 16))
		CHECK(le32(fake_sent[0].data + 12) == 4);
	fake_clear_sent();

	/* Header length 4 but no body. */
	msg[8] = 4;
	fw_amthi_client.received(&amthi_conn, msg, 12);
	if (CHECK(fake_sent_count == 1))
		CHECK(amthi_reply_status(&fake_sent[0], 0x0400006B) == 4);
	fake_clear_sent();

	/* Body sent to a command that takes none. */
	fw_amthi_client.received(&amthi_conn, msg, 16);
	if (CHECK(fake_sent_count == 1))
		CHECK(amthi_reply_status(&fake_sent[0], 0x0400006B) == 4);
	fake_clear_sent();

	/* Version 2.0. */
	msg[0] = 2;
	msg[1] = 0;
	msg[8] = 0;
	fw_amthi_client.received(&amthi_conn, msg, 12);
	if (CHECK(fake_sent_count == 1))
		CHECK(le32(fake_sent[0].data + 12) == 4);
	fake_clear_sent();

	/* Unknown command. */
	m = amthi_call(0x04000099, NULL, 0);
	CHECK(amthi_reply_status(m, 0x04000099) == 1);
	CHECK(amthi_conn.oversized_sends == 0);
}

/* ---------------------------------- HTTP ---------------------------------- */

static struct http_request req;

static void test_http_content_length_pipelined(void)
{
	const char *text =
		"POST /wsman HTTP/1.1\r\nHost: x:16992\r\nContent-Length: 5\r\n"
		"Connection: keep-alive\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n";
	size_t used;

	http_request_init(&req);
	used = http_request_feed(&req, (const uint8_t *)text, strlen(text));
	CHECK(req.status == HTTP_COMPLETE);
	CHECK(used == strlen(text) - strlen("GET / HTTP/1.1\r\n\r\n"));
	CHECK(!strcmp(req.method, "POST"));
	CHECK(!strcmp(req.target, "/wsman"));
	CHECK(req.body_len == 5);
	CHECK(!strcmp(req.body, "hello"));
	CHECK(!strcmp(http_request_header(&req, "host"), "x:16992"));
	CHECK(!http_request_wants_close(&req));

	http_request_init(&req);
	used = http_request_feed(&req, (const uint8_t *)text + used,
				 strlen(text) - used);
	CHECK(req.status == HTTP_COMPLETE);
	CHECK(!strcmp(req.method, "GET"));
	CHECK(req.body_len == 0);
	http_request_free(&req);
}

static void test_http_chunked_byte_by_byte(void)
{
	const char *text =
		"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		"Connection: close\r\n\r\n"
		"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
		"0\r\nTrailer: x\r\n\r\n";
	size_t i, used = 0;

	http_request_init(&req);
	for (i = 0; i < strlen(text) && req.status == HTTP_INCOMPLETE; i++)
		used += http_request_feed(&req, (const uint8_t *)text + i, 1);
	CHECK(req.status == HTTP_COMPLETE);
	CHECK(used == strlen(text));
	CHECK(!strcmp(req.body, "Wikipedia in\r\n\r\nchunks."));
	CHECK(http_request_wants_close(&req));
	http_request_free(&req);
}

static int http_parse_all(const char *text, size_t len)
{
	http_request_init(&req);
	http_request_feed(&req, (const uint8_t *)text, len);
	return req.status == HTTP_ERROR ? req.error_status :
	       req.status == HTTP_COMPLETE ? 200 : 0;
}

static void test_http_oversized(void)
{
	static char big[HTTP_MAX_HEAD + 64];
	char *chunked;
	size_t off;
	int i;

	strcpy(big, "POST /wsman HTTP/1.1\r\nX-Pad: ");
	memset(big + strlen(big), 'a', HTTP_MAX_HEAD);
	big[sizeof(big) - 1] = '\0';
	CHECK(http_parse_all(big, strlen(big)) == 413);

	snprintf(big, sizeof(big),
		 "POST /wsman HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
		 HTTP_MAX_BODY + 1);
	CHECK(http_parse_all(big, strlen(big)) == 413);

	/* Five chunks of 64 KiB: the body passes 256 KiB on the fifth. */
	chunked = malloc(6 * 65536);
	if (!CHECK(chunked != NULL))
		return;
	off = (size_t)sprintf(chunked,
			      "POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 5; i++) {
		off += (size_t)sprintf(chunked + off, "10000\r\n");
		memset(chunked + off, 'b', 65536);
		off += 65536;
		off += (size_t)sprintf(chunked + off, "\r\n");
	}
	CHECK(http_parse_all(chunked, off) == 413);
	free(chunked);
	http_request_free(&req);
}

static void test_http_malformed(void)
{
	static const char *const bad[] = {
		"POST\r\n\r\n",
		"POST /wsman\r\n\r\n",
		"POST /wsman HTTP/2.0\r\n\r\n",
		"PO ST /wsman HTTP/1.1\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nNoColon\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"POST /wsman HTTP/1.1\r\n folded\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
		"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = http_parse_all(bad[i], strlen(bad[i]));

		if (status != 400)
			printf("#   case %zu gave %d\n", i, status);
		CHECK(status == 400);
	}
	CHECK(http_parse_all("GET /x HTTP/1.0\r\n\r\n", 19) == 200);
	CHECK(http_request_wants_close(&req));
	http_request_free(&req);
}

/* --------------------------------- digest --------------------------------- */

/* Builds an Authorization header the way an RFC 2617 client does. */
static void make_authorization(char *out, size_t size, const char *user,
			       const char *ha1, const char *realm,
			       const char *nonce, const char *uri)
{
	char ha2[33], response[33];

	md5_hex(ha2, "POST:%s", uri);
	md5_hex(response, "%s:%s:00000001:c0ffee:auth:%s", ha1, nonce, ha2);
	snprintf(out, size,
		 "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
		 "response=\"%s\", qop=auth, nc=00000001, cnonce=\"c0ffee\"",
		 user, realm, nonce, uri, response);
}

static void test_digest_accepts_lsa(void)
{
	char nonce[DIGEST_NONCE_LEN + 1], ha1[33], auth[1024];

	reset_state(FW_SKU_AMT);
	CHECK(digest_new_nonce(nonce) == 0);
	md5_hex(ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		fw_state.lsa_password);
	make_authorization(auth, sizeof(auth), "$$OsAdmin", ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	CHECK(digest_check(auth, "POST", "/wsman"));
	CHECK(strstr(fake_log, fw_state.lsa_password) == NULL);
}

static void test_digest_rejects_bad_input(void)
{
	char nonce[DIGEST_NONCE_LEN + 1], ha1[33], bad_ha1[33], auth[1024];

	reset_state(FW_SKU_AMT);
	CHECK(digest_new_nonce(nonce) == 0);
	md5_hex(ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		fw_state.lsa_password);
	md5_hex(bad_ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		"wrong");

	make_authorization(auth, sizeof(auth), "$$OsAdmin", bad_ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	CHECK(!digest_check(auth, "POST", "/wsman"));
	make_authorization(auth, sizeof(auth), "$$OsAdmin", ha1,
			   fw_state.digest_realm,
			   "00000000000000000000000000000000", "/wsman");
	CHECK(!digest_check(auth, "POST", "/wsman"));
	make_authorization(auth, sizeof(auth), "$$OsAdmin", ha1,
			   "Digest:FFFF", nonce, "/wsman");
	CHECK(!digest_check(auth, "POST", "/wsman"));
	make_authorization(auth, sizeof(auth), "$$OsAdmin", ha1,
			   fw_state.digest_realm, nonce, "/other");
	CHECK(!digest_check(auth, "POST", "/wsman"));
	make_authorization(auth, sizeof(auth), "admin", ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	CHECK(!digest_check(auth, "POST", "/wsman"));
	CHECK(!digest_check(NULL, "POST", "/wsman"));
	CHECK(!digest_check("Basic YWRtaW46YWRtaW4=", "POST", "/wsman"));
	CHECK(!digest_check("Digest username=\"unterminated", "POST", "/wsman"));

	/* Without qop the RFC 2069 form is not accepted. */
	make_authorization(auth, sizeof(auth), "$$OsAdmin", ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	*strstr(auth, ", qop=auth") = '\0';
	CHECK(!digest_check(auth, "POST", "/wsman"));

	/* The right credentials still pass after all the failures. */
	make_authorization(auth, sizeof(auth), "$$OsAdmin", ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	CHECK(digest_check(auth, "POST", "/wsman"));
	CHECK(strstr(fake_log, fw_state.lsa_password) == NULL);
}

static void test_wsman_element_text(void)
{
	char text[64];

	CHECK(wsman_element_text("<a:Envelope><a:Action x=\"1\"> Get </a:Action>",
				 "Action", text, sizeof(text)) == 0 &&
	      !strcmp(text, "Get"));
	CHECK(wsman_element_text("<Action>plain</Action>", "Action", text,
				 sizeof(text)) == 0 && !strcmp(text, "plain"));
	CHECK(wsman_element_text("<b:MyAction>no</b:MyAction><c:Action/>",
				 "Action", text, sizeof(text)) == 0 &&
	      !strcmp(text, ""));
	CHECK(wsman_element_text("<b:ActionX>no</b:ActionX>", "Action", text,
				 sizeof(text)) == -1);
	CHECK(wsman_element_text("<a>Action</a>", "Action", text,
				 sizeof(text)) == -1);
	CHECK(wsman_element_text("<Action>0123456789</Action>", "Action", text,
				 4) == -1);
}

/* ----------------------------------- APF ----------------------------------- */

static struct fw_conn lme_conn;

struct apf_out {
	uint8_t buf[8192];
	size_t len;
};

static void out_u8(struct apf_out *m, uint8_t v)
{
	m->buf[m->len++] = v;
}

static void out_u32(struct apf_out *m, uint32_t v)
{
	out_u8(m, (uint8_t)(v >> 24));
	out_u8(m, (uint8_t)(v >> 16));
	out_u8(m, (uint8_t)(v >> 8));
	out_u8(m, (uint8_t)v);
}

static void out_str(struct apf_out *m, const char *s)
{
	out_u32(m, (uint32_t)strlen(s));
	memcpy(m->buf + m->len, s, strlen(s));
	m->len += strlen(s);
}

static void host_send(const struct apf_out *m)
{
	fw_lme_client.received(&lme_conn, m->buf, m->len);
}

static void host_send_version(uint32_t major, uint32_t minor)
{
	struct apf_out m = { .len = 0 };

	out_u8(&m, 192);
	out_u32(&m, major);
	out_u32(&m, minor);
	out_u32(&m, 0);
	memset(m.buf + m.len, 0, 80);
	m.len += 80;
	host_send(&m);
}

static void host_send_u32(uint8_t type, uint32_t value)
{
	struct apf_out m = { .len = 0 };

	out_u8(&m, type);
	out_u32(&m, value);
	host_send(&m);
}

static void host_send_u32_pair(uint8_t type, uint32_t a, uint32_t b)
{
	struct apf_out m = { .len = 0 };

	out_u8(&m, type);
	out_u32(&m, a);
	out_u32(&m, b);
	host_send(&m);
}

static void host_open(const char *type, uint32_t sender, uint32_t window,
		      uint32_t port)
{
	struct apf_out m = { .len = 0 };

	out_u8(&m, 90);
	out_str(&m, type);
	out_u32(&m, sender);
	out_u32(&m, window);
	out_u32(&m, 0xFFFFFFFF);
	out_str(&m, "127.0.0.1");
	out_u32(&m, port);
	out_str(&m, "127.0.0.1");
	out_u32(&m, 40000 + sender);
	host_send(&m);
}

static void host_data(uint32_t recipient, const void *data, size_t len)
{
	struct apf_out m = { .len = 0 };

	out_u8(&m, 94);
	out_u32(&m, recipient);
	out_u32(&m, (uint32_t)len);
	memcpy(m.buf + m.len, data, len);
	m.len += len;
	host_send(&m);
}

static bool sent_is_disconnect(unsigned int i, uint32_t reason)
{
	return i < fake_sent_count && fake_sent[i].len == 7 &&
	       fake_sent[i].data[0] == 1 && be32(fake_sent[i].data + 1) == reason;
}

static void lme_start(void)
{
	fake_conn_init(&lme_conn, &fw_lme_client);
	fw_lme_client.connected(&lme_conn);
	fake_clear_sent();
}

static void lme_stop(void)
{
	if (!lme_conn.disconnected)
		fw_lme_client.disconnected(&lme_conn);
	CHECK(lme_conn.priv == NULL);
	fake_clear_sent();
}

/* Runs the handshake and checks each step. */
static bool lme_handshake(void)
{
	struct apf_out m = { .len = 0 };
	bool ok = true;
	unsigned int i;

	host_send_version(1, 0);
	ok &= CHECK(fake_sent_count == 2);
	if (!ok)
		return false;
	ok &= CHECK(fake_sent[0].len == 93 && fake_sent[0].data[0] == 192);
	ok &= CHECK(be32(fake_sent[0].data + 1) == 1 &&
		    be32(fake_sent[0].data + 5) == 0);
	ok &= CHECK(!memcmp(fake_sent[0].data + 13, fw_state.uuid, 16));
	ok &= CHECK(fake_sent[1].len == 1 + 4 + 18 && fake_sent[1].data[0] == 5 &&
		    !memcmp(fake_sent[1].data + 5, "pfwd@amt.intel.com", 18));
	fake_clear_sent();

	out_u8(&m, 6);
	out_str(&m, "pfwd@amt.intel.com");
	host_send(&m);
	ok &= CHECK(fake_sent_count == 2);
	for (i = 0; ok && i < 2; i++) {
		const uint8_t *p = fake_sent[i].data;

		ok &= CHECK(p[0] == 80 && be32(p + 1) == 13 &&
			    !memcmp(p + 5, "tcpip-forward", 13));
		ok &= CHECK(p[18] == 1);
		ok &= CHECK(fake_sent[i].len == 19 + 4 + be32(p + 19) + 4);
		ok &= CHECK(be32(p + fake_sent[i].len - 4) ==
			    (i == 0 ? 16992u : 623u));
	}
	fake_clear_sent();

	host_send_u32(81, 16992);
	host_send_u32(81, 623);
	ok &= CHECK(fake_sent_count == 0);
	return ok;
}

/* Opens a channel; returns our sender id from the confirmation, or 0. */
static uint32_t lme_open(uint32_t host_id, uint32_t window)
{
	const uint8_t *p;
	uint32_t id;

	fake_clear_sent();
	host_open("forwarded-tcpip", host_id, window, 16992);
	if (!CHECK(fake_sent_count == 1) || !CHECK(fake_sent[0].len == 17))
		return 0;
	p = fake_sent[0].data;
	if (!CHECK(p[0] == 91))
		return 0;
	CHECK(be32(p + 1) == host_id);
	CHECK(be32(p + 9) == 4096);
	CHECK(be32(p + 13) == 0xFFFFFFFF);
	id = be32(p + 5);
	fake_clear_sent();
	return id;
}

static void test_lme_client_identity(void)
{
	static const uint8_t uuid[16] = {
		0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
		0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7,
	};

	CHECK(!memcmp(fw_lme_client.uuid, uuid, 16));
	CHECK(fw_lme_client.max_msg_len == 0x1400);
	CHECK(fw_lme_client.max_connections == 1);
}

static void test_apf_handshake(void)
{
	reset_state(FW_SKU_AMT);
	lme_start();
	CHECK(lme_handshake());
	CHECK(lme_open(7, 4096) != 0);
	CHECK(!lme_conn.disconnected);
	lme_stop();
}

static void test_apf_version_not_supported(void)
{
	reset_state(FW_SKU_AMT);
	lme_start();
	host_send_version(2, 0);
	CHECK(sent_is_disconnect(0, 8));
	CHECK(lme_conn.disconnected);
	lme_stop();
}

static void test_apf_out_of_order(void)
{
	struct apf_out m = { .len = 0 };

	reset_state(FW_SKU_AMT);
	lme_start();
	host_open("forwarded-tcpip", 1, 4096, 16992);
	CHECK(fake_sent_count == 1);
	CHECK(sent_is_disconnect(0, 2));
	CHECK(lme_conn.disconnected);
	lme_stop();

	/* SERVICE_ACCEPT before PROTOCOL_VERSION. */
	lme_start();
	out_u8(&m, 6);
	out_str(&m, "pfwd@amt.intel.com");
	host_send(&m);
	CHECK(sent_is_disconnect(0, 2));
	lme_stop();

	/* A second PROTOCOL_VERSION after the handshake. */
	lme_start();
	if (lme_handshake()) {
		host_send_version(1, 0);
		CHECK(sent_is_disconnect(0, 2));
	}
	lme_stop();

	/* An unknown message type. */
	lme_start();
	if (lme_handshake()) {
		host_send_u32(150, 0);
		CHECK(sent_is_disconnect(0, 2));
	}
	lme_stop();

	/* A truncated CHANNEL_OPEN. */
	lme_start();
	if (lme_handshake()) {
		m.len = 0;
		out_u8(&m, 90);
		out_str(&m, "forwarded-tcpip");
		out_u32(&m, 1);
		host_send(&m);
		CHECK(sent_is_disconnect(0, 2));
	}
	lme_stop();
}

static void test_apf_channel_refusals(void)
{
	unsigned int i;
	uint32_t ids[8];

	reset_state(FW_SKU_AMT);
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}

	host_open("forwarded-tcpip", 100, 4096, 16993);
	if (CHECK(fake_sent_count == 1 && fake_sent[0].len == 17)) {
		CHECK(fake_sent[0].data[0] == 92);
		CHECK(be32(fake_sent[0].data + 1) == 100);
		CHECK(be32(fake_sent[0].data + 5) == 2);
	}
	fake_clear_sent();

	host_open("direct-tcpip", 101, 4096, 16992);
	if (CHECK(fake_sent_count == 1 && fake_sent[0].len == 17))
		CHECK(be32(fake_sent[0].data + 5) == 3);
	fake_clear_sent();

	for (i = 0; i < 8; i++) {
		ids[i] = lme_open(i + 1, 4096);
		CHECK(ids[i] != 0);
	}
	host_open("forwarded-tcpip", 9, 4096, 16992);
	if (CHECK(fake_sent_count == 1 && fake_sent[0].len == 17)) {
		CHECK(fake_sent[0].data[0] == 92);
		CHECK(be32(fake_sent[0].data + 5) == 4);
	}
	fake_clear_sent();

	/* Closing one frees a slot: AMT sends its own close, then opens again. */
	host_send_u32(97, ids[3]);
	if (CHECK(fake_sent_count == 1 && fake_sent[0].len == 5)) {
		CHECK(fake_sent[0].data[0] == 97);
		CHECK(be32(fake_sent[0].data + 1) == 4);
	}
	CHECK(lme_open(10, 4096) != 0);

	/* Stray closes for channel 0 and for a freed id are ignored. */
	host_send_u32(97, 0);
	host_send_u32(97, 9999);
	CHECK(fake_sent_count == 0);
	CHECK(!lme_conn.disconnected);
	lme_stop();
}

static void test_apf_keepalive(void)
{
	reset_state(FW_SKU_AMT);
	lme_start();
	if (lme_handshake()) {
		host_send_u32(208, 0xCAFEF00D);
		if (CHECK(fake_sent_count == 1 && fake_sent[0].len == 5)) {
			CHECK(fake_sent[0].data[0] == 209);
			CHECK(be32(fake_sent[0].data + 1) == 0xCAFEF00D);
		}
	}
	lme_stop();
}

static void test_apf_data_over_window(void)
{
	static uint8_t junk[4097];
	uint32_t id;

	memset(junk, 'x', sizeof(junk));
	reset_state(FW_SKU_AMT);
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}
	id = lme_open(5, 65536);
	host_data(id, junk, sizeof(junk));
	CHECK(sent_is_disconnect(0, 2));
	CHECK(lme_conn.disconnected);
	lme_stop();

	/* Data to a channel that was never opened. */
	lme_start();
	if (lme_handshake()) {
		host_data(6, junk, 10);
		CHECK(sent_is_disconnect(0, 2));
	}
	lme_stop();

	/* A length field that disagrees with the message size. */
	lme_start();
	if (lme_handshake()) {
		struct apf_out m = { .len = 0 };

		id = lme_open(5, 65536);
		out_u8(&m, 94);
		out_u32(&m, id);
		out_u32(&m, 100);
		out_u8(&m, 'x');
		host_send(&m);
		CHECK(sent_is_disconnect(0, 2));
	}
	lme_stop();
}

static void test_apf_window_adjust_on_consume(void)
{
	static uint8_t part[2048];
	uint32_t id;
	int i;

	memset(part, 'y', sizeof(part));
	memcpy(part, "POST /wsman HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", 48);
	reset_state(FW_SKU_AMT);
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}
	id = lme_open(5, 65536);

	/* Four full windows pass only because each message is adjusted back. */
	for (i = 0; i < 8; i++) {
		fake_clear_sent();
		host_data(id, part, sizeof(part));
		if (!CHECK(fake_sent_count == 1 && fake_sent[0].len == 9))
			break;
		CHECK(fake_sent[0].data[0] == 93);
		CHECK(be32(fake_sent[0].data + 1) == 5);
		CHECK(be32(fake_sent[0].data + 5) == sizeof(part));
	}
	CHECK(!lme_conn.disconnected);
	lme_stop();
}

/* --------------------------------- WS-Man --------------------------------- */

struct http_response {
	int status;
	char head[4096];
	char body[65536];
	size_t body_len;
	bool complete;
};

/* Removes chunked framing; returns false on a framing error. */
static bool dechunk(const char *p, const char *end, struct http_response *r)
{
	r->body_len = 0;
	for (;;) {
		char *next;
		unsigned long n = strtoul(p, &next, 16);

		if (next == p || end - next < 2 || memcmp(next, "\r\n", 2))
			return false;
		p = next + 2;
		if (!n)
			return end - p == 2 && !memcmp(p, "\r\n", 2);
		if ((unsigned long)(end - p) < n + 2 ||
		    r->body_len + n >= sizeof(r->body))
			return false;
		memcpy(r->body + r->body_len, p, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		p += n;
		if (memcmp(p, "\r\n", 2))
			return false;
		p += 2;
	}
}

static bool parse_response(const char *raw, size_t len, struct http_response *r)
{
	const char *head_end = strstr(raw, "\r\n\r\n");
	const char *cl;
	size_t head_len;

	memset(r, 0, sizeof(*r));
	if (!head_end || sscanf(raw, "HTTP/1.1 %d ", &r->status) != 1)
		return false;
	head_len = (size_t)(head_end - raw) + 2;
	if (head_len >= sizeof(r->head))
		return false;
	memcpy(r->head, raw, head_len);
	head_end += 4;
	if (strstr(r->head, "Transfer-Encoding: chunked\r\n"))
		return dechunk(head_end, raw + len, r);
	cl = strstr(r->head, "Content-Length: ");
	if (!cl || (size_t)atoi(cl + 16) != (size_t)(raw + len - head_end))
		return false;
	r->body_len = (size_t)(raw + len - head_end);
	memcpy(r->body, head_end, r->body_len);
	r->body[r->body_len] = '\0';
	return true;
}

/*
 * Sends @request on a fresh channel with a host window of @window, adjusting
 * it as data arrives, and collects the response. *closed is set when
 * AMT sent CHANNEL_CLOSE.
 */
static char raw[131072];

static bool wsman_exchange(const char *request, uint32_t window,
			   struct http_response *r, bool *closed)
{
	static uint32_t next_host_id = 1000;
	uint32_t host_id = next_host_id++;
	uint32_t id = lme_open(host_id, window);
	size_t raw_len = 0, off = 0, len = strlen(request);
	unsigned int i, rounds;
	bool ok = true;

	*closed = false;
	if (!id)
		return false;
	while (off < len) {
		size_t n = len - off > 4000 ? 4000 : len - off;

		host_data(id, request + off, n);
		off += n;
	}
	for (rounds = 0; rounds < 1000 && !*closed; rounds++) {
		uint32_t got = 0;

		for (i = 0; i < fake_sent_count; i++) {
			const uint8_t *p = fake_sent[i].data;

			if (p[0] == 94) {
				uint32_t n = be32(p + 5);

				ok &= CHECK(be32(p + 1) == host_id);
				ok &= CHECK(n + 9 == fake_sent[i].len);
				ok &= CHECK(n <= window && n <= 0x1400 - 9);
				if (raw_len + n >= sizeof(raw))
					return false;
				memcpy(raw + raw_len, p + 9, n);
				raw_len += n;
				got += n;
			} else if (p[0] == 97) {
				ok &= CHECK(be32(p + 1) == host_id);
				*closed = true;
			} else {
				ok &= CHECK(p[0] == 93);
			}
		}
		fake_clear_sent();
		if (!got)
			break;
		/* More data must wait for this adjust when the window is small. */
		host_send_u32_pair(93, id, got);
	}
	raw[raw_len] = '\0';
	/* Close from the host side too, so AMT sends CHANNEL_CLOSE if it had not. */
	host_send_u32(97, id);
	fake_clear_sent();
	return ok && parse_response(raw, raw_len, r);
}

static void make_wsman_request(char *out, size_t size, const char *auth,
			       const char *action, const char *uri,
			       const char *message_id, const char *body,
			       bool keep_alive)
{
	char xml[4096];
	int n;

	n = snprintf(xml, sizeof(xml),
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
		"<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\""
		" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
		" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
		"<Header><a:Action>%s</a:Action><a:To>/wsman</a:To>"
		"<w:ResourceURI>%s</w:ResourceURI>"
		"<a:MessageID>%s</a:MessageID>"
		"<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
		"<w:OperationTimeout>PT60S</w:OperationTimeout></Header>"
		"<Body>%s</Body></Envelope>",
		action, uri, message_id, body);
	snprintf(out, size,
		 "POST /wsman HTTP/1.1\r\nHost: 12345678-1234-5678-1234-56789abcdef0:16992\r\n"
		 "Transfer-Encoding: chunked\r\n%s%s%s%s\r\n%x\r\n%s\r\n0\r\n\r\n",
		 keep_alive ? "" : "Connection: close\r\n",
		 auth ? "Authorization: " : "", auth ? auth : "",
		 auth ? "\r\n" : "", n, xml);
}

#define GET_ACTION "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
#define GS_URI "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings"
#define HBS_URI "http://intel.com/wbem/wscim/1/ips-schema/1/IPS_HostBasedSetupService"

/* Reads the nonce from a 401's WWW-Authenticate header. */
static bool challenge_nonce(const struct http_response *r, char nonce[64])
{
	const char *h = strstr(r->head, "WWW-Authenticate: Digest realm=\"");
	const char *n;

	if (!h || strncmp(h + 32, fw_state.digest_realm,
			  strlen(fw_state.digest_realm)))
		return false;
	n = strstr(h, "nonce=\"");
	if (!n || sscanf(n + 7, "%63[^\"]", nonce) != 1)
		return false;
	return strstr(h, "qop=\"auth\"") && strstr(h, "stale=\"false\"");
}

static void test_wsman_full_flow(void)
{
	static char request[16384];
	static struct http_response r;
	char nonce[64], ha1[33], admin_ha1[33], auth[1024], text[256];
	char setup_body[512];
	bool closed;

	reset_state(FW_SKU_AMT);
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}

	/* 1. No Authorization: 401 with a challenge in our realm. */
	make_wsman_request(request, sizeof(request), NULL, GET_ACTION, GS_URI,
			   "0", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 401);
	CHECK(closed);
	CHECK(challenge_nonce(&r, nonce));
	CHECK(strstr(r.head, "Connection: close\r\n") != NULL);

	/* 2. Local system account: 200 GeneralSettings, in small windows. */
	md5_hex(ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		fw_state.lsa_password);
	make_authorization(auth, sizeof(auth), fw_state.lsa_user, ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, GS_URI,
			   "1", "", false);
	if (!CHECK(wsman_exchange(request, 300, &r, &closed)))
		goto out;
	CHECK(r.status == 200);
	CHECK(closed);
	CHECK(strstr(r.head, "Content-Type: application/soap+xml; charset=UTF-8\r\n") != NULL);
	CHECK(wsman_element_text(r.body, "RelatesTo", text, sizeof(text)) == 0 &&
	      !strcmp(text, "1"));
	CHECK(wsman_element_text(r.body, "DigestRealm", text, sizeof(text)) == 0 &&
	      !strcmp(text, fw_state.digest_realm));
	CHECK(wsman_element_text(r.body, "InstanceID", text, sizeof(text)) == 0 &&
	      !strcmp(text, "Intel(r) AMT: General Settings"));
	CHECK(wsman_element_text(r.body, "Action", text, sizeof(text)) == 0 &&
	      !strcmp(text, "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse"));

	/* 3. Setup with md5("admin:" realm ":" password). */
	md5_hex(admin_ha1, "admin:%s:%s", fw_state.digest_realm, "P@ssw0rd-Test");
	snprintf(setup_body, sizeof(setup_body),
		 "<r:Setup_INPUT xmlns:r=\"%s\">"
		 "<r:NetAdminPassEncryptionType>2</r:NetAdminPassEncryptionType>"
		 "<r:NetworkAdminPassword>%s</r:NetworkAdminPassword>"
		 "</r:Setup_INPUT>", HBS_URI, admin_ha1);
	make_wsman_request(request, sizeof(request), auth, HBS_URI "/Setup",
			   HBS_URI, "2", setup_body, false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 200);
	CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
	      !strcmp(text, "0"));
	CHECK(fw_state.control_mode == 1);
	CHECK(fw_state.provisioning_state == 2);
	CHECK(!strcmp(fw_state.admin_digest, admin_ha1));

	/* 4. The local system account no longer works; admin does. */
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, GS_URI,
			   "3", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 401);
	make_authorization(auth, sizeof(auth), "admin", admin_ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, GS_URI,
			   "4", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 200);

	/* 5. A second Setup fails with Invalid State. */
	make_wsman_request(request, sizeof(request), auth, HBS_URI "/Setup",
			   HBS_URI, "5", setup_body, false);
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		CHECK(wsman_element_text(r.body, "ReturnValue", text,
					 sizeof(text)) == 0 &&
		      !strcmp(text, "2"));
	CHECK(!strcmp(fw_state.admin_digest, admin_ha1));

	/* Secrets never reach the log. */
	CHECK(strstr(fake_log, fw_state.lsa_password) == NULL);
	CHECK(strstr(fake_log, admin_ha1) == NULL);
out:
	CHECK(!lme_conn.disconnected);
	CHECK(lme_conn.oversized_sends == 0);
	lme_stop();
}

#define SCS_URI "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_SetupAndConfigurationService"

/* Builds an Unprovision request body with @mode as ProvisioningMode. */
static void unprovision_body(char *out, size_t size, const char *mode)
{
	snprintf(out, size,
		 "<h:Unprovision_INPUT xmlns:h=\"%s\">"
		 "<h:ProvisioningMode>%s</h:ProvisioningMode>"
		 "</h:Unprovision_INPUT>", SCS_URI, mode);
}

static void test_wsman_unprovision(void)
{
	static char request[16384];
	static struct http_response r;
	char nonce[64], ha1[33], admin_ha1[33], auth[1024], text[256];
	char body[512];
	bool closed;

	reset_state(FW_SKU_AMT);
	md5_hex(admin_ha1, "admin:%s:%s", fw_state.digest_realm, "P@ssw0rd-Test");
	memcpy(fw_state.admin_digest, admin_ha1, sizeof(admin_ha1));
	fw_state.control_mode = 1;
	fw_state.provisioning_state = 2;
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}
	make_wsman_request(request, sizeof(request), NULL, GET_ACTION, GS_URI,
			   "0", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)) ||
	    !CHECK(challenge_nonce(&r, nonce)))
		goto out;
	make_authorization(auth, sizeof(auth), "admin", admin_ha1,
			   fw_state.digest_realm, nonce, "/wsman");

	/* 1. ProvisioningMode other than 1 is rejected and changes nothing. */
	unprovision_body(body, sizeof(body), "2");
	make_wsman_request(request, sizeof(request), auth, SCS_URI "/Unprovision",
			   SCS_URI, "1", body, false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 200);
	CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
	      !strcmp(text, "36"));
	CHECK(fw_state.control_mode == 1);
	CHECK(!strcmp(fw_state.admin_digest, admin_ha1));

	/* 2. Unprovision(1) as admin: back to pre-provisioning. */
	unprovision_body(body, sizeof(body), "1");
	make_wsman_request(request, sizeof(request), auth, SCS_URI "/Unprovision",
			   SCS_URI, "2", body, false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 200);
	CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
	      !strcmp(text, "0"));
	CHECK(wsman_element_text(r.body, "Action", text, sizeof(text)) == 0 &&
	      !strcmp(text, SCS_URI "/UnprovisionResponse"));
	CHECK(wsman_element_text(r.body, "RelatesTo", text, sizeof(text)) == 0 &&
	      !strcmp(text, "2"));
	CHECK(fw_state.control_mode == 0);
	CHECK(fw_state.provisioning_state == 0);
	CHECK(fw_state.admin_digest[0] == '\0');

	/* 3. admin no longer works; the local system account does again. */
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, GS_URI,
			   "3", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 401);
	md5_hex(ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		fw_state.lsa_password);
	make_authorization(auth, sizeof(auth), fw_state.lsa_user, ha1,
			   fw_state.digest_realm, nonce, "/wsman");

	/* 4. A second Unprovision is not permitted in pre-provisioning. */
	make_wsman_request(request, sizeof(request), auth, SCS_URI "/Unprovision",
			   SCS_URI, "4", body, false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 200);
	CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
	      !strcmp(text, "16"));

	/* 5. Other actions on the service get a fault. */
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, SCS_URI,
			   "5", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		goto out;
	CHECK(r.status == 400);
	CHECK(strstr(r.body, "ActionNotSupported") != NULL);
	CHECK(strstr(fake_log, admin_ha1) == NULL);
out:
	CHECK(!lme_conn.disconnected);
	lme_stop();
}

static void test_wsman_faults(void)
{
	static char request[16384];
	static struct http_response r;
	char nonce[64], ha1[33], auth[1024], text[256];
	bool closed;

	reset_state(FW_SKU_AMT);
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}
	make_wsman_request(request, sizeof(request), NULL, GET_ACTION, GS_URI,
			   "0", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)) ||
	    !CHECK(challenge_nonce(&r, nonce)))
		goto out;
	md5_hex(ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		fw_state.lsa_password);
	make_authorization(auth, sizeof(auth), fw_state.lsa_user, ha1,
			   fw_state.digest_realm, nonce, "/wsman");

	make_wsman_request(request, sizeof(request), auth, GET_ACTION,
			   "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_NoSuchClass",
			   "7", "", false);
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed))) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "DestinationUnreachable") != NULL);
		CHECK(wsman_element_text(r.body, "RelatesTo", text,
					 sizeof(text)) == 0 && !strcmp(text, "7"));
	}

	make_wsman_request(request, sizeof(request), auth,
			   "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
			   GS_URI, "8", "", false);
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed))) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "ActionNotSupported") != NULL);
	}

	/* Setup with a bad password hash: Invalid Param, state unchanged. */
	make_wsman_request(request, sizeof(request), auth, HBS_URI "/Setup",
			   HBS_URI, "9",
			   "<r:Setup_INPUT><r:NetAdminPassEncryptionType>2</r:NetAdminPassEncryptionType>"
			   "<r:NetworkAdminPassword>short</r:NetworkAdminPassword></r:Setup_INPUT>",
			   false);
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		CHECK(wsman_element_text(r.body, "ReturnValue", text,
					 sizeof(text)) == 0 && !strcmp(text, "3"));
	CHECK(fw_state.provisioning_state == 0);
	CHECK(!fw_state.admin_digest[0]);

	/* Other methods and paths. */
	if (CHECK(wsman_exchange("GET /wsman HTTP/1.1\r\n\r\n", 1 << 20, &r,
				 &closed))) {
		CHECK(r.status == 405);
		CHECK(closed);
	}
	if (CHECK(wsman_exchange("POST /index.htm HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
				 1 << 20, &r, &closed)))
		CHECK(r.status == 404);
	if (CHECK(wsman_exchange("garbage\r\n\r\n", 1 << 20, &r, &closed))) {
		CHECK(r.status == 400);
		CHECK(closed);
	}
out:
	CHECK(!lme_conn.disconnected);
	lme_stop();
}

static void test_wsman_keep_alive_pipelined(void)
{
	static char request[32768];
	static char out[65536];
	size_t request_len, i, off, len, out_len = 0;
	unsigned int responses = 0, full_messages = 0;
	const char *p;
	uint32_t id;

	reset_state(FW_SKU_AMT);
	lme_start();
	if (!lme_handshake()) {
		lme_stop();
		return;
	}
	/*
	 * Sixteen keep-alive requests on a channel whose host window is 0:
	 * AMT must hold all sixteen 401s until the window opens, then split
	 * them over several LME messages, and keep the channel open.
	 */
	make_wsman_request(request, sizeof(request), NULL, GET_ACTION, GS_URI,
			   "0", "", true);
	request_len = strlen(request);
	for (i = 1; i < 16; i++)
		memcpy(request + i * request_len, request, request_len);
	request[16 * request_len] = '\0';
	len = 16 * request_len;

	id = lme_open(2000, 0);
	for (off = 0; off < len; off += 4000) {
		host_data(id, request + off, len - off > 4000 ? 4000 : len - off);
		for (i = 0; i < fake_sent_count; i++)
			CHECK(fake_sent[i].data[0] == 93);
		fake_clear_sent();
	}

	host_send_u32_pair(93, id, 1 << 20);
	for (i = 0; i < fake_sent_count; i++) {
		const uint8_t *m = fake_sent[i].data;
		uint32_t n = be32(m + 5);

		if (!CHECK(m[0] == 94))
			continue;
		CHECK(n + 9 == fake_sent[i].len);
		CHECK(n <= 0x1400 - 9);
		if (n == 0x1400 - 9)
			full_messages++;
		if (out_len + n < sizeof(out)) {
			memcpy(out + out_len, m + 9, n);
			out_len += n;
		}
	}
	out[out_len] = '\0';
	CHECK(full_messages >= 1);
	CHECK(!strncmp(out, "HTTP/1.1 401 Unauthorized\r\n", 27));
	for (p = out; (p = strstr(p, "HTTP/1.1 401 Unauthorized\r\n")); p++)
		responses++;
	CHECK(responses == 16);
	CHECK(strstr(out, "Connection: close") == NULL);
	CHECK(!lme_conn.disconnected);
	CHECK(lme_conn.oversized_sends == 0);
	lme_stop();
}

/* ---------- WS-Man configuration classes, called without LME ---------- */

#define ENUMERATE_ACTION "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
#define PULL_ACTION "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
#define PUT_ACTION "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"
#define DELETE_ACTION "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
#define AMT_NS "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define CIM_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
#define PORT_URI AMT_NS "AMT_EthernetPortSettings"
#define MPS_URI AMT_NS "AMT_ManagementPresenceRemoteSAP"
#define REMOTE_ACCESS_URI AMT_NS "AMT_RemoteAccessService"

static char store_auth[1024];

/* Puts the model in CCM with the admin password and fetches a nonce. */
static bool store_setup(void)
{
	static struct http_response r;
	static struct http_request req;
	struct http_buf out = { 0 };
	char ha1[33], nonce[64];
	bool close;
	bool ok;

	reset_state(FW_SKU_AMT);
	md5_hex(ha1, "admin:%s:%s", fw_state.digest_realm, "Admin-Passw0rd");
	memcpy(fw_state.admin_digest, ha1, sizeof(ha1));
	fw_state.control_mode = 1;
	fw_state.provisioning_state = 2;
	if (!CHECK(wsman_store_reset() == 0))
		return false;

	http_request_init(&req);
	http_request_feed(&req, (const uint8_t *)"POST /wsman HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 43);
	ok = CHECK(req.status == HTTP_COMPLETE) &&
	     CHECK(wsman_handle(&req, &out, &close) == 0) &&
	     CHECK(parse_response(out.data, out.len, &r)) &&
	     CHECK(r.status == 401) && CHECK(challenge_nonce(&r, nonce));
	http_request_free(&req);
	http_buf_free(&out);
	if (ok)
		make_authorization(store_auth, sizeof(store_auth), "admin", ha1,
				   fw_state.digest_realm, nonce, "/wsman");
	return ok;
}

/*
 * Sends one call as admin straight to wsman_handle(). @selector is
 * "Name=Value" or NULL; @body goes into the SOAP Body.
 */
static bool store_call(const char *action, const char *uri,
		       const char *selector, const char *body,
		       struct http_response *r)
{
	static char xml[16384], request[20000];
	char selector_xml[512] = "";
	static struct http_request req;
	struct http_buf out = { 0 };
	const char *eq = selector ? strchr(selector, '=') : NULL;
	bool close;
	size_t consumed;
	bool ok;
	int n;

	if (eq)
		snprintf(selector_xml, sizeof(selector_xml),
			 "<w:SelectorSet><w:Selector Name=\"%.*s\">%s</w:Selector></w:SelectorSet>",
			 (int)(eq - selector), selector, eq + 1);
	n = snprintf(xml, sizeof(xml),
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
		"<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\""
		" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
		" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
		"<Header><a:Action>%s</a:Action><a:To>/wsman</a:To>"
		"<w:ResourceURI>%s</w:ResourceURI><a:MessageID>42</a:MessageID>%s</Header>"
		"<Body>%s</Body></Envelope>", action, uri, selector_xml, body);
	snprintf(request, sizeof(request),
		 "POST /wsman HTTP/1.1\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n%s",
		 store_auth, n, xml);

	http_request_init(&req);
	consumed = http_request_feed(&req, (const uint8_t *)request, strlen(request));
	ok = CHECK(consumed == strlen(request)) && CHECK(req.status == HTTP_COMPLETE) &&
	     CHECK(wsman_handle(&req, &out, &close) == 0) &&
	     CHECK(parse_response(out.data, out.len, r));
	http_request_free(&req);
	http_buf_free(&out);
	return ok;
}

/* Enumerates @uri and pulls the items into @r. */
static bool store_enumerate(const char *uri, struct http_response *r)
{
	char context[64], body[256];

	if (!store_call(ENUMERATE_ACTION, uri, NULL,
			"<Enumerate xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\"/>", r) ||
	    !CHECK(r->status == 200) ||
	    !CHECK(wsman_element_text(r->body, "EnumerationContext", context,
				      sizeof(context)) == 0))
		return false;
	snprintf(body, sizeof(body),
		 "<Pull xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\">"
		 "<EnumerationContext>%s</EnumerationContext><MaxElements>999</MaxElements></Pull>",
		 context);
	return store_call(PULL_ACTION, uri, NULL, body, r) && CHECK(r->status == 200);
}

static unsigned int count_text(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

static void test_wsman_enumerate_pull(void)
{
	static struct http_response r;
	char text[128];

	if (!store_setup())
		return;
	if (store_enumerate(PORT_URI, &r)) {
		CHECK(count_text(r.body, "<g:AMT_EthernetPortSettings>") == 2);
		CHECK(strstr(r.body, "EndOfSequence") != NULL);
		CHECK(strstr(r.body, "02-00-86-00-00-01") != NULL);
		CHECK(wsman_element_text(r.body, "Action", text, sizeof(text)) == 0 &&
		      !strcmp(text, PULL_ACTION "Response"));
	}
	if (store_enumerate(CIM_NS "CIM_WiFiEndpointSettings", &r)) {
		CHECK(strstr(r.body, "<h:Items></h:Items>") != NULL);
		CHECK(strstr(r.body, "EndOfSequence") != NULL);
	}
	if (store_enumerate(AMT_NS "AMT_TLSSettingData", &r))
		CHECK(count_text(r.body, "<g:Enabled>false</g:Enabled>") == 2);

	/* A context is used once, and only for its own class. */
	CHECK(store_call(ENUMERATE_ACTION, PORT_URI, NULL, "", &r) && r.status == 200 &&
	      wsman_element_text(r.body, "EnumerationContext", text, sizeof(text)) == 0);
	{
		char body[256];

		snprintf(body, sizeof(body), "<Pull><EnumerationContext>%s</EnumerationContext></Pull>",
			 text);
		if (store_call(PULL_ACTION, AMT_NS "AMT_TLSSettingData", NULL, body, &r)) {
			CHECK(r.status == 400);
			CHECK(strstr(r.body, "InvalidEnumerationContext") != NULL);
		}
		CHECK(store_call(PULL_ACTION, PORT_URI, NULL, body, &r) && r.status == 200);
		if (store_call(PULL_ACTION, PORT_URI, NULL, body, &r))
			CHECK(r.status == 400);
	}
	if (store_call(PULL_ACTION, PORT_URI, NULL,
		       "<Pull><EnumerationContext>junk</EnumerationContext></Pull>", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "InvalidEnumerationContext") != NULL);
	}
}

static void test_wsman_get_put_selectors(void)
{
	static struct http_response r;
	char text[128];

	if (!store_setup())
		return;
	/* Two port instances: a Get without a selector is ambiguous. */
	if (store_call(GET_ACTION, PORT_URI, NULL, "", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "InvalidSelectors") != NULL);
	}
	if (store_call(GET_ACTION, PORT_URI,
		       "InstanceID=Intel(r) AMT Ethernet Port Settings 1", "", &r)) {
		CHECK(r.status == 200);
		CHECK(wsman_element_text(r.body, "PhysicalConnectionType", text,
					 sizeof(text)) == 0 && !strcmp(text, "3"));
	}
	if (store_call(GET_ACTION, PORT_URI, "InstanceID=nosuch", "", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "InvalidSelectors") != NULL);
	}

	if (store_call(PUT_ACTION, PORT_URI,
		       "InstanceID=Intel(r) AMT Ethernet Port Settings 0",
		       "<h:AMT_EthernetPortSettings xmlns:h=\"" PORT_URI "\">"
		       "<h:DHCPEnabled>true</h:DHCPEnabled><h:IpSyncEnabled>true</h:IpSyncEnabled>"
		       "<h:SharedStaticIp>false</h:SharedStaticIp><h:NoSuchProperty>1</h:NoSuchProperty>"
		       "</h:AMT_EthernetPortSettings>", &r)) {
		CHECK(r.status == 200);
		CHECK(wsman_element_text(r.body, "IpSyncEnabled", text, sizeof(text)) == 0 &&
		      !strcmp(text, "true"));
		CHECK(strstr(r.body, "NoSuchProperty") == NULL);
	}
	/* The Put is stored: a later Get returns it. */
	if (store_call(GET_ACTION, PORT_URI,
		       "InstanceID=Intel(r) AMT Ethernet Port Settings 0", "", &r))
		CHECK(wsman_element_text(r.body, "IpSyncEnabled", text, sizeof(text)) == 0 &&
		      !strcmp(text, "true"));
	if (store_call(PUT_ACTION, AMT_NS "IPS_NotAClass", NULL, "", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "DestinationUnreachable") != NULL);
	}
	if (store_call(PUT_ACTION, "http://intel.com/wbem/wscim/1/ips-schema/1/IPS_OptInService",
		       NULL, "<h:Other/>", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "InvalidRepresentation") != NULL);
	}
	/* Get on a class that only has methods. */
	if (store_call(GET_ACTION, REMOTE_ACCESS_URI, NULL, "", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "ActionNotSupported") != NULL);
	}
}

static void test_wsman_state_changes(void)
{
	static struct http_response r;
	char text[256];

	if (!store_setup())
		return;
	if (store_call(AMT_NS "AMT_RedirectionService/RequestStateChange",
		       AMT_NS "AMT_RedirectionService", NULL,
		       "<h:RequestStateChange_INPUT><h:RequestedState>32771</h:RequestedState>"
		       "</h:RequestStateChange_INPUT>", &r)) {
		CHECK(r.status == 200);
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "0"));
		CHECK(wsman_element_text(r.body, "Action", text, sizeof(text)) == 0 &&
		      strstr(text, "RequestStateChangeResponse"));
	}
	if (store_call(GET_ACTION, AMT_NS "AMT_RedirectionService", NULL, "", &r))
		CHECK(wsman_element_text(r.body, "EnabledState", text, sizeof(text)) == 0 &&
		      !strcmp(text, "32771"));
	if (store_call(CIM_NS "CIM_KVMRedirectionSAP/RequestStateChange",
		       CIM_NS "CIM_KVMRedirectionSAP", NULL,
		       "<h:RequestedState>32771</h:RequestedState>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "36"));
	if (store_call(CIM_NS "CIM_KVMRedirectionSAP/RequestStateChange",
		       CIM_NS "CIM_KVMRedirectionSAP", NULL, "", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "36"));
	if (store_call(CIM_NS "CIM_KVMRedirectionSAP/Explode",
		       CIM_NS "CIM_KVMRedirectionSAP", NULL, "", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "ActionNotSupported") != NULL);
	}
}

static void test_wsman_cira_methods(void)
{
	static struct http_response r;
	char text[256];

	if (!store_setup())
		return;
	/* A policy rule needs an MPS first. */
	if (store_call(REMOTE_ACCESS_URI "/AddRemoteAccessPolicyRule", REMOTE_ACCESS_URI,
		       NULL, "<h:Trigger>2</h:Trigger><h:TunnelLifeTime>0</h:TunnelLifeTime>"
		       "<h:MpServer><w:Selector Name=\"Name\">none</w:Selector></h:MpServer>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "36"));
	if (store_call(REMOTE_ACCESS_URI "/AddMpServer", REMOTE_ACCESS_URI, NULL,
		       "<h:AccessInfo>mps.test</h:AccessInfo><h:InfoFormat>201</h:InfoFormat>"
		       "<h:Port>70000</h:Port><h:AuthMethod>2</h:AuthMethod>"
		       "<h:Username>u</h:Username>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "36"));
	if (store_call(REMOTE_ACCESS_URI "/AddMpServer", REMOTE_ACCESS_URI, NULL,
		       "<h:AccessInfo>mps.test</h:AccessInfo><h:InfoFormat>201</h:InfoFormat>"
		       "<h:Port>4433</h:Port><h:AuthMethod>2</h:AuthMethod>"
		       "<h:Username>cirauser</h:Username><h:Password>secret-1</h:Password>"
		       "<h:CN>mps.test</h:CN>", &r)) {
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "0"));
		CHECK(strstr(r.body, "Management Presence Server 0") != NULL);
	}
	if (store_enumerate(MPS_URI, &r)) {
		CHECK(count_text(r.body, "<g:AMT_ManagementPresenceRemoteSAP>") == 1);
		CHECK(strstr(r.body, "<g:Port>4433</g:Port>") != NULL);
		CHECK(strstr(r.body, "secret-1") == NULL);
	}
	if (store_call(REMOTE_ACCESS_URI "/AddRemoteAccessPolicyRule", REMOTE_ACCESS_URI,
		       NULL, "<h:Trigger>2</h:Trigger><h:TunnelLifeTime>0</h:TunnelLifeTime>"
		       "<h:ExtendedData>AAAAAAAAABk=</h:ExtendedData>"
		       "<h:MpServer><w:Selector Name=\"Name\">Intel(r) AMT:Management Presence Server 0"
		       "</w:Selector></h:MpServer>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "0"));
	if (store_enumerate(AMT_NS "AMT_RemoteAccessPolicyRule", &r))
		CHECK(strstr(r.body, "<g:PolicyRuleName>Periodic</g:PolicyRuleName>") != NULL);

	if (store_call(AMT_NS "AMT_PublicKeyManagementService/AddTrustedRootCertificate",
		       AMT_NS "AMT_PublicKeyManagementService", NULL,
		       "<h:CertificateBlob>not base64!</h:CertificateBlob>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "36"));
	if (store_call(AMT_NS "AMT_PublicKeyManagementService/AddTrustedRootCertificate",
		       AMT_NS "AMT_PublicKeyManagementService", NULL,
		       "<h:CertificateBlob>MIIBAA==</h:CertificateBlob>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "0"));
	if (store_enumerate(AMT_NS "AMT_PublicKeyCertificate", &r))
		CHECK(strstr(r.body, "<g:TrustedRootCertficate>true</g:TrustedRootCertficate>") != NULL);

	if (store_call(AMT_NS "AMT_UserInitiatedConnectionService/RequestStateChange",
		       AMT_NS "AMT_UserInitiatedConnectionService", NULL,
		       "<h:RequestedState>32771</h:RequestedState>", &r))
		CHECK(wsman_element_text(r.body, "ReturnValue", text, sizeof(text)) == 0 &&
		      !strcmp(text, "0"));

	/* Delete removes the MPS; a second Delete finds nothing. */
	if (store_call(DELETE_ACTION, MPS_URI,
		       "Name=Intel(r) AMT:Management Presence Server 0", "", &r))
		CHECK(r.status == 200);
	if (store_call(DELETE_ACTION, MPS_URI,
		       "Name=Intel(r) AMT:Management Presence Server 0", "", &r)) {
		CHECK(r.status == 400);
		CHECK(strstr(r.body, "InvalidSelectors") != NULL);
	}

	/* Setup resets the store to a freshly activated AMT. */
	CHECK(wsman_store_reset() == 0);
	if (store_enumerate(AMT_NS "AMT_RemoteAccessPolicyRule", &r))
		CHECK(strstr(r.body, "<h:Items></h:Items>") != NULL);
}

/* --------------------------------- faults ---------------------------------- */

/* Applies @text with errors going to a scratch stream. */
static int fault_apply(const char *text)
{
	FILE *err = tmpfile();
	int ret;

	if (!err)
		return -2;
	ret = fw_fault_apply(text, err);
	fclose(err);
	return ret;
}

static void test_fault_parsing(void)
{
	fw_fault_clear();
	CHECK(fault_apply("delay=250") == 0);
	CHECK(fw_faults.reply_delay_ms == 250);
	CHECK(fault_apply("window=0") == 0);
	CHECK(fw_faults.window_set);
	CHECK(fw_faults.window == 0);
	CHECK(fault_apply("open-failure=4") == 0);
	CHECK(fw_faults.open_failure == 4);
	CHECK(fault_apply("tls-only") == 0);
	CHECK(fw_faults.tls_only);
	CHECK(fault_apply("setup-reply=drop") == 0);
	CHECK(fw_faults.setup_reply == FW_SETUP_REPLY_DROP);
	CHECK(fault_apply("setup-reply=no-return-value") == 0);
	CHECK(fw_faults.setup_reply == FW_SETUP_REPLY_NO_RETURN_VALUE);
	CHECK(fault_apply("setup-reply=normal") == 0);
	CHECK(fw_faults.setup_reply == FW_SETUP_REPLY_NORMAL);
	CHECK(fault_apply("settle-ms=1500") == 0);
	CHECK(fw_faults.settle_ms == 1500);
	CHECK(fault_apply("reject-lsa-auth") == 0);
	CHECK(fw_faults.reject_lsa_auth);
	CHECK(fault_apply("reset=3") == 0);
	CHECK(fw_faults.action == FW_ACTION_RESET);
	CHECK(fw_faults.action_at == 3);

	CHECK(fault_apply("bogus") == -1);
	CHECK(fault_apply("delay") == -1);
	CHECK(fault_apply("delay=-1") == -1);
	CHECK(fault_apply("delay=600001") == -1);
	CHECK(fault_apply("window=4294967296") == -1);
	CHECK(fault_apply("open-failure=0") == -1);
	CHECK(fault_apply("tls-only=1") == -1);
	CHECK(fault_apply("=1") == -1);
	CHECK(fault_apply("setup-reply") == -1);
	CHECK(fault_apply("setup-reply=") == -1);
	CHECK(fault_apply("setup-reply=lost") == -1);
	CHECK(fw_faults.setup_reply == FW_SETUP_REPLY_NORMAL);
	CHECK(fault_apply("settle-ms") == -1);
	CHECK(fault_apply("settle-ms=600001") == -1);
	CHECK(fault_apply("settle-ms=5s") == -1);
	CHECK(fw_faults.settle_ms == 1500);
	CHECK(fault_apply("reject-lsa-auth=1") == -1);
	/* No LME link exists, so an action cannot run at once. */
	CHECK(fault_apply("keepalive") == -1);
	CHECK(fault_apply("amthi-reply=garbage") == 0);
	CHECK(fw_faults.amthi_reply == FW_AMTHI_REPLY_GARBAGE);
	CHECK(fault_apply("amthi-reply=truncated") == 0);
	CHECK(fw_faults.amthi_reply == FW_AMTHI_REPLY_TRUNCATED);
	CHECK(fault_apply("amthi-reply=long-string") == 0);
	CHECK(fw_faults.amthi_reply == FW_AMTHI_REPLY_LONG_STRING);
	CHECK(fault_apply("amthi-reply") == -1);
	CHECK(fault_apply("amthi-reply=") == -1);
	CHECK(fault_apply("amthi-reply=short") == -1);
	CHECK(fw_faults.amthi_reply == FW_AMTHI_REPLY_LONG_STRING);
	CHECK(fault_apply("amthi-reply=normal") == 0);
	CHECK(fw_faults.amthi_reply == FW_AMTHI_REPLY_NORMAL);
	CHECK(fault_apply("amthi-reply=huge-count") == 0);
	fw_fault_clear();
	CHECK(fw_faults.amthi_reply == FW_AMTHI_REPLY_NORMAL);
	CHECK(fw_faults.action == FW_ACTION_NONE);
	CHECK(!fw_faults.tls_only);
	CHECK(fw_faults.setup_reply == FW_SETUP_REPLY_NORMAL);
	CHECK(fw_faults.settle_ms == 0);
	CHECK(!fw_faults.reject_lsa_auth);
}

static void test_fault_open_failure_and_window(void)
{
	uint8_t data[101] = { 0 };
	const uint8_t *p;
	uint32_t id;

	fw_fault_clear();
	lme_start();
	CHECK(lme_handshake());
	CHECK(fault_apply("open-failure=1") == 0);
	fake_clear_sent();
	host_open("forwarded-tcpip", 5, 4096, 16992);
	CHECK(fake_sent_count == 1);
	p = fake_sent[0].data;
	CHECK(p[0] == 92);
	CHECK(be32(p + 1) == 5);
	CHECK(be32(p + 5) == 1);

	fw_fault_clear();
	CHECK(fault_apply("window=100") == 0);
	fake_clear_sent();
	host_open("forwarded-tcpip", 6, 4096, 16992);
	CHECK(fake_sent_count == 1);
	p = fake_sent[0].data;
	CHECK(p[0] == 91);
	CHECK(be32(p + 9) == 100);
	CHECK(fw_counters.open_channels == 1);
	id = be32(p + 5);

	/* One byte beyond the window ends the link. */
	fake_clear_sent();
	host_data(id, data, sizeof(data));
	CHECK(fw_counters.window_violations == 1);
	CHECK(sent_is_disconnect(0, 2));
	CHECK(fw_counters.open_channels == 0);
	lme_stop();
	fw_fault_clear();
}

static void test_fault_delay_timer(void)
{
	struct timespec pause = { 0, 60 * 1000 * 1000 };

	fw_fault_clear();
	lme_start();
	CHECK(lme_handshake());
	CHECK(fault_apply("delay=50") == 0);
	fake_clear_sent();
	host_open("forwarded-tcpip", 7, 4096, 16992);
	CHECK(fake_sent_count == 0);
	CHECK(lme_timer_ms() > 0);
	CHECK(lme_timer_ms() <= 50);
	nanosleep(&pause, NULL);
	CHECK(lme_timer_ms() == 0);
	lme_run_timers();
	CHECK(fake_sent_count == 1);
	CHECK(fake_sent_count == 1 && fake_sent[0].data[0] == 91);
	CHECK(lme_timer_ms() == -1);
	lme_stop();
	fw_fault_clear();
}

static void test_fault_keepalive_cookie(void)
{
	uint32_t cookie;

	fw_fault_clear();
	lme_start();
	CHECK(lme_handshake());
	fake_clear_sent();
	CHECK(lme_run_action(FW_ACTION_KEEPALIVE) == 0);
	CHECK(fake_sent_count == 1);
	CHECK(fake_sent[0].len == 5 && fake_sent[0].data[0] == 208);
	cookie = be32(fake_sent[0].data + 1);
	host_send_u32(209, cookie);
	CHECK(fw_counters.keepalive_ok == 1);

	CHECK(lme_run_action(FW_ACTION_KEEPALIVE) == 0);
	host_send_u32(209, cookie);
	CHECK(fw_counters.keepalive_bad == 1);
	CHECK(!lme_conn.disconnected);
	lme_stop();
	fw_fault_clear();
}

static void test_fault_direct_open_reply(void)
{
	fw_fault_clear();
	lme_start();
	CHECK(lme_handshake());
	fake_clear_sent();
	CHECK(lme_run_action(FW_ACTION_DIRECT_OPEN) == 0);
	CHECK(fake_sent_count == 1 && fake_sent[0].data[0] == 90);
	host_send_u32_pair(92, 0x100, 1);
	CHECK(fw_counters.direct_open_rejected == 1);
	CHECK(fw_counters.direct_open_reason == 1);
	CHECK(!lme_conn.disconnected);
	lme_stop();
	fw_fault_clear();
}

static void test_fault_action_at_message(void)
{
	fw_fault_clear();
	lme_start();
	CHECK(lme_handshake());
	CHECK(fault_apply("reset=2") == 0);
	host_send_u32(208, 1);
	CHECK(!fw_fault_take_reset());
	host_send_u32(208, 2);
	CHECK(fw_fault_take_reset());
	CHECK(!fw_fault_take_reset());
	CHECK(fw_faults.action == FW_ACTION_NONE);
	lme_stop();
	fw_fault_clear();
}

static void test_fault_tls_only_ports(void)
{
	struct apf_out m = { .len = 0 };
	unsigned int i;

	fw_fault_clear();
	CHECK(fault_apply("tls-only") == 0);
	lme_start();
	host_send_version(1, 0);
	fake_clear_sent();
	out_u8(&m, 6);
	out_str(&m, "pfwd@amt.intel.com");
	host_send(&m);
	CHECK(fake_sent_count == 2);
	for (i = 0; i < fake_sent_count && i < 2; i++)
		CHECK(be32(fake_sent[i].data + fake_sent[i].len - 4) ==
		      (i == 0 ? 16993u : 664u));
	lme_stop();
	fw_fault_clear();
}

/* Gets a nonce with an unauthenticated request; builds the LSA's header. */
static bool lsa_authorization(char *auth, size_t size)
{
	static char request[16384];
	static struct http_response r;
	char nonce[64], ha1[33];
	bool closed;

	make_wsman_request(request, sizeof(request), NULL, GET_ACTION, GS_URI,
			   "0", "", false);
	if (!CHECK(wsman_exchange(request, 1 << 20, &r, &closed)) ||
	    !CHECK(challenge_nonce(&r, nonce)))
		return false;
	md5_hex(ha1, "%s:%s:%s", fw_state.lsa_user, fw_state.digest_realm,
		fw_state.lsa_password);
	make_authorization(auth, size, fw_state.lsa_user, ha1,
			   fw_state.digest_realm, nonce, "/wsman");
	return true;
}

/*
 * Resets the firmware and its faults, starts LME and builds the local
 * system account's Authorization header. Returns false on a failed check.
 */
static bool start_lsa_session(char *auth, size_t size)
{
	reset_state(FW_SKU_AMT);
	fw_fault_clear();
	lme_start();
	return lme_handshake() && lsa_authorization(auth, size);
}

static void end_lsa_session(void)
{
	CHECK(!lme_conn.disconnected);
	lme_stop();
	fw_fault_clear();
}

/* Builds a valid Setup request for the admin password "P@ssw0rd-Test". */
static void make_setup_request(char *request, size_t size, const char *auth,
			       const char *message_id)
{
	char admin_ha1[33], body[512];

	md5_hex(admin_ha1, "admin:%s:%s", fw_state.digest_realm, "P@ssw0rd-Test");
	snprintf(body, sizeof(body),
		 "<r:Setup_INPUT xmlns:r=\"%s\">"
		 "<r:NetAdminPassEncryptionType>2</r:NetAdminPassEncryptionType>"
		 "<r:NetworkAdminPassword>%s</r:NetworkAdminPassword>"
		 "</r:Setup_INPUT>", HBS_URI, admin_ha1);
	make_wsman_request(request, size, auth, HBS_URI "/Setup", HBS_URI,
			   message_id, body, false);
}

static void test_fault_setup_reply_drop(void)
{
	static char request[16384];
	static struct http_response r;
	char auth[1024];
	bool closed;

	if (!start_lsa_session(auth, sizeof(auth)))
		goto out;
	CHECK(fault_apply("setup-reply=drop") == 0);
	make_setup_request(request, sizeof(request), auth, "1");
	/* No reply bytes and no CHANNEL_CLOSE: the host has to time out. */
	CHECK(!wsman_exchange(request, 1 << 20, &r, &closed));
	CHECK(!closed);
	CHECK(fw_state.control_mode == 1);
	CHECK(fw_state.provisioning_state == 2);
	CHECK(fw_state.admin_digest[0] != '\0');
out:
	end_lsa_session();
}

static void test_fault_setup_reply_no_return_value(void)
{
	static char request[16384];
	static struct http_response r;
	char auth[1024], text[64];
	bool closed;

	if (!start_lsa_session(auth, sizeof(auth)))
		goto out;
	CHECK(fault_apply("setup-reply=no-return-value") == 0);
	make_setup_request(request, sizeof(request), auth, "1");
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed))) {
		CHECK(r.status == 200);
		CHECK(closed);
		CHECK(strstr(r.body, "Setup_OUTPUT") != NULL);
		CHECK(wsman_element_text(r.body, "ReturnValue", text,
					 sizeof(text)) == -1);
	}
	CHECK(fw_state.control_mode == 0);
	CHECK(fw_state.provisioning_state == 0);
	CHECK(fw_state.admin_digest[0] == '\0');
out:
	end_lsa_session();
}

static void test_fault_reject_lsa_auth(void)
{
	static char request[16384];
	static struct http_response r;
	char auth[1024];
	bool closed;

	if (!start_lsa_session(auth, sizeof(auth)))
		goto out;
	CHECK(fault_apply("reject-lsa-auth") == 0);
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, GS_URI,
			   "1", "", false);
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		CHECK(r.status == 401);
	make_setup_request(request, sizeof(request), auth, "2");
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		CHECK(r.status == 401);
	CHECK(fw_state.provisioning_state == 0);

	/* The same credentials work again once the knob is cleared. */
	fw_fault_clear();
	make_wsman_request(request, sizeof(request), auth, GET_ACTION, GS_URI,
			   "3", "", false);
	if (CHECK(wsman_exchange(request, 1 << 20, &r, &closed)))
		CHECK(r.status == 200);
out:
	end_lsa_session();
}

/* Sends @command with amthi-reply=@mode set and returns the one reply. */
static const struct fake_msg *amthi_faulty_call(const char *mode,
						uint32_t command)
{
	char knob[64];

	snprintf(knob, sizeof(knob), "amthi-reply=%s", mode);
	fw_fault_clear();
	if (!CHECK(fault_apply(knob) == 0))
		return NULL;
	return amthi_call(command, NULL, 0);
}

static void test_fault_amthi_reply_header_modes(void)
{
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);

	m = amthi_faulty_call("truncated", 0x0400006B);
	if (m)
		CHECK(m->len == 8);

	m = amthi_faulty_call("short-payload", 0x0400006B);
	if (m && CHECK(m->len == 16)) {
		CHECK(le32(m->data + 4) == (0x0400006Bu | 0x00800000u));
		CHECK(le32(m->data + 8) == 8);
	}

	m = amthi_faulty_call("wrong-command", 0x0400006B);
	if (m && CHECK(m->len == 20)) {
		CHECK(le32(m->data + 4) == (0x04000011u | 0x00800000u));
		CHECK(le32(m->data + 8) == 8);
	}
	m = amthi_faulty_call("wrong-command", 0x04000011);
	if (m && CHECK(m->len == 20))
		CHECK(le32(m->data + 4) == (0x0400001Au | 0x00800000u));

	m = amthi_faulty_call("no-response-bit", 0x0400006B);
	if (m && CHECK(m->len == 20))
		CHECK(le32(m->data + 4) == 0x0400006Bu);

	fw_fault_clear();
}

static void test_fault_amthi_reply_payload_modes(void)
{
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);

	m = amthi_faulty_call("huge-count", 0x0400001A);
	if (amthi_reply_status(m, 0x0400001A) == 0 && CHECK(m->len > 85))
		CHECK(le32(m->data + 16 + 65) == 5000);
	/* Other commands keep their reply. */
	m = amthi_faulty_call("huge-count", 0x0400006B);
	CHECK(amthi_reply_status(m, 0x0400006B) == 0);

	m = amthi_faulty_call("long-string", 0x04000036);
	if (amthi_reply_status(m, 0x04000036) == 0 && CHECK(m->len >= 18))
		CHECK(le16(m->data + 16) == m->len - 18 + 64);
	m = amthi_faulty_call("long-string", 0x0400001A);
	if (amthi_reply_status(m, 0x0400001A) == 0)
		CHECK(le32(m->data + 16 + 65) == 11);

	fw_fault_clear();
}

static void test_fault_amthi_reply_garbage(void)
{
	uint8_t first[0x1400];
	size_t first_len = 0;
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);

	m = amthi_faulty_call("garbage", 0x0400006B);
	if (m && CHECK(m->len >= 1 && m->len <= 0x1400)) {
		first_len = m->len;
		memcpy(first, m->data, m->len);
	}
	m = amthi_call(0x0400006B, NULL, 0);
	if (m)
		CHECK(m->len != first_len ||
		      memcmp(m->data, first, first_len) != 0);

	/* Setting the mode again restarts the same byte sequence. */
	m = amthi_faulty_call("garbage", 0x0400006B);
	if (m && CHECK(m->len == first_len))
		CHECK(!memcmp(m->data, first, first_len));

	fw_fault_clear();
	m = amthi_call(0x0400006B, NULL, 0);
	CHECK(amthi_reply_status(m, 0x0400006B) == 0);
}

static void test_fault_settle_after_unprovision(void)
{
	struct timespec wait = { 0, 120 * 1000000L };
	uint8_t mode[4] = { 0 };
	const struct fake_msg *m;

	reset_state(FW_SKU_AMT);
	fw_fault_clear();
	fw_state.control_mode = 1;
	fw_state.provisioning_state = 2;
	CHECK(fault_apply("settle-ms=100") == 0);

	/* Before any Unprovision the firmware is ready. */
	m = amthi_call(0x0400006B, NULL, 0);
	CHECK(amthi_reply_status(m, 0x0400006B) == 0);

	m = amthi_call(0x04000010, mode, 4);
	CHECK(amthi_reply_status(m, 0x04000010) == 0);
	m = amthi_call(0x0400001A, NULL, 0);
	CHECK(amthi_reply_status(m, 0x0400001A) == 2);
	m = amthi_call(0x0400006B, NULL, 0);
	CHECK(amthi_reply_status(m, 0x0400006B) == 2);
	/* A malformed request still gets its own status. */
	m = amthi_call(0x04000010, NULL, 0);
	CHECK(amthi_reply_status(m, 0x04000010) == 4);

	nanosleep(&wait, NULL);
	m = amthi_call(0x0400006B, NULL, 0);
	if (amthi_reply_status(m, 0x0400006B) == 0 && CHECK(m->len == 20))
		CHECK(le32(m->data + 16) == 0);
	fw_fault_clear();
}

int main(void)
{
	fake_conn_init(&amthi_conn, &fw_amthi_client);

	run_test("amthi client identity", test_amthi_client_identity);
	run_test("amthi code versions amt", test_amthi_code_versions_amt);
	run_test("amthi code versions ism", test_amthi_code_versions_ism);
	run_test("amthi state queries", test_amthi_state_queries);
	run_test("amthi local system account", test_amthi_local_system_account);
	run_test("amthi cert hashes", test_amthi_cert_hashes);
	run_test("amthi lan settings", test_amthi_lan_settings);
	run_test("amthi unprovision", test_amthi_unprovision);
	run_test("amthi malformed requests", test_amthi_malformed_requests);
	run_test("http content length pipelined", test_http_content_length_pipelined);
	run_test("http chunked byte by byte", test_http_chunked_byte_by_byte);
	run_test("http oversized head and body", test_http_oversized);
	run_test("http malformed requests", test_http_malformed);
	run_test("digest accepts lsa", test_digest_accepts_lsa);
	run_test("digest rejects bad input", test_digest_rejects_bad_input);
	run_test("wsman element text", test_wsman_element_text);
	run_test("lme client identity", test_lme_client_identity);
	run_test("apf handshake", test_apf_handshake);
	run_test("apf version not supported", test_apf_version_not_supported);
	run_test("apf out of order", test_apf_out_of_order);
	run_test("apf channel refusals and limit", test_apf_channel_refusals);
	run_test("apf keepalive", test_apf_keepalive);
	run_test("apf data over window", test_apf_data_over_window);
	run_test("apf window adjust on consume", test_apf_window_adjust_on_consume);
	run_test("fault parsing", test_fault_parsing);
	run_test("fault open failure and window", test_fault_open_failure_and_window);
	run_test("fault delay timer", test_fault_delay_timer);
	run_test("fault keepalive cookie", test_fault_keepalive_cookie);
	run_test("fault direct open reply", test_fault_direct_open_reply);
	run_test("fault action at message", test_fault_action_at_message);
	run_test("fault tls only ports", test_fault_tls_only_ports);
	run_test("fault setup reply drop", test_fault_setup_reply_drop);
	run_test("fault setup reply no return value",
		 test_fault_setup_reply_no_return_value);
	run_test("fault reject lsa auth", test_fault_reject_lsa_auth);
	run_test("fault amthi reply header modes",
		 test_fault_amthi_reply_header_modes);
	run_test("fault amthi reply payload modes",
		 test_fault_amthi_reply_payload_modes);
	run_test("fault amthi reply garbage", test_fault_amthi_reply_garbage);
	run_test("fault settle after unprovision",
		 test_fault_settle_after_unprovision);
	run_test("wsman full ccm flow", test_wsman_full_flow);
	run_test("wsman unprovision", test_wsman_unprovision);
	run_test("wsman faults", test_wsman_faults);
	run_test("wsman keep alive pipelined", test_wsman_keep_alive_pipelined);
	run_test("wsman enumerate and pull", test_wsman_enumerate_pull);
	run_test("wsman get put selectors", test_wsman_get_put_selectors);
	run_test("wsman state changes", test_wsman_state_changes);
	run_test("wsman cira methods", test_wsman_cira_methods);

	printf("1..%u\n", tests_run);
	printf("%u passed, %u failed\n", tests_run - tests_failed, tests_failed);
	return tests_failed ? 1 : 0;
}
