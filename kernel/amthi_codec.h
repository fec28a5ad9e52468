/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * AMTHI (PTHI) message codec: little-endian, packed. A request is a
 * 12-byte header {u8 major=1, u8 minor=1, u16 reserved, u32 command,
 * u32 length} and a body; a response repeats the header with bit
 * AMTHI_RESPONSE_BIT set in the command, then u32 status and a payload.
 *
 * All functions return 0 or a byte count on success and a negative errno
 * on failure: -EMSGSIZE when the output buffer is too small, -EPROTO when
 * a reply is malformed (short, wrong version, wrong command, length
 * mismatch, count out of range).
 */
#ifndef VPRO_AMTHI_CODEC_H
#define VPRO_AMTHI_CODEC_H

#include "codec_types.h"

#define AMTHI_HEADER_LEN	12
#define AMTHI_RESPONSE_BIT	0x00800000u
#define AMTHI_MAX_MSG_LEN	0x1400

#define AMTHI_CMD_UNPROVISION			0x04000010u
#define AMTHI_CMD_GET_PROVISIONING_STATE	0x04000011u
#define AMTHI_CMD_GET_CODE_VERSIONS		0x0400001Au
#define AMTHI_CMD_ENUMERATE_HASH_HANDLES	0x0400002Cu
#define AMTHI_CMD_GET_CERT_HASH_ENTRY		0x0400002Du
#define AMTHI_CMD_GET_PKI_FQDN_SUFFIX		0x04000036u
#define AMTHI_CMD_GET_RAS_STATUS		0x04000046u
#define AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS	0x04000048u
#define AMTHI_CMD_GET_UUID			0x0400005Cu
#define AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT	0x04000067u
#define AMTHI_CMD_GET_CONTROL_MODE		0x0400006Bu

#define AMTHI_STATUS_SUCCESS		0
#define AMTHI_STATUS_INTERNAL_ERROR	1
#define AMTHI_STATUS_NOT_READY		2
#define AMTHI_STATUS_INVALID_AMT_MODE	3
#define AMTHI_STATUS_INVALID_MSG_LEN	4
#define AMTHI_STATUS_NOT_PERMITTED	16
#define AMTHI_STATUS_MAX_LIMIT_REACHED	23
#define AMTHI_STATUS_INVALID_PARAMETER	36
#define AMTHI_STATUS_CERT_NOT_READY	49
#define AMTHI_STATUS_INVALID_HANDLE	2053
#define AMTHI_STATUS_NOT_FOUND		2068

#define AMTHI_CODE_VERSION_LEN	20	/* description and version fields */
#define AMTHI_BIOS_VERSION_LEN	65
#define AMTHI_MAX_CODE_VERSIONS	50
#define AMTHI_UUID_STR_LEN	36
#define AMTHI_ACCOUNT_FIELD_LEN	33
#define AMTHI_HASH_MAX_LEN	64
#define AMTHI_MAX_HASH_HANDLES	32

/* Versions found in a GetCodeVersions reply; strings are NUL-terminated. */
struct amthi_code_versions {
	char bios[AMTHI_BIOS_VERSION_LEN + 1];
	char amt[AMTHI_CODE_VERSION_LEN + 1];		/* entry "AMT" */
	char build_number[AMTHI_CODE_VERSION_LEN + 1];	/* entry "Build Number" */
	char sku_text[AMTHI_CODE_VERSION_LEN + 1];	/* entry "Sku" */
	uint32_t sku;		/* sku_text as a number, 0 if absent */
	uint32_t count;		/* entries in the reply; 0 means AMT disabled */
};

struct amthi_local_account {
	char username[AMTHI_ACCOUNT_FIELD_LEN + 1];
	char password[AMTHI_ACCOUNT_FIELD_LEN + 1];
};

struct amthi_lan_settings {
	uint32_t enabled;
	uint32_t ipv4;		/* host byte order, e.g. 0xC0A80001 is 192.168.0.1 */
	uint32_t dhcp_enabled;
	uint8_t dhcp_mode;
	uint8_t link_up;
	uint8_t mac[6];
};

struct amthi_ras_status {
	uint32_t network;
	uint32_t remote_status;
	uint32_t trigger;
	char mps_hostname[256];
};

struct amthi_cert_hash {
	uint32_t is_default;
	uint32_t is_active;
	uint8_t hash[AMTHI_HASH_MAX_LEN];
	uint8_t algorithm;	/* 0 MD5, 1 SHA1, 2 SHA256, 3 SHA384, 5 SHA512 */
	char name[256];
};

/* Writes a request for @command with @body_len bytes of @body; returns its size. */
int amthi_encode_request(uint8_t *buf, size_t size, uint32_t command,
			 const void *body, uint32_t body_len);

/*
 * Checks a reply to @command and points @payload at the bytes after the
 * status. Returns 0 and sets @status even when the status is not success.
 */
int amthi_parse_response(const uint8_t *buf, size_t len, uint32_t command,
			 uint32_t *status, const uint8_t **payload,
			 size_t *payload_len);

/* Payload parsers: @p and @len are the payload from amthi_parse_response(). */
int amthi_parse_code_versions(const uint8_t *p, size_t len,
			      struct amthi_code_versions *out);
int amthi_parse_u32(const uint8_t *p, size_t len, uint32_t *out);
int amthi_parse_uuid(const uint8_t *p, size_t len,
		     char out[AMTHI_UUID_STR_LEN + 1]);
int amthi_parse_string16(const uint8_t *p, size_t len, char *out, size_t size);
int amthi_parse_local_account(const uint8_t *p, size_t len,
			      struct amthi_local_account *out);
int amthi_parse_lan_settings(const uint8_t *p, size_t len,
			     struct amthi_lan_settings *out);
int amthi_parse_ras_status(const uint8_t *p, size_t len,
			   struct amthi_ras_status *out);
int amthi_parse_hash_handles(const uint8_t *p, size_t len, uint32_t *handles,
			     size_t max, uint32_t *count);
int amthi_parse_cert_hash(const uint8_t *p, size_t len,
			  struct amthi_cert_hash *out);

/* Returns the hash length in bytes for a cert hash algorithm, 0 if unknown. */
size_t amthi_hash_len(uint8_t algorithm);

/*
 * Writes rpc-go's feature words for @sku, e.g. "AMT Pro Corporate" for
 * 16392 and "Intel Standard Manageability Corporate" for 16400.
 */
int amthi_format_features(uint32_t sku, char *out, size_t size);

/* True when @sku decodes to ISM rather than AMT. */
bool amthi_sku_is_ism(uint32_t sku);

/* Returns the name of AMTHI @command, e.g. "GetCodeVersions", for logs. */
const char *amthi_command_name(uint32_t command);

#endif /* VPRO_AMTHI_CODEC_H */
