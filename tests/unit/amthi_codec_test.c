// SPDX-License-Identifier: MIT
/*
 * Host unit test of kernel/amthi_codec.c. Replies are built byte by byte
 * here, independently of the codec. Every payload parser is run on a
 * valid reply and on truncated, wrong-command, wrong-version, bad-length
 * and oversize-count variants. Prints TAP and exits 1 on any failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/amthi_codec.h"

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

/* A reply or payload assembled by hand, little-endian like AMTHI. */
struct builder {
	uint8_t buf[AMTHI_MAX_MSG_LEN + 64];
	size_t len;
};

static void put_u8(struct builder *b, uint8_t v)
{
	b->buf[b->len++] = v;
}

static void put_u16(struct builder *b, uint16_t v)
{
	put_u8(b, v & 0xff);
	put_u8(b, v >> 8);
}

static void put_u32(struct builder *b, uint32_t v)
{
	put_u16(b, v & 0xffff);
	put_u16(b, v >> 16);
}

static void put_bytes(struct builder *b, const void *p, size_t n)
{
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_zeros(struct builder *b, size_t n)
{
	memset(b->buf + b->len, 0, n);
	b->len += n;
}

/* Writes @s into a fixed field of @field bytes, zero padded. */
static void put_field(struct builder *b, const char *s, size_t field)
{
	size_t n = strlen(s);

	put_bytes(b, s, n);
	put_zeros(b, field - n);
}

/* Wraps @payload in a response header for @command with status 0. */
static void build_reply(struct builder *reply, uint32_t command,
			const struct builder *payload)
{
	reply->len = 0;
	put_u8(reply, 1);
	put_u8(reply, 1);
	put_u16(reply, 0);
	put_u32(reply, command | AMTHI_RESPONSE_BIT);
	put_u32(reply, 4 + payload->len);
	put_u32(reply, AMTHI_STATUS_SUCCESS);
	put_bytes(reply, payload->buf, payload->len);
}

static void put_version_entry(struct builder *b, const char *name,
			      const char *value)
{
	put_u16(b, strlen(name));
	put_field(b, name, AMTHI_CODE_VERSION_LEN);
	put_u16(b, strlen(value));
	put_field(b, value, AMTHI_CODE_VERSION_LEN);
}

/* GetCodeVersions payload of an AMT 16 firmware with @sku. */
static void build_code_versions(struct builder *b, const char *sku)
{
	b->len = 0;
	put_field(b, "ADLPFWI1.R00.3221.D83.2206171506", AMTHI_BIOS_VERSION_LEN);
	put_u32(b, 5);
	put_version_entry(b, "Flash", "16.1.25");
	put_version_entry(b, "Netstack", "16.1.25");
	put_version_entry(b, "AMT", "16.1.25");
	put_version_entry(b, "Build Number", "2049");
	put_version_entry(b, "Sku", sku);
}

static const uint8_t uuid_wire[16] = {
	0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static void build_lan_settings(struct builder *b)
{
	static const uint8_t mac[6] = { 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc };

	b->len = 0;
	put_u32(b, 1);
	put_u32(b, 0xC0A80001);
	put_u32(b, 1);
	put_u8(b, 2);
	put_u8(b, 1);
	put_bytes(b, mac, sizeof(mac));
}

static void build_ras_status(struct builder *b, uint16_t name_len)
{
	b->len = 0;
	put_u32(b, 1);
	put_u32(b, 2);
	put_u32(b, 3);
	put_u16(b, name_len);
	put_bytes(b, "mps.example.test", strlen("mps.example.test"));
}

static void build_cert_hash(struct builder *b, uint16_t name_len)
{
	uint8_t hash[AMTHI_HASH_MAX_LEN];
	size_t i;

	for (i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)i;
	b->len = 0;
	put_u32(b, 1);
	put_u32(b, 0);
	put_bytes(b, hash, sizeof(hash));
	put_u8(b, 2);
	put_u16(b, name_len);
	put_bytes(b, "Test Root CA", strlen("Test Root CA"));
}

static void build_hash_handles(struct builder *b, uint32_t count)
{
	uint32_t i;

	b->len = 0;
	put_u32(b, count);
	for (i = 0; i < count && i < 40; i++)
		put_u32(b, 0x100 + i);
}

static void build_string16(struct builder *b, const char *s)
{
	b->len = 0;
	put_u16(b, strlen(s));
	put_bytes(b, s, strlen(s));
}

/* Runs the payload parser of one command; returns its result. */
typedef int (*parse_fn)(const uint8_t *p, size_t len);

static int parse_versions(const uint8_t *p, size_t len)
{
	struct amthi_code_versions v;

	return amthi_parse_code_versions(p, len, &v);
}

static int parse_u32(const uint8_t *p, size_t len)
{
	uint32_t v;

	return amthi_parse_u32(p, len, &v);
}

static int parse_uuid(const uint8_t *p, size_t len)
{
	char s[AMTHI_UUID_STR_LEN + 1];

	return amthi_parse_uuid(p, len, s);
}

static int parse_suffix(const uint8_t *p, size_t len)
{
	char s[256];
	int ret = amthi_parse_string16(p, len, s, sizeof(s));

	return ret < 0 ? ret : 0;
}

static int parse_account(const uint8_t *p, size_t len)
{
	struct amthi_local_account a;

	return amthi_parse_local_account(p, len, &a);
}

static int parse_lan(const uint8_t *p, size_t len)
{
	struct amthi_lan_settings l;

	return amthi_parse_lan_settings(p, len, &l);
}

static int parse_ras(const uint8_t *p, size_t len)
{
	struct amthi_ras_status r;

	return amthi_parse_ras_status(p, len, &r);
}

static int parse_handles(const uint8_t *p, size_t len)
{
	uint32_t handles[AMTHI_MAX_HASH_HANDLES];
	uint32_t count;

	return amthi_parse_hash_handles(p, len, handles,
					AMTHI_MAX_HASH_HANDLES, &count);
}

static int parse_cert(const uint8_t *p, size_t len)
{
	struct amthi_cert_hash h;

	return amthi_parse_cert_hash(p, len, &h);
}

struct command_case {
	const char *name;
	uint32_t command;
	parse_fn parse;
	struct builder payload;
};

/* Parses @reply as a reply to @command, then its payload. */
static int parse_reply(const struct command_case *c, const uint8_t *reply,
		       size_t len)
{
	const uint8_t *payload;
	size_t payload_len;
	uint32_t status;
	int ret;

	ret = amthi_parse_response(reply, len, c->command, &status, &payload,
				   &payload_len);
	if (ret)
		return ret;
	if (status != AMTHI_STATUS_SUCCESS)
		return -EIO;
	return c->parse(payload, payload_len);
}

/*
 * For one command: the valid reply parses, and every malformed variant of
 * it is rejected with -EPROTO.
 */
static void test_command_replies(const struct command_case *c)
{
	struct builder reply, bad;
	size_t cut;
	bool all_rejected = true;
	size_t first_accepted = 0;

	build_reply(&reply, c->command, &c->payload);
	check(parse_reply(c, reply.buf, reply.len) == 0, "%s valid reply",
	      c->name);

	bad = reply;
	bad.buf[4] ^= 0x01;	/* another command, same response bit */
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s wrong command", c->name);

	bad = reply;
	bad.buf[6] &= (uint8_t)~0x80;	/* response bit cleared */
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s request bit pattern", c->name);

	bad = reply;
	bad.buf[0] = 2;
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s wrong major version", c->name);

	bad = reply;
	bad.buf[1] = 0;
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s wrong minor version", c->name);

	bad = reply;
	bad.buf[8]++;	/* header length one byte too long */
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s header length too long", c->name);

	bad = reply;
	bad.buf[8]--;
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s header length too short", c->name);

	bad = reply;
	bad.buf[bad.len++] = 0;	/* one byte more than the header says */
	check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
	      "%s trailing byte after reply", c->name);

	/* Cut the reply short, leaving the header's length as it was. */
	for (cut = 0; cut < reply.len; cut++) {
		if (parse_reply(c, reply.buf, cut) != -EPROTO) {
			all_rejected = false;
			first_accepted = cut;
			break;
		}
	}
	check(all_rejected, "%s every truncation rejected (first accepted %zu)",
	      c->name, first_accepted);

	/* Cut the payload short with a consistent header length. */
	if (c->payload.len > 0) {
		struct builder shorter = c->payload;

		shorter.len--;
		build_reply(&bad, c->command, &shorter);
		check(parse_reply(c, bad.buf, bad.len) == -EPROTO,
		      "%s truncated payload", c->name);
	}
}

/* Fills in @c and returns its empty payload for the caller to build. */
static struct builder *add_case(struct command_case *c, const char *name,
				uint32_t command, parse_fn parse)
{
	c->name = name;
	c->command = command;
	c->parse = parse;
	c->payload.len = 0;
	return &c->payload;
}

static void test_all_commands(void)
{
	static struct command_case cases[9];
	struct builder *b;
	size_t n = 0, i;

	b = add_case(&cases[n++], "GetCodeVersions",
		     AMTHI_CMD_GET_CODE_VERSIONS, parse_versions);
	build_code_versions(b, "16392");

	b = add_case(&cases[n++], "GetControlMode",
		     AMTHI_CMD_GET_CONTROL_MODE, parse_u32);
	put_u32(b, 1);

	b = add_case(&cases[n++], "GetUUID", AMTHI_CMD_GET_UUID, parse_uuid);
	put_bytes(b, uuid_wire, sizeof(uuid_wire));

	b = add_case(&cases[n++], "GetPKIFQDNSuffix",
		     AMTHI_CMD_GET_PKI_FQDN_SUFFIX, parse_suffix);
	build_string16(b, "corp.example.test");

	b = add_case(&cases[n++], "GetLocalSystemAccount",
		     AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT, parse_account);
	put_field(b, "$$OsAdmin", AMTHI_ACCOUNT_FIELD_LEN);
	put_field(b, "Pa55word-Pa55word", AMTHI_ACCOUNT_FIELD_LEN);

	b = add_case(&cases[n++], "GetLANInterfaceSettings",
		     AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS, parse_lan);
	build_lan_settings(b);

	b = add_case(&cases[n++], "GetRemoteAccessConnectionStatus",
		     AMTHI_CMD_GET_RAS_STATUS, parse_ras);
	build_ras_status(b, 16);

	b = add_case(&cases[n++], "EnumerateHashHandles",
		     AMTHI_CMD_ENUMERATE_HASH_HANDLES, parse_handles);
	build_hash_handles(b, 3);

	b = add_case(&cases[n++], "GetCertHashEntry",
		     AMTHI_CMD_GET_CERT_HASH_ENTRY, parse_cert);
	build_cert_hash(b, 12);

	for (i = 0; i < n; i++)
		test_command_replies(&cases[i]);
}

static void test_encode_request(void)
{
	static const uint8_t expected[] = {
		1, 1, 0, 0, 0x1A, 0x00, 0x00, 0x04, 0, 0, 0, 0,
	};
	uint8_t body[40] = { 0 };
	uint8_t buf[AMTHI_MAX_MSG_LEN + 16];
	int ret;

	ret = amthi_encode_request(buf, sizeof(buf),
				   AMTHI_CMD_GET_CODE_VERSIONS, NULL, 0);
	check(ret == AMTHI_HEADER_LEN, "encode empty request size %d", ret);
	check(memcmp(buf, expected, sizeof(expected)) == 0,
	      "encode empty request bytes");

	body[0] = 0xAB;
	ret = amthi_encode_request(buf, sizeof(buf),
				   AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT, body,
				   sizeof(body));
	check(ret == AMTHI_HEADER_LEN + 40, "encode request with body size");
	check(buf[8] == 40 && buf[12] == 0xAB, "encode request body bytes");

	ret = amthi_encode_request(buf, AMTHI_HEADER_LEN - 1,
				   AMTHI_CMD_GET_UUID, NULL, 0);
	check(ret == -EMSGSIZE, "encode into short buffer");

	ret = amthi_encode_request(buf, sizeof(buf), AMTHI_CMD_GET_UUID,
				   buf, AMTHI_MAX_MSG_LEN);
	check(ret == -EMSGSIZE, "encode oversize body");

	ret = amthi_encode_request(buf, sizeof(buf), AMTHI_CMD_GET_UUID,
				   NULL, 4);
	check(ret == -EINVAL, "encode missing body");
}

static void test_response_status(void)
{
	struct builder reply = { .len = 0 };
	const uint8_t *payload;
	size_t payload_len;
	uint32_t status = 0;
	int ret;

	put_u8(&reply, 1);
	put_u8(&reply, 1);
	put_u16(&reply, 0);
	put_u32(&reply, AMTHI_CMD_GET_UUID | AMTHI_RESPONSE_BIT);
	put_u32(&reply, 4);
	put_u32(&reply, AMTHI_STATUS_NOT_READY);
	ret = amthi_parse_response(reply.buf, reply.len, AMTHI_CMD_GET_UUID,
				   &status, &payload, &payload_len);
	check(ret == 0, "response with error status parses");
	check(status == AMTHI_STATUS_NOT_READY, "response status returned");
	check(payload_len == 0, "response with status only has no payload");

	reply.buf[8] = 3;	/* shorter than the status field */
	reply.len = AMTHI_HEADER_LEN + 3;
	ret = amthi_parse_response(reply.buf, reply.len, AMTHI_CMD_GET_UUID,
				   &status, &payload, &payload_len);
	check(ret == -EPROTO, "response without status rejected");
}

static void test_code_versions(void)
{
	struct amthi_code_versions v;
	struct builder b;
	int ret;

	build_code_versions(&b, "16392");
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == 0, "code versions valid");
	check(strcmp(v.amt, "16.1.25") == 0, "code versions AMT '%s'", v.amt);
	check(strcmp(v.build_number, "2049") == 0, "code versions build");
	check(v.sku == 16392, "code versions sku %u", v.sku);
	check(v.count == 5, "code versions count");
	check(strncmp(v.bios, "ADLPFWI1", 8) == 0, "code versions BIOS");

	b.len = 0;
	put_zeros(&b, AMTHI_BIOS_VERSION_LEN);
	put_u32(&b, 0);
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == 0 && v.count == 0 && v.sku == 0 && !v.amt[0],
	      "code versions empty means AMT disabled");

	b.len = 0;
	put_zeros(&b, AMTHI_BIOS_VERSION_LEN);
	put_u32(&b, AMTHI_MAX_CODE_VERSIONS + 1);
	put_zeros(&b, (AMTHI_MAX_CODE_VERSIONS + 1) * 44);
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == -EPROTO, "code versions oversize count");

	b.len = 0;
	put_zeros(&b, AMTHI_BIOS_VERSION_LEN);
	put_u32(&b, AMTHI_MAX_CODE_VERSIONS);
	put_zeros(&b, AMTHI_MAX_CODE_VERSIONS * 44);
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == 0, "code versions maximum count");

	build_code_versions(&b, "16392");
	put_zeros(&b, 44 * 10);
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == 0 && v.sku == 16392,
	      "code versions with unused slots after the entries");

	build_code_versions(&b, "16392");
	b.buf[AMTHI_BIOS_VERSION_LEN + 4] = AMTHI_CODE_VERSION_LEN + 1;
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == -EPROTO, "code versions name length over 20");

	build_code_versions(&b, "16392");
	b.buf[AMTHI_BIOS_VERSION_LEN + 4 + 22] = 0xff;
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == -EPROTO, "code versions value length over 20");

	build_code_versions(&b, "16x92");
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == -EPROTO, "code versions non-numeric sku");

	build_code_versions(&b, "99999999999");
	ret = amthi_parse_code_versions(b.buf, b.len, &v);
	check(ret == -EPROTO, "code versions sku overflow");

	ret = amthi_parse_code_versions(b.buf, AMTHI_BIOS_VERSION_LEN + 3, &v);
	check(ret == -EPROTO, "code versions without count");
}

static void test_u32_and_uuid(void)
{
	const uint8_t four[4] = { 2, 0, 0, 0 };
	char uuid[AMTHI_UUID_STR_LEN + 1];
	uint32_t v = 0;

	check(amthi_parse_u32(four, 4, &v) == 0 && v == 2, "u32 valid");
	check(amthi_parse_u32(four, 3, &v) == -EPROTO, "u32 truncated");
	check(amthi_parse_u32(four, 5, &v) == -EPROTO, "u32 bad length");

	check(amthi_parse_uuid(uuid_wire, 16, uuid) == 0, "uuid valid");
	check(strcmp(uuid, "00112233-4455-6677-8899-aabbccddeeff") == 0,
	      "uuid text '%s'", uuid);
	check(strlen(uuid) == AMTHI_UUID_STR_LEN, "uuid length 36");
	check(amthi_parse_uuid(uuid_wire, 15, uuid) == -EPROTO,
	      "uuid truncated");
	check(amthi_parse_uuid(uuid_wire, 17, uuid) == -EPROTO,
	      "uuid bad length");
}

static void test_string16(void)
{
	struct builder b;
	char small[4];
	char out[256];
	int ret;

	build_string16(&b, "corp.example.test");
	ret = amthi_parse_string16(b.buf, b.len, out, sizeof(out));
	check(ret == 17 && strcmp(out, "corp.example.test") == 0,
	      "string16 valid");

	build_string16(&b, "");
	ret = amthi_parse_string16(b.buf, b.len, out, sizeof(out));
	check(ret == 0 && out[0] == '\0', "string16 empty");

	build_string16(&b, "corp.example.test");
	ret = amthi_parse_string16(b.buf, b.len - 1, out, sizeof(out));
	check(ret == -EPROTO, "string16 length past the payload");

	ret = amthi_parse_string16(b.buf, 1, out, sizeof(out));
	check(ret == -EPROTO, "string16 without length");

	ret = amthi_parse_string16(b.buf, b.len, small, sizeof(small));
	check(ret == -EMSGSIZE, "string16 into short buffer");
}

static void test_account_and_lan(void)
{
	struct amthi_local_account a;
	struct amthi_lan_settings l;
	struct builder b = { .len = 0 };
	char long_user[40];

	put_field(&b, "$$OsAdmin", AMTHI_ACCOUNT_FIELD_LEN);
	put_field(&b, "secret", AMTHI_ACCOUNT_FIELD_LEN);
	check(amthi_parse_local_account(b.buf, b.len, &a) == 0 &&
	      strcmp(a.username, "$$OsAdmin") == 0 &&
	      strcmp(a.password, "secret") == 0, "local account valid");
	check(amthi_parse_local_account(b.buf, b.len - 1, &a) == -EPROTO,
	      "local account truncated");

	/* 33 bytes with no NUL: the copy must stop at the field's end. */
	memset(long_user, 'u', sizeof(long_user));
	memcpy(b.buf, long_user, AMTHI_ACCOUNT_FIELD_LEN);
	check(amthi_parse_local_account(b.buf, b.len, &a) == 0 &&
	      strlen(a.username) == AMTHI_ACCOUNT_FIELD_LEN,
	      "local account unterminated field");

	build_lan_settings(&b);
	check(amthi_parse_lan_settings(b.buf, b.len, &l) == 0, "lan valid");
	check(l.enabled == 1 && l.ipv4 == 0xC0A80001 && l.dhcp_enabled == 1,
	      "lan integers");
	check(l.dhcp_mode == 2 && l.link_up == 1 && l.mac[1] == 0x1b &&
	      l.mac[5] == 0xcc, "lan bytes");
	check(amthi_parse_lan_settings(b.buf, b.len - 1, &l) == -EPROTO,
	      "lan truncated");
}

static void test_ras(void)
{
	struct amthi_ras_status r;
	struct builder b;

	build_ras_status(&b, 16);
	check(amthi_parse_ras_status(b.buf, b.len, &r) == 0, "ras valid");
	check(r.network == 1 && r.remote_status == 2 && r.trigger == 3 &&
	      strcmp(r.mps_hostname, "mps.example.test") == 0, "ras fields");

	build_ras_status(&b, 17);
	check(amthi_parse_ras_status(b.buf, b.len, &r) == -EPROTO,
	      "ras name length past the payload");

	build_ras_status(&b, 256);
	put_zeros(&b, 300);
	check(amthi_parse_ras_status(b.buf, b.len, &r) == -EPROTO,
	      "ras oversize name");

	check(amthi_parse_ras_status(b.buf, 13, &r) == -EPROTO,
	      "ras truncated");
}

static void test_hash_handles(void)
{
	uint32_t handles[AMTHI_MAX_HASH_HANDLES];
	uint32_t count = 0;
	struct builder b;

	build_hash_handles(&b, 3);
	check(amthi_parse_hash_handles(b.buf, b.len, handles, 32, &count) == 0,
	      "hash handles valid");
	check(count == 3 && handles[0] == 0x100 && handles[2] == 0x102,
	      "hash handles values");

	build_hash_handles(&b, 0);
	check(amthi_parse_hash_handles(b.buf, b.len, handles, 32, &count) == 0 &&
	      count == 0, "hash handles none");

	build_hash_handles(&b, AMTHI_MAX_HASH_HANDLES + 1);
	check(amthi_parse_hash_handles(b.buf, b.len, handles, 40, &count) ==
	      -EPROTO, "hash handles oversize count");

	build_hash_handles(&b, 3);
	check(amthi_parse_hash_handles(b.buf, b.len - 1, handles, 32, &count) ==
	      -EPROTO, "hash handles truncated");
	check(amthi_parse_hash_handles(b.buf, b.len, handles, 2, &count) ==
	      -EMSGSIZE, "hash handles into short array");
	check(amthi_parse_hash_handles(b.buf, 3, handles, 32, &count) ==
	      -EPROTO, "hash handles without count");
}

static void test_cert_hash(void)
{
	struct amthi_cert_hash h;
	struct builder b;

	build_cert_hash(&b, 12);
	check(amthi_parse_cert_hash(b.buf, b.len, &h) == 0, "cert hash valid");
	check(h.is_default == 1 && h.is_active == 0 && h.algorithm == 2 &&
	      h.hash[0] == 0 && h.hash[63] == 63 &&
	      strcmp(h.name, "Test Root CA") == 0, "cert hash fields");

	build_cert_hash(&b, 13);
	check(amthi_parse_cert_hash(b.buf, b.len, &h) == -EPROTO,
	      "cert hash name length past the payload");

	build_cert_hash(&b, 256);
	put_zeros(&b, 300);
	check(amthi_parse_cert_hash(b.buf, b.len, &h) == -EPROTO,
	      "cert hash oversize name");

	check(amthi_parse_cert_hash(b.buf, 74, &h) == -EPROTO,
	      "cert hash truncated");

	check(amthi_hash_len(0) == 16 && amthi_hash_len(1) == 20 &&
	      amthi_hash_len(2) == 32 && amthi_hash_len(3) == 48 &&
	      amthi_hash_len(5) == 64, "hash lengths known");
	check(amthi_hash_len(4) == 0 && amthi_hash_len(255) == 0,
	      "hash lengths unknown");
}

static void test_features(void)
{
	char out[64];
	char tiny[8];
	int ret;

	ret = amthi_format_features(16392, out, sizeof(out));
	check(ret == (int)strlen("AMT Pro Corporate") &&
	      strcmp(out, "AMT Pro Corporate") == 0, "features 16392 '%s'", out);

	ret = amthi_format_features(16400, out, sizeof(out));
	check(strcmp(out, "Intel Standard Manageability Corporate") == 0,
	      "features 16400 '%s'", out);

	ret = amthi_format_features(0, out, sizeof(out));
	check(ret == 0 && out[0] == '\0', "features none");

	ret = amthi_format_features(16392, tiny, sizeof(tiny));
	check(ret == -EMSGSIZE, "features into short buffer");

	check(!amthi_sku_is_ism(16392), "sku 16392 is AMT");
	check(amthi_sku_is_ism(16400), "sku 16400 is ISM");
	check(!amthi_sku_is_ism(0), "sku 0 is not ISM");
}

static void test_command_name(void)
{
	check(strcmp(amthi_command_name(AMTHI_CMD_GET_CODE_VERSIONS),
		     "GetCodeVersions") == 0, "name of GetCodeVersions");
	check(strcmp(amthi_command_name(AMTHI_CMD_GET_PKI_FQDN_SUFFIX),
		     "GetPKIFQDNSuffix") == 0, "name of GetPKIFQDNSuffix");
	check(strcmp(amthi_command_name(0x04000001u), "unknown command") == 0,
	      "name of an unknown command");
}

int main(void)
{
	test_encode_request();
	test_response_status();
	test_all_commands();
	test_code_versions();
	test_u32_and_uuid();
	test_string16();
	test_account_and_lan();
	test_ras();
	test_hash_handles();
	test_cert_hash();
	test_features();
	test_command_name();

	printf("1..%d\n", test_count);
	return failures ? 1 : 0;
}
