// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the AMTHI reply parsers. The input is one AMTHI
 * response as read from /dev/mei0. The target parses it with
 * amthi_parse_response() for the command named in its own header, then runs
 * every payload parser on the payload, or on the whole input when the
 * header is rejected, and checks what each parser returns. It also encodes
 * the payload as a request body and checks that request.
 *
 * The reserved header bytes, which the codec ignores, size the output
 * buffers: byte 2 is the string16 buffer size and byte 3 the handle array
 * length. Zero, as in real replies, selects the full size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"
#include "fuzz_check.h"

#define STATUS_LEN		4
#define STRING16_FULL_SIZE	256
#define HANDLES_FULL_COUNT	(AMTHI_MAX_HASH_HANDLES + 1)
/* One GetCodeVersions entry: u16 len, char[20], u16 len, char[20]. */
#define CODE_VERSION_ENTRY_LEN	(2 * (2 + AMTHI_CODE_VERSION_LEN))

struct buffer_sizes {
	size_t string16;
	size_t handles;
};

/* True when @s has a NUL within its @size bytes. */
static bool is_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Checks that @out is @src up to its first NUL or @len bytes. */
static void check_copied_string(const char *out, const uint8_t *src,
				size_t len)
{
	size_t n = strlen(out);

	FUZZ_CHECK(n <= len);
	FUZZ_CHECK(!memcmp(out, src, n));
	FUZZ_CHECK(n == len || src[n] == '\0');
}

static bool is_decimal(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void check_features(uint32_t sku)
{
	char words[96];
	char small[8];
	int n;

	n = amthi_format_features(sku, words, sizeof(words));
	FUZZ_CHECK(n >= 0 && (size_t)n == strlen(words));
	/* No NUL in the buffer beforehand, so only the codec can terminate it. */
	memset(small, 'x', sizeof(small));
	n = amthi_format_features(sku, small, sizeof(small));
	FUZZ_CHECK(n == -EMSGSIZE || (n >= 0 && (size_t)n < sizeof(small)));
	FUZZ_CHECK(is_terminated(small, sizeof(small)));
	FUZZ_CHECK(amthi_format_features(sku, small, 0) == -EMSGSIZE);
	(void)amthi_sku_is_ism(sku);
}

static void fuzz_code_versions(const uint8_t *p, size_t len)
{
	struct amthi_code_versions *out = malloc(sizeof(*out));
	int ret;

	FUZZ_CHECK(out);
	memset(out, 0xA5, sizeof(*out));
	ret = amthi_parse_code_versions(p, len, out);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO);
	if (ret == 0) {
		FUZZ_CHECK(out->count <= AMTHI_MAX_CODE_VERSIONS);
		FUZZ_CHECK(len >= AMTHI_BIOS_VERSION_LEN + 4 +
			   (size_t)out->count * CODE_VERSION_ENTRY_LEN);
		FUZZ_CHECK(is_terminated(out->bios, sizeof(out->bios)));
		FUZZ_CHECK(is_terminated(out->amt, sizeof(out->amt)));
		FUZZ_CHECK(is_terminated(out->build_number,
					 sizeof(out->build_number)));
		FUZZ_CHECK(is_terminated(out->sku_text, sizeof(out->sku_text)));
		check_copied_string(out->bios, p, AMTHI_BIOS_VERSION_LEN);
		if (out->sku_text[0]) {
			FUZZ_CHECK(is_decimal(out->sku_text));
			FUZZ_CHECK(strtoull(out->sku_text, NULL, 10) ==
				   out->sku);
		} else {
			FUZZ_CHECK(out->sku == 0);
		}
		check_features(out->sku);
	}
	free(out);
}

static void fuzz_u32(const uint8_t *p, size_t len)
{
	uint32_t value;
	int ret = amthi_parse_u32(p, len, &value);

	FUZZ_CHECK(ret == (len == 4 ? 0 : -EPROTO));
	if (ret == 0)
		FUZZ_CHECK(value == codec_get_le32(p));
}

/*
 * A GUID prints its first three groups as little-endian integers and the
 * last two as bytes in order.
 */
static void fuzz_uuid(const uint8_t *p, size_t len)
{
	static const uint8_t printed_order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	char *out = malloc(AMTHI_UUID_STR_LEN + 1);
	char expected[AMTHI_UUID_STR_LEN + 1];
	size_t i, pos = 0;
	int ret;

	FUZZ_CHECK(out);
	ret = amthi_parse_uuid(p, len, out);
	FUZZ_CHECK(ret == (len == 16 ? 0 : -EPROTO));
	if (ret == 0) {
		for (i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				expected[pos++] = '-';
			snprintf(expected + pos, 3, "%02x", p[printed_order[i]]);
			pos += 2;
		}
		FUZZ_CHECK(!strcmp(out, expected));
	}
	free(out);
}

static void fuzz_string16(const uint8_t *p, size_t len, size_t size)
{
	char *out = malloc(size ? size : 1);
	int ret;

	FUZZ_CHECK(out);
	ret = amthi_parse_string16(p, len, out, size);
	if (len < 2 || codec_get_le16(p) > len - 2) {
		FUZZ_CHECK(ret == -EPROTO);
	} else if (codec_get_le16(p) >= size) {
		FUZZ_CHECK(ret == -EMSGSIZE);
	} else {
		FUZZ_CHECK(ret == codec_get_le16(p));
		check_copied_string(out, p + 2, (size_t)ret);
	}
	free(out);
}

static void fuzz_local_account(const uint8_t *p, size_t len)
{
	struct amthi_local_account *out = malloc(sizeof(*out));
	int ret;

	FUZZ_CHECK(out);
	ret = amthi_parse_local_account(p, len, out);
	FUZZ_CHECK(ret == (len >= 66 ? 0 : -EPROTO));
	if (ret == 0) {
		FUZZ_CHECK(is_terminated(out->username, sizeof(out->username)));
		FUZZ_CHECK(is_terminated(out->password, sizeof(out->password)));
		check_copied_string(out->username, p, AMTHI_ACCOUNT_FIELD_LEN);
		check_copied_string(out->password, p + AMTHI_ACCOUNT_FIELD_LEN,
				    AMTHI_ACCOUNT_FIELD_LEN);
	}
	free(out);
}

static void fuzz_lan_settings(const uint8_t *p, size_t len)
{
	struct amthi_lan_settings out;
	int ret = amthi_parse_lan_settings(p, len, &out);

	FUZZ_CHECK(ret == (len >= 20 ? 0 : -EPROTO));
	if (ret == 0) {
		FUZZ_CHECK(out.enabled == codec_get_le32(p));
		FUZZ_CHECK(out.ipv4 == codec_get_le32(p + 4));
		FUZZ_CHECK(out.dhcp_enabled == codec_get_le32(p + 8));
		FUZZ_CHECK(out.dhcp_mode == p[12]);
		FUZZ_CHECK(out.link_up == p[13]);
		FUZZ_CHECK(!memcmp(out.mac, p + 14, 6));
	}
}

static void fuzz_ras_status(const uint8_t *p, size_t len)
{
	struct amthi_ras_status *out = malloc(sizeof(*out));
	int ret;

	FUZZ_CHECK(out);
	ret = amthi_parse_ras_status(p, len, out);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO);
	if (ret == 0) {
		size_t name_len = codec_get_le16(p + 12);

		FUZZ_CHECK(len >= 14 + name_len);
		FUZZ_CHECK(out->network == codec_get_le32(p));
		FUZZ_CHECK(out->remote_status == codec_get_le32(p + 4));
		FUZZ_CHECK(out->trigger == codec_get_le32(p + 8));
		FUZZ_CHECK(is_terminated(out->mps_hostname,
					 sizeof(out->mps_hostname)));
		check_copied_string(out->mps_hostname, p + 14, name_len);
	}
	free(out);
}

static void fuzz_hash_handles(const uint8_t *p, size_t len, size_t max)
{
	uint32_t *handles = malloc(max ? max * sizeof(*handles) : 1);
	uint32_t count = 0, i;
	int ret;

	FUZZ_CHECK(handles);
	ret = amthi_parse_hash_handles(p, len, handles, max, &count);
	if (ret == 0) {
		FUZZ_CHECK(count == codec_get_le32(p));
		FUZZ_CHECK(count <= max && count <= AMTHI_MAX_HASH_HANDLES);
		FUZZ_CHECK(len >= 4 + (size_t)count * 4);
		for (i = 0; i < count; i++)
			FUZZ_CHECK(handles[i] == codec_get_le32(p + 4 + 4 * i));
	} else if (ret == -EMSGSIZE) {
		FUZZ_CHECK(codec_get_le32(p) > max);
	} else {
		FUZZ_CHECK(ret == -EPROTO);
	}
	free(handles);
}

static void fuzz_cert_hash(const uint8_t *p, size_t len)
{
	struct amthi_cert_hash *out = malloc(sizeof(*out));
	int ret;

	FUZZ_CHECK(out);
	ret = amthi_parse_cert_hash(p, len, out);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO);
	if (ret == 0) {
		size_t name_len = codec_get_le16(p + 73);

		FUZZ_CHECK(len >= 75 + name_len);
		FUZZ_CHECK(out->is_default == codec_get_le32(p));
		FUZZ_CHECK(out->is_active == codec_get_le32(p + 4));
		FUZZ_CHECK(!memcmp(out->hash, p + 8, AMTHI_HASH_MAX_LEN));
		FUZZ_CHECK(out->algorithm == p[72]);
		FUZZ_CHECK(amthi_hash_len(out->algorithm) <= AMTHI_HASH_MAX_LEN);
		FUZZ_CHECK(is_terminated(out->name, sizeof(out->name)));
		check_copied_string(out->name, p + 75, name_len);
	}
	free(out);
}

static void fuzz_payload_parsers(const uint8_t *p, size_t len,
				 const struct buffer_sizes *sizes)
{
	fuzz_code_versions(p, len);
	fuzz_u32(p, len);
	fuzz_uuid(p, len);
	fuzz_string16(p, len, sizes->string16);
	fuzz_local_account(p, len);
	fuzz_lan_settings(p, len);
	fuzz_ras_status(p, len);
	fuzz_hash_handles(p, len, sizes->handles);
	fuzz_cert_hash(p, len);
}

/*
 * Encodes @body as the body of a request for @command into a heap buffer
 * of exactly the request size and into one a byte short.
 */
static void fuzz_encode_request(uint32_t command, const uint8_t *body,
				size_t body_len)
{
	size_t total = AMTHI_HEADER_LEN + body_len;
	uint8_t *buf;
	int ret;

	if (total > AMTHI_MAX_MSG_LEN) {
		uint8_t header[AMTHI_HEADER_LEN];

		ret = amthi_encode_request(header, sizeof(header), command,
					   body, (uint32_t)body_len);
		FUZZ_CHECK(ret == -EMSGSIZE);
		return;
	}

	buf = malloc(total);
	FUZZ_CHECK(buf);
	ret = amthi_encode_request(buf, total - 1, command, body,
				   (uint32_t)body_len);
	FUZZ_CHECK(ret == -EMSGSIZE);
	ret = amthi_encode_request(buf, total, command, body,
				   (uint32_t)body_len);
	FUZZ_CHECK(ret >= 0 && (size_t)ret == total);
	FUZZ_CHECK(buf[0] == 1 && buf[1] == 1 && buf[2] == 0 && buf[3] == 0);
	FUZZ_CHECK(codec_get_le32(buf + 4) == command);
	FUZZ_CHECK(codec_get_le32(buf + 8) == body_len);
	FUZZ_CHECK(!body_len || !memcmp(buf + AMTHI_HEADER_LEN, body,
					 body_len));
	free(buf);
}

static void check_response(const uint8_t *data, size_t size,
			   uint32_t command, uint32_t status,
			   const uint8_t *payload, size_t payload_len)
{
	uint32_t other_status;
	const uint8_t *other_payload;
	size_t other_len;

	FUZZ_CHECK(size >= AMTHI_HEADER_LEN + STATUS_LEN);
	FUZZ_CHECK(data[0] == 1 && data[1] == 1);
	FUZZ_CHECK(codec_get_le32(data + 8) == size - AMTHI_HEADER_LEN);
	FUZZ_CHECK(status == codec_get_le32(data + AMTHI_HEADER_LEN));
	FUZZ_CHECK(payload == data + AMTHI_HEADER_LEN + STATUS_LEN);
	FUZZ_CHECK(payload_len == size - AMTHI_HEADER_LEN - STATUS_LEN);

	/* The same reply must not pass for another command. */
	FUZZ_CHECK(amthi_parse_response(data, size, command ^ 1, &other_status,
					&other_payload, &other_len) ==
		   -EPROTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buffer_sizes sizes = {
		.string16 = STRING16_FULL_SIZE,
		.handles = HANDLES_FULL_COUNT,
	};
	const uint8_t *payload = data;
	size_t payload_len = size;
	uint32_t command = 0, status = 0;
	int ret;

	if (size >= 4) {
		if (data[2])
			sizes.string16 = data[2];
		if (data[3])
			sizes.handles = data[3] % (HANDLES_FULL_COUNT + 1);
	}
	if (size >= 8)
		command = codec_get_le32(data + 4) & ~AMTHI_RESPONSE_BIT;

	ret = amthi_parse_response(data, size, command, &status, &payload,
				   &payload_len);
	if (ret == 0) {
		check_response(data, size, command, status, payload,
			       payload_len);
	} else {
		FUZZ_CHECK(ret == -EPROTO);
		payload = data;
		payload_len = size;
	}

	fuzz_payload_parsers(payload, payload_len, &sizes);
	fuzz_encode_request(command, payload, payload_len);
	return 0;
}
