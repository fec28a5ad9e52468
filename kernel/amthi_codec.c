// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * AMTHI (PTHI) message codec; the layouts are described in amthi_codec.h.
 * Freestanding: no kernel or libc calls, so the host tests and vproctl
 * build the very same file.
 */
#include "amthi_codec.h"

#define AMTHI_VERSION_MAJOR	1
#define AMTHI_VERSION_MINOR	1
#define AMTHI_STATUS_LEN	4

/* One GetCodeVersions entry: u16 len, char[20], u16 len, char[20]. */
#define AMTHI_CODE_VERSION_ENTRY_LEN	(2 * (2 + AMTHI_CODE_VERSION_LEN))

#define AMTHI_LAN_SETTINGS_LEN		20
#define AMTHI_RAS_FIXED_LEN		14	/* three u32 and the u16 length */
#define AMTHI_CERT_HASH_FIXED_LEN	75	/* up to and with the name length */

#define SKU_AMT_PRO	0x08u
#define SKU_ISM		0x10u
#define SKU_CORPORATE	0x4000u

static void codec_copy(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = src[i];
}

/*
 * Copies at most @len bytes of @src into @out, stopping at the first NUL,
 * and terminates @out. The caller guarantees @size > @len.
 */
static void codec_copy_str(char *out, const uint8_t *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		out[i] = (char)src[i];
	out[i] = '\0';
}

static bool codec_str_equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int amthi_encode_request(uint8_t *buf, size_t size, uint32_t command,
			 const void *body, uint32_t body_len)
{
	size_t total = (size_t)AMTHI_HEADER_LEN + body_len;

	if (body_len && !body)
		return -EINVAL;
	if (total > AMTHI_MAX_MSG_LEN || size < total)
		return -EMSGSIZE;

	buf[0] = AMTHI_VERSION_MAJOR;
	buf[1] = AMTHI_VERSION_MINOR;
	buf[2] = 0;
	buf[3] = 0;
	codec_put_le32(buf + 4, command);
	codec_put_le32(buf + 8, body_len);
	if (body_len)
		codec_copy(buf + AMTHI_HEADER_LEN, body, body_len);
	return (int)total;
}

int amthi_parse_response(const uint8_t *buf, size_t len, uint32_t command,
			 uint32_t *status, const uint8_t **payload,
			 size_t *payload_len)
{
	uint32_t body_len;

	if (len < AMTHI_HEADER_LEN + AMTHI_STATUS_LEN)
		return -EPROTO;
	if (buf[0] != AMTHI_VERSION_MAJOR || buf[1] != AMTHI_VERSION_MINOR)
		return -EPROTO;
	if (codec_get_le32(buf + 4) != (command | AMTHI_RESPONSE_BIT))
		return -EPROTO;

	body_len = codec_get_le32(buf + 8);
	if (body_len < AMTHI_STATUS_LEN || body_len != len - AMTHI_HEADER_LEN)
		return -EPROTO;

	*status = codec_get_le32(buf + AMTHI_HEADER_LEN);
	*payload = buf + AMTHI_HEADER_LEN + AMTHI_STATUS_LEN;
	*payload_len = body_len - AMTHI_STATUS_LEN;
	return 0;
}

/* Parses a decimal SKU such as "16392"; rejects empty text and overflow. */
static int parse_sku(const char *text, uint32_t *out)
{
	uint32_t value = 0;

	if (!*text)
		return -EPROTO;
	for (; *text; text++) {
		uint32_t digit;

		if (*text < '0' || *text > '9')
			return -EPROTO;
		digit = (uint32_t)(*text - '0');
		if (value > (0xFFFFFFFFu - digit) / 10)
			return -EPROTO;
		value = value * 10 + digit;
	}
	*out = value;
	return 0;
}

int amthi_parse_code_versions(const uint8_t *p, size_t len,
			      struct amthi_code_versions *out)
{
	const uint8_t *entry;
	uint32_t count, i;
	size_t need;

	if (len < AMTHI_BIOS_VERSION_LEN + 4)
		return -EPROTO;

	count = codec_get_le32(p + AMTHI_BIOS_VERSION_LEN);
	if (count > AMTHI_MAX_CODE_VERSIONS)
		return -EPROTO;
	need = AMTHI_BIOS_VERSION_LEN + 4 +
	       (size_t)count * AMTHI_CODE_VERSION_ENTRY_LEN;
	if (len < need)
		return -EPROTO;

	codec_copy_str(out->bios, p, AMTHI_BIOS_VERSION_LEN);
	out->amt[0] = '\0';
	out->build_number[0] = '\0';
	out->sku_text[0] = '\0';
	out->sku = 0;
	out->count = count;

	entry = p + AMTHI_BIOS_VERSION_LEN + 4;
	for (i = 0; i < count; i++, entry += AMTHI_CODE_VERSION_ENTRY_LEN) {
		char name[AMTHI_CODE_VERSION_LEN + 1];
		uint16_t name_len = codec_get_le16(entry);
		const uint8_t *value = entry + 2 + AMTHI_CODE_VERSION_LEN;
		uint16_t value_len = codec_get_le16(value);
		char *dst;

		if (name_len > AMTHI_CODE_VERSION_LEN ||
		    value_len > AMTHI_CODE_VERSION_LEN)
			return -EPROTO;

		codec_copy_str(name, entry + 2, name_len);
		if (codec_str_equal(name, "AMT"))
			dst = out->amt;
		else if (codec_str_equal(name, "Build Number"))
			dst = out->build_number;
		else if (codec_str_equal(name, "Sku"))
			dst = out->sku_text;
		else
			continue;
		codec_copy_str(dst, value + 2, value_len);
	}

	if (out->sku_text[0] && parse_sku(out->sku_text, &out->sku))
		return -EPROTO;
	return 0;
}

int amthi_parse_u32(const uint8_t *p, size_t len, uint32_t *out)
{
	if (len != 4)
		return -EPROTO;
	*out = codec_get_le32(p);
	return 0;
}

/*
 * GetUUID returns the 16 bytes of a GUID: the first three groups are
 * little-endian integers, the last two are plain bytes.
 */
int amthi_parse_uuid(const uint8_t *p, size_t len,
		     char out[AMTHI_UUID_STR_LEN + 1])
{
	static const uint8_t order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	static const char hex[] = "0123456789abcdef";
	size_t i, pos = 0;

	if (len != 16)
		return -EPROTO;

	for (i = 0; i < 16; i++) {
		uint8_t b = p[order[i]];

		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[pos++] = '-';
		out[pos++] = hex[b >> 4];
		out[pos++] = hex[b & 0x0f];
	}
	out[pos] = '\0';
	return 0;
}

int amthi_parse_string16(const uint8_t *p, size_t len, char *out, size_t size)
{
	uint16_t str_len;

	if (len < 2)
		return -EPROTO;
	str_len = codec_get_le16(p);
	if (str_len > len - 2)
		return -EPROTO;
	if (size <= str_len)
		return -EMSGSIZE;

	codec_copy_str(out, p + 2, str_len);
	return str_len;
}

int amthi_parse_local_account(const uint8_t *p, size_t len,
			      struct amthi_local_account *out)
{
	if (len < 2 * AMTHI_ACCOUNT_FIELD_LEN)
		return -EPROTO;

	codec_copy_str(out->username, p, AMTHI_ACCOUNT_FIELD_LEN);
	codec_copy_str(out->password, p + AMTHI_ACCOUNT_FIELD_LEN,
		       AMTHI_ACCOUNT_FIELD_LEN);
	return 0;
}

int amthi_parse_lan_settings(const uint8_t *p, size_t len,
			     struct amthi_lan_settings *out)
{
	if (len < AMTHI_LAN_SETTINGS_LEN)
		return -EPROTO;

	out->enabled = codec_get_le32(p);
	out->ipv4 = codec_get_le32(p + 4);
	out->dhcp_enabled = codec_get_le32(p + 8);
	out->dhcp_mode = p[12];
	out->link_up = p[13];
	codec_copy(out->mac, p + 14, 6);
	return 0;
}

int amthi_parse_ras_status(const uint8_t *p, size_t len,
			   struct amthi_ras_status *out)
{
	uint16_t name_len;

	if (len < AMTHI_RAS_FIXED_LEN)
		return -EPROTO;
	name_len = codec_get_le16(p + 12);
	if (name_len >= sizeof(out->mps_hostname) ||
	    name_len > len - AMTHI_RAS_FIXED_LEN)
		return -EPROTO;

	out->network = codec_get_le32(p);
	out->remote_status = codec_get_le32(p + 4);
	out->trigger = codec_get_le32(p + 8);
	codec_copy_str(out->mps_hostname, p + AMTHI_RAS_FIXED_LEN, name_len);
	return 0;
}

int amthi_parse_hash_handles(const uint8_t *p, size_t len, uint32_t *handles,
			     size_t max, uint32_t *count)
{
	uint32_t n, i;

	if (len < 4)
		return -EPROTO;
	n = codec_get_le32(p);
	if (n > AMTHI_MAX_HASH_HANDLES || len < 4 + (size_t)n * 4)
		return -EPROTO;
	if (n > max)
		return -EMSGSIZE;

	for (i = 0; i < n; i++)
		handles[i] = codec_get_le32(p + 4 + 4 * (size_t)i);
	*count = n;
	return 0;
}

int amthi_parse_cert_hash(const uint8_t *p, size_t len,
			  struct amthi_cert_hash *out)
{
	uint16_t name_len;

	if (len < AMTHI_CERT_HASH_FIXED_LEN)
		return -EPROTO;
	name_len = codec_get_le16(p + 73);
	if (name_len >= sizeof(out->name) ||
	    name_len > len - AMTHI_CERT_HASH_FIXED_LEN)
		return -EPROTO;

	out->is_default = codec_get_le32(p);
	out->is_active = codec_get_le32(p + 4);
	codec_copy(out->hash, p + 8, AMTHI_HASH_MAX_LEN);
	out->algorithm = p[72];
	codec_copy_str(out->name, p + AMTHI_CERT_HASH_FIXED_LEN, name_len);
	return 0;
}

size_t amthi_hash_len(uint8_t algorithm)
{
	switch (algorithm) {
	case 0:
		return 16;
	case 1:
		return 20;
	case 2:
		return 32;
	case 3:
		return 48;
	case 5:
		return 64;
	default:
		return 0;
	}
}

/* Appends @word to @out, separated by a space; returns the new length. */
static int append_word(char *out, size_t size, size_t pos, const char *word)
{
	if (pos) {
		if (pos + 1 >= size)
			return -EMSGSIZE;
		out[pos++] = ' ';
	}
	for (; *word; word++) {
		if (pos + 1 >= size)
			return -EMSGSIZE;
		out[pos++] = *word;
	}
	out[pos] = '\0';
	return (int)pos;
}

/*
 * NOTE: decodes only the SKU bits of AMT 5 and later that the project
 * documents (0x08, 0x10, 0x4000); other bits add no words.
 */
int amthi_format_features(uint32_t sku, char *out, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *word;
	} words[] = {
		{ SKU_AMT_PRO, "AMT Pro" },
		{ SKU_ISM, "Intel Standard Manageability" },
		{ SKU_CORPORATE, "Corporate" },
		{ 0, NULL },
	};
	size_t i;
	int pos = 0;

	if (!size)
		return -EMSGSIZE;
	out[0] = '\0';
	for (i = 0; words[i].word; i++) {
		if (!(sku & words[i].bit))
			continue;
		pos = append_word(out, size, (size_t)pos, words[i].word);
		if (pos < 0) {
			/* append_word() may have left a partial, unterminated word. */
			out[0] = '\0';
			return pos;
		}
	}
	return pos;
}

bool amthi_sku_is_ism(uint32_t sku)
{
	return (sku & SKU_ISM) && !(sku & SKU_AMT_PRO);
}

const char *amthi_command_name(uint32_t command)
{
	switch (command) {
	case AMTHI_CMD_UNPROVISION:
		return "Unprovision";
	case AMTHI_CMD_GET_PROVISIONING_STATE:
		return "GetProvisioningState";
	case AMTHI_CMD_GET_CODE_VERSIONS:
		return "GetCodeVersions";
	case AMTHI_CMD_ENUMERATE_HASH_HANDLES:
		return "EnumerateHashHandles";
	case AMTHI_CMD_GET_CERT_HASH_ENTRY:
		return "GetCertHashEntry";
	case AMTHI_CMD_GET_PKI_FQDN_SUFFIX:
		return "GetPKIFQDNSuffix";
	case AMTHI_CMD_GET_RAS_STATUS:
		return "GetRemoteAccessConnectionStatus";
	case AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS:
		return "GetLANInterfaceSettings";
	case AMTHI_CMD_GET_UUID:
		return "GetUUID";
	case AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT:
		return "GetLocalSystemAccount";
	case AMTHI_CMD_GET_CONTROL_MODE:
		return "GetControlMode";
	default:
		return "unknown command";
	}
}
