// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpora of the fuzz targets: valid APF messages and valid
 * AMTHI responses, one message per file. The bytes are built here from the
 * layouts in apf_codec.h and amthi_codec.h, without the codec's encoders,
 * and each seed must then pass the codec's decoder or parser, so a seed
 * that disagrees with the codec fails the build.
 *
 * Seeds named reject_* go one step past a limit (a length, a count or a
 * string size) and must be rejected with -EPROTO. They let the regress run
 * catch an off-by-one in a limit check at once, under ASan, where random
 * mutation would need two or three coordinated byte changes.
 *
 * Usage: seed_gen APF_DIR AMTHI_DIR (both directories must exist)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"
#include "apf_codec.h"

struct seed {
	uint8_t buf[8192];
	size_t len;
};

static const char *apf_dir;
static const char *amthi_dir;
static int seed_count;

static void put_u8(struct seed *s, uint8_t v)
{
	if (s->len >= sizeof(s->buf)) {
		fprintf(stderr, "seed_gen: a seed exceeds the %zu-byte buffer: enlarge struct seed\n",
			sizeof(s->buf));
		exit(1);
	}
	s->buf[s->len++] = v;
}

static void put_be32(struct seed *s, uint32_t v)
{
	put_u8(s, v >> 24);
	put_u8(s, v >> 16);
	put_u8(s, v >> 8);
	put_u8(s, v);
}

static void put_le16(struct seed *s, uint16_t v)
{
	put_u8(s, v);
	put_u8(s, v >> 8);
}

static void put_le32(struct seed *s, uint32_t v)
{
	put_le16(s, v);
	put_le16(s, v >> 16);
}

static void put_bytes(struct seed *s, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < n; i++)
		put_u8(s, p[i]);
}

/* Writes @text into a fixed field of @size bytes, padded with NULs. */
static void put_fixed(struct seed *s, const char *text, size_t size)
{
	size_t n = strlen(text);
	size_t i;

	for (i = 0; i < size; i++)
		put_u8(s, i < n ? (uint8_t)text[i] : 0);
}

/* Writes @n copies of @c: the longest fields make boundary seeds. */
static void put_repeated(struct seed *s, uint8_t c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_u8(s, c);
}

/* An APF string: u32 big-endian length, then the bytes without a NUL. */
static void put_apf_string(struct seed *s, const char *text)
{
	put_be32(s, (uint32_t)strlen(text));
	put_bytes(s, text, strlen(text));
}

/* An AMTHI string16: u16 little-endian length, then the bytes. */
static void put_string16(struct seed *s, const char *text)
{
	put_le16(s, (uint16_t)strlen(text));
	put_bytes(s, text, strlen(text));
}

static void write_seed(const char *dir, const char *name,
		       const struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f)) {
		fprintf(stderr, "seed_gen: failed to write %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	seed_count++;
}

static void write_apf(const char *name, const struct seed *s)
{
	struct apf_msg msg;
	int ret = apf_decode(s->buf, s->len, &msg);

	if (ret) {
		fprintf(stderr,
			"seed_gen: apf_decode() returned %d for seed %s (%zu bytes): the seed or the codec is wrong\n",
			ret, name, s->len);
		exit(1);
	}
	write_seed(apf_dir, name, s);
}

static void write_apf_rejected(const char *name, const struct seed *s)
{
	struct apf_msg msg;
	int ret = apf_decode(s->buf, s->len, &msg);

	if (ret != -EPROTO) {
		fprintf(stderr,
			"seed_gen: apf_decode() returned %d for seed %s (%zu bytes), expected -EPROTO (%d)\n",
			ret, name, s->len, -EPROTO);
		exit(1);
	}
	write_seed(apf_dir, name, s);
}

static void apf_rejected_seeds(void)
{
	struct seed s;

	s = (struct seed){ 0 };
	put_u8(&s, APF_SERVICE_REQUEST);
	put_be32(&s, APF_MAX_STRING_LEN + 1);
	put_repeated(&s, 'n', APF_MAX_STRING_LEN + 1);
	write_apf_rejected("reject_service_name_too_long", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_SERVICE_REQUEST);
	put_apf_string(&s, APF_SERVICE_PFWD);
	s.len--;
	write_apf_rejected("reject_service_name_truncated", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_DATA);
	put_be32(&s, 0x10);
	put_be32(&s, 5);
	put_fixed(&s, "data", 4);
	write_apf_rejected("reject_channel_data_short", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_PROTOCOL_VERSION);
	put_fixed(&s, "", APF_PROTOCOL_VERSION_LEN - 2);
	write_apf_rejected("reject_protocol_version_short", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_CLOSE);
	put_be32(&s, 0x10);
	put_u8(&s, 0);
	write_apf_rejected("reject_channel_close_long", &s);

	s = (struct seed){ 0 };
	put_u8(&s, 0xFF);
	put_be32(&s, 0);
	write_apf_rejected("reject_unknown_type", &s);
}

static void apf_seeds(void)
{
	static const uint8_t uuid[16] = {
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
	};
	static const char http_get[] =
		"GET /index.htm HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n\r\n";
	static const uint32_t forward_ports[] = { 16992, 623, 16993, 664 };
	struct seed s;
	char name[64];
	size_t i;

	s = (struct seed){ 0 };
	put_u8(&s, APF_PROTOCOL_VERSION);
	put_be32(&s, 1);	/* major */
	put_be32(&s, 0);	/* minor */
	put_be32(&s, 0);	/* trigger */
	put_bytes(&s, uuid, sizeof(uuid));
	put_fixed(&s, "", 64);	/* reserved */
	write_apf("protocol_version", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_SERVICE_REQUEST);
	put_apf_string(&s, APF_SERVICE_PFWD);
	write_apf("service_request_pfwd", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_SERVICE_REQUEST);
	put_apf_string(&s, APF_SERVICE_AUTH);
	write_apf("service_request_auth", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_SERVICE_REQUEST);
	put_be32(&s, APF_MAX_STRING_LEN);
	put_repeated(&s, 'n', APF_MAX_STRING_LEN);
	write_apf("service_request_max_name", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_SERVICE_ACCEPT);
	put_apf_string(&s, APF_SERVICE_PFWD);
	write_apf("service_accept_pfwd", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_USERAUTH_REQUEST);
	put_apf_string(&s, "admin");
	put_apf_string(&s, APF_SERVICE_PFWD);
	put_apf_string(&s, "password");
	put_u8(&s, 0);
	put_apf_string(&s, "P@ssw0rd");
	write_apf("userauth_request", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_USERAUTH_FAILURE);
	put_apf_string(&s, "password");
	put_u8(&s, 0);		/* partial success */
	write_apf("userauth_failure", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_USERAUTH_SUCCESS);
	write_apf("userauth_success", &s);

	for (i = 0; i < sizeof(forward_ports) / sizeof(forward_ports[0]); i++) {
		s = (struct seed){ 0 };
		put_u8(&s, APF_GLOBAL_REQUEST);
		put_apf_string(&s, APF_GLOBAL_TCPIP_FORWARD);
		put_u8(&s, 1);	/* want reply */
		put_apf_string(&s, "");
		put_be32(&s, forward_ports[i]);
		snprintf(name, sizeof(name), "tcpip_forward_%u",
			 (unsigned int)forward_ports[i]);
		write_apf(name, &s);
	}

	s = (struct seed){ 0 };
	put_u8(&s, APF_GLOBAL_REQUEST);
	put_apf_string(&s, APF_GLOBAL_CANCEL_TCPIP_FORWARD);
	put_u8(&s, 1);
	put_apf_string(&s, "0.0.0.0");
	put_be32(&s, 16992);
	write_apf("cancel_tcpip_forward", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_GLOBAL_REQUEST);
	put_apf_string(&s, "udp-send-to@amt.intel.com");
	put_u8(&s, 0);
	put_apf_string(&s, "127.0.0.1");
	put_be32(&s, 7);
	write_apf("global_request_other", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_REQUEST_SUCCESS);
	put_be32(&s, 16992);
	write_apf("request_success_port", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_REQUEST_SUCCESS);
	write_apf("request_success", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_REQUEST_FAILURE);
	write_apf("request_failure", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_OPEN);
	put_apf_string(&s, APF_CHANNEL_FORWARDED);
	put_be32(&s, 1);		/* sender channel */
	put_be32(&s, 4096);		/* window */
	put_be32(&s, 0xFFFFFFFFu);	/* max packet size */
	put_apf_string(&s, "127.0.0.1");
	put_be32(&s, 16992);
	put_apf_string(&s, "127.0.0.1");
	put_be32(&s, 40000);
	write_apf("channel_open_forwarded", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_OPEN);
	put_apf_string(&s, APF_CHANNEL_DIRECT);
	put_be32(&s, 7);
	put_be32(&s, 1024);
	put_be32(&s, 0xFFFFFFFFu);
	put_apf_string(&s, "::1");
	put_be32(&s, 16993);
	put_apf_string(&s, "::1");
	put_be32(&s, 50000);
	write_apf("channel_open_direct", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_OPEN);
	put_apf_string(&s, "session");
	put_be32(&s, 3);
	put_be32(&s, 4096);
	put_be32(&s, 0xFFFFFFFFu);
	put_fixed(&s, "tail", 4);
	write_apf("channel_open_other", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_OPEN_CONFIRMATION);
	put_be32(&s, 1);		/* recipient */
	put_be32(&s, 0x10);		/* sender */
	put_be32(&s, 4095);		/* window */
	put_be32(&s, 0xFFFFFFFFu);	/* max packet size */
	write_apf("channel_open_confirmation", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_OPEN_FAILURE);
	put_be32(&s, 1);
	put_be32(&s, APF_OPEN_FAILURE_CONNECT_FAILED);
	put_be32(&s, 0);
	put_be32(&s, 0);
	write_apf("channel_open_failure", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_WINDOW_ADJUST);
	put_be32(&s, 0x10);
	put_be32(&s, 1024);
	write_apf("channel_window_adjust", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_DATA);
	put_be32(&s, 0x10);
	put_be32(&s, sizeof(http_get) - 1);
	put_bytes(&s, http_get, sizeof(http_get) - 1);
	write_apf("channel_data", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_DATA);
	put_be32(&s, 0x10);
	put_be32(&s, 0);
	write_apf("channel_data_empty", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_DATA);
	put_be32(&s, 0x10);
	put_be32(&s, 4095);		/* a whole 4095-byte window */
	put_repeated(&s, 'd', 4095);
	write_apf("channel_data_window", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_CHANNEL_CLOSE);
	put_be32(&s, 0x10);
	write_apf("channel_close", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_DISCONNECT);
	put_be32(&s, APF_DISCONNECT_BY_APPLICATION);
	put_u8(&s, 0);			/* u16 reserved */
	put_u8(&s, 0);
	write_apf("disconnect", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_KEEPALIVE_REQUEST);
	put_be32(&s, 0x12345678);	/* cookie */
	write_apf("keepalive_request", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_KEEPALIVE_REPLY);
	put_be32(&s, 0x12345678);
	write_apf("keepalive_reply", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_KEEPALIVE_OPTIONS_REQUEST);
	put_be32(&s, 30);		/* interval */
	put_be32(&s, 90);		/* timeout */
	write_apf("keepalive_options_request", &s);

	s = (struct seed){ 0 };
	put_u8(&s, APF_KEEPALIVE_OPTIONS_REPLY);
	put_be32(&s, 30);
	put_be32(&s, 90);
	write_apf("keepalive_options_reply", &s);
}

/* Starts an AMTHI response for @command; end_amthi() fills its length. */
static void begin_amthi(struct seed *s, uint32_t command, uint32_t status)
{
	*s = (struct seed){ 0 };
	put_u8(s, 1);		/* major */
	put_u8(s, 1);		/* minor */
	put_le16(s, 0);		/* reserved */
	put_le32(s, command | AMTHI_RESPONSE_BIT);
	put_le32(s, 0);		/* length, set by end_amthi() */
	put_le32(s, status);
}

/*
 * Sets the length field, checks the reply with amthi_parse_response() and
 * @parse, and writes it.
 */
static void check_and_write_amthi(const char *name, struct seed *s,
				  uint32_t command,
				  int (*parse)(const uint8_t *p, size_t len),
				  bool reject)
{
	uint32_t body_len = (uint32_t)(s->len - AMTHI_HEADER_LEN);
	const uint8_t *payload;
	size_t payload_len;
	uint32_t status;
	int ret;

	s->buf[8] = body_len;
	s->buf[9] = body_len >> 8;
	s->buf[10] = body_len >> 16;
	s->buf[11] = body_len >> 24;

	ret = amthi_parse_response(s->buf, s->len, command, &status, &payload,
				   &payload_len);
	if (ret == 0 && status == AMTHI_STATUS_SUCCESS && parse)
		ret = parse(payload, payload_len);
	if (reject ? ret != -EPROTO : ret < 0) {
		fprintf(stderr,
			"seed_gen: the AMTHI parser returned %d for seed %s (%zu bytes), expected %s\n",
			ret, name, s->len, reject ? "-EPROTO" : "success");
		exit(1);
	}
	write_seed(amthi_dir, name, s);
}

static void end_amthi(const char *name, struct seed *s, uint32_t command,
		      int (*parse)(const uint8_t *p, size_t len))
{
	check_and_write_amthi(name, s, command, parse, false);
}

static void end_amthi_rejected(const char *name, struct seed *s,
			       uint32_t command,
			       int (*parse)(const uint8_t *p, size_t len))
{
	check_and_write_amthi(name, s, command, parse, true);
}

static int parse_code_versions(const uint8_t *p, size_t len)
{
	struct amthi_code_versions out;
	int ret = amthi_parse_code_versions(p, len, &out);

	if (ret == 0 && out.count && strcmp(out.amt, "16.1.25"))
		return -EINVAL;
	return ret;
}

static int parse_u32(const uint8_t *p, size_t len)
{
	uint32_t value;

	return amthi_parse_u32(p, len, &value);
}

static int parse_uuid(const uint8_t *p, size_t len)
{
	char out[AMTHI_UUID_STR_LEN + 1];

	return amthi_parse_uuid(p, len, out);
}

static int parse_string16(const uint8_t *p, size_t len)
{
	char out[256];

	return amthi_parse_string16(p, len, out, sizeof(out));
}

static int parse_local_account(const uint8_t *p, size_t len)
{
	struct amthi_local_account out;

	return amthi_parse_local_account(p, len, &out);
}

static int parse_lan_settings(const uint8_t *p, size_t len)
{
	struct amthi_lan_settings out;

	return amthi_parse_lan_settings(p, len, &out);
}

static int parse_ras_status(const uint8_t *p, size_t len)
{
	struct amthi_ras_status out;

	return amthi_parse_ras_status(p, len, &out);
}

static int parse_hash_handles(const uint8_t *p, size_t len)
{
	uint32_t handles[AMTHI_MAX_HASH_HANDLES];
	uint32_t count;

	return amthi_parse_hash_handles(p, len, handles,
					AMTHI_MAX_HASH_HANDLES, &count);
}

static int parse_cert_hash(const uint8_t *p, size_t len)
{
	struct amthi_cert_hash out;

	return amthi_parse_cert_hash(p, len, &out);
}

static void put_code_version(struct seed *s, const char *name,
			     const char *value)
{
	put_le16(s, (uint16_t)strlen(name));
	put_fixed(s, name, AMTHI_CODE_VERSION_LEN);
	put_le16(s, (uint16_t)strlen(value));
	put_fixed(s, value, AMTHI_CODE_VERSION_LEN);
}

static void amthi_seeds(void)
{
	static const uint8_t uuid[16] = {
		0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0x88, 0x77,
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00
	};
	static const uint8_t mac[6] = { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c };
	struct seed s;
	int i;

	begin_amthi(&s, AMTHI_CMD_GET_CODE_VERSIONS, AMTHI_STATUS_SUCCESS);
	put_fixed(&s, "BIOS.TEST.0042", AMTHI_BIOS_VERSION_LEN);
	put_le32(&s, 5);
	put_code_version(&s, "Flash", "16.1.25.2049");
	put_code_version(&s, "Netstack", "16.1.25.2049");
	put_code_version(&s, "AMT", "16.1.25");
	put_code_version(&s, "Build Number", "2049");
	put_code_version(&s, "Sku", "16392");
	end_amthi("code_versions_amt", &s, AMTHI_CMD_GET_CODE_VERSIONS,
		  parse_code_versions);

	begin_amthi(&s, AMTHI_CMD_GET_CODE_VERSIONS, AMTHI_STATUS_SUCCESS);
	put_repeated(&s, 'B', AMTHI_BIOS_VERSION_LEN);
	put_le32(&s, AMTHI_MAX_CODE_VERSIONS);
	put_code_version(&s, "AMT", "16.1.25");
	for (i = 1; i < AMTHI_MAX_CODE_VERSIONS; i++) {
		put_le16(&s, AMTHI_CODE_VERSION_LEN);
		put_repeated(&s, 'N', AMTHI_CODE_VERSION_LEN);
		put_le16(&s, AMTHI_CODE_VERSION_LEN);
		put_repeated(&s, '9', AMTHI_CODE_VERSION_LEN);
	}
	end_amthi("code_versions_max", &s, AMTHI_CMD_GET_CODE_VERSIONS,
		  parse_code_versions);

	begin_amthi(&s, AMTHI_CMD_GET_CODE_VERSIONS, AMTHI_STATUS_SUCCESS);
	put_fixed(&s, "BIOS.TEST.0042", AMTHI_BIOS_VERSION_LEN);
	put_le32(&s, 0);	/* no entries: AMT disabled */
	end_amthi("code_versions_empty", &s, AMTHI_CMD_GET_CODE_VERSIONS,
		  parse_code_versions);

	begin_amthi(&s, AMTHI_CMD_GET_PROVISIONING_STATE, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 2);	/* post-provisioning */
	end_amthi("provisioning_state", &s, AMTHI_CMD_GET_PROVISIONING_STATE,
		  parse_u32);

	begin_amthi(&s, AMTHI_CMD_UNPROVISION, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 0);
	end_amthi("unprovision", &s, AMTHI_CMD_UNPROVISION, parse_u32);

	begin_amthi(&s, AMTHI_CMD_GET_CONTROL_MODE, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 1);	/* client control mode */
	end_amthi("control_mode", &s, AMTHI_CMD_GET_CONTROL_MODE, parse_u32);

	begin_amthi(&s, AMTHI_CMD_GET_UUID, AMTHI_STATUS_SUCCESS);
	put_bytes(&s, uuid, sizeof(uuid));
	end_amthi("uuid", &s, AMTHI_CMD_GET_UUID, parse_uuid);

	begin_amthi(&s, AMTHI_CMD_GET_PKI_FQDN_SUFFIX, AMTHI_STATUS_SUCCESS);
	put_string16(&s, "vprodemo.example");
	end_amthi("pki_fqdn_suffix", &s, AMTHI_CMD_GET_PKI_FQDN_SUFFIX,
		  parse_string16);

	begin_amthi(&s, AMTHI_CMD_GET_PKI_FQDN_SUFFIX, AMTHI_STATUS_SUCCESS);
	put_le16(&s, 255);
	put_repeated(&s, 'f', 255);
	end_amthi("pki_fqdn_suffix_long", &s, AMTHI_CMD_GET_PKI_FQDN_SUFFIX,
		  parse_string16);

	begin_amthi(&s, AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT,
		    AMTHI_STATUS_SUCCESS);
	put_fixed(&s, "$$OsAdmin", AMTHI_ACCOUNT_FIELD_LEN);
	put_fixed(&s, "Zx8Qm1Lr5Tn7Vb3Kp9Wd2Hs4Jg6Fc0Ay", AMTHI_ACCOUNT_FIELD_LEN);
	end_amthi("local_system_account", &s,
		  AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT, parse_local_account);

	begin_amthi(&s, AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS,
		    AMTHI_STATUS_SUCCESS);
	put_le32(&s, 1);		/* enabled */
	put_le32(&s, 0xC0A80164);	/* 192.168.1.100 */
	put_le32(&s, 1);		/* DHCP enabled */
	put_u8(&s, 2);			/* DHCP mode: active */
	put_u8(&s, 1);			/* link up */
	put_bytes(&s, mac, sizeof(mac));
	end_amthi("lan_interface_settings", &s,
		  AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS, parse_lan_settings);

	begin_amthi(&s, AMTHI_CMD_GET_RAS_STATUS, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 1);		/* network: vpn */
	put_le32(&s, 2);		/* remote status: connected */
	put_le32(&s, 3);		/* trigger: provisioning */
	put_string16(&s, "mps.vprodemo.example");
	end_amthi("ras_status", &s, AMTHI_CMD_GET_RAS_STATUS,
		  parse_ras_status);

	/*
	 * A 255-byte hostname, the maximum that fits struct amthi_ras_status,
	 * then one byte of padding, which the parser allows. Changing only
	 * the length to 256 then makes an input that must be rejected.
	 */
	begin_amthi(&s, AMTHI_CMD_GET_RAS_STATUS, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 0);
	put_le32(&s, 0);
	put_le32(&s, 0);
	put_le16(&s, 255);
	put_repeated(&s, 'h', 255 + 1);
	end_amthi("ras_status_long_hostname", &s, AMTHI_CMD_GET_RAS_STATUS,
		  parse_ras_status);

	begin_amthi(&s, AMTHI_CMD_ENUMERATE_HASH_HANDLES, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 3);
	put_le32(&s, 1);
	put_le32(&s, 2);
	put_le32(&s, 5);
	end_amthi("hash_handles", &s, AMTHI_CMD_ENUMERATE_HASH_HANDLES,
		  parse_hash_handles);

	begin_amthi(&s, AMTHI_CMD_ENUMERATE_HASH_HANDLES, AMTHI_STATUS_SUCCESS);
	put_le32(&s, AMTHI_MAX_HASH_HANDLES);
	for (i = 0; i < AMTHI_MAX_HASH_HANDLES; i++)
		put_le32(&s, (uint32_t)i + 1);
	end_amthi("hash_handles_max", &s, AMTHI_CMD_ENUMERATE_HASH_HANDLES,
		  parse_hash_handles);

	begin_amthi(&s, AMTHI_CMD_GET_CERT_HASH_ENTRY, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 1);		/* is default */
	put_le32(&s, 1);		/* is active */
	for (i = 0; i < AMTHI_HASH_MAX_LEN; i++)
		put_u8(&s, i < 32 ? (uint8_t)(0xA0 + i) : 0);
	put_u8(&s, 2);			/* SHA256 */
	put_string16(&s, "Test Root CA");
	end_amthi("cert_hash_entry", &s, AMTHI_CMD_GET_CERT_HASH_ENTRY,
		  parse_cert_hash);

	/* SHA512 and a 255-byte name, padded as in the RAS seed above. */
	begin_amthi(&s, AMTHI_CMD_GET_CERT_HASH_ENTRY, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 0);
	put_le32(&s, 0);
	put_repeated(&s, 0x5A, AMTHI_HASH_MAX_LEN);
	put_u8(&s, 5);
	put_le16(&s, 255);
	put_repeated(&s, 'c', 255 + 1);
	end_amthi("cert_hash_entry_long_name", &s,
		  AMTHI_CMD_GET_CERT_HASH_ENTRY, parse_cert_hash);

	begin_amthi(&s, AMTHI_CMD_GET_CONTROL_MODE,
		    AMTHI_STATUS_NOT_PERMITTED);
	end_amthi("status_not_permitted", &s, AMTHI_CMD_GET_CONTROL_MODE,
		  NULL);
}

static void amthi_rejected_seeds(void)
{
	struct seed s;
	int i;

	begin_amthi(&s, AMTHI_CMD_GET_RAS_STATUS, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 0);
	put_le32(&s, 0);
	put_le32(&s, 0);
	put_le16(&s, 256);
	put_repeated(&s, 'h', 256);
	end_amthi_rejected("reject_ras_hostname_256", &s,
			   AMTHI_CMD_GET_RAS_STATUS, parse_ras_status);

	begin_amthi(&s, AMTHI_CMD_GET_CERT_HASH_ENTRY, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 0);
	put_le32(&s, 0);
	put_repeated(&s, 0x5A, AMTHI_HASH_MAX_LEN);
	put_u8(&s, 2);
	put_le16(&s, 256);
	put_repeated(&s, 'c', 256);
	end_amthi_rejected("reject_cert_hash_name_256", &s,
			   AMTHI_CMD_GET_CERT_HASH_ENTRY, parse_cert_hash);

	begin_amthi(&s, AMTHI_CMD_GET_PKI_FQDN_SUFFIX, AMTHI_STATUS_SUCCESS);
	put_le16(&s, 10);
	put_fixed(&s, "short", 9);
	end_amthi_rejected("reject_string16_truncated", &s,
			   AMTHI_CMD_GET_PKI_FQDN_SUFFIX, parse_string16);

	begin_amthi(&s, AMTHI_CMD_ENUMERATE_HASH_HANDLES, AMTHI_STATUS_SUCCESS);
	put_le32(&s, AMTHI_MAX_HASH_HANDLES + 1);
	for (i = 0; i <= AMTHI_MAX_HASH_HANDLES; i++)
		put_le32(&s, (uint32_t)i + 1);
	end_amthi_rejected("reject_hash_handles_33", &s,
			   AMTHI_CMD_ENUMERATE_HASH_HANDLES,
			   parse_hash_handles);

	begin_amthi(&s, AMTHI_CMD_GET_CODE_VERSIONS, AMTHI_STATUS_SUCCESS);
	put_fixed(&s, "BIOS", AMTHI_BIOS_VERSION_LEN);
	put_le32(&s, AMTHI_MAX_CODE_VERSIONS + 1);
	for (i = 0; i <= AMTHI_MAX_CODE_VERSIONS; i++)
		put_code_version(&s, "Flash", "16.1.25.2049");
	end_amthi_rejected("reject_code_versions_51", &s,
			   AMTHI_CMD_GET_CODE_VERSIONS, parse_code_versions);

	begin_amthi(&s, AMTHI_CMD_GET_CODE_VERSIONS, AMTHI_STATUS_SUCCESS);
	put_fixed(&s, "BIOS", AMTHI_BIOS_VERSION_LEN);
	put_le32(&s, 1);
	put_le16(&s, AMTHI_CODE_VERSION_LEN + 1);
	put_repeated(&s, 'N', AMTHI_CODE_VERSION_LEN);
	put_le16(&s, 1);
	put_fixed(&s, "1", AMTHI_CODE_VERSION_LEN);
	end_amthi_rejected("reject_code_version_name_21", &s,
			   AMTHI_CMD_GET_CODE_VERSIONS, parse_code_versions);

	begin_amthi(&s, AMTHI_CMD_GET_CONTROL_MODE, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 1);
	s.buf[1] = 2;		/* minor version 2 */
	end_amthi_rejected("reject_wrong_version", &s,
			   AMTHI_CMD_GET_CONTROL_MODE, parse_u32);

	begin_amthi(&s, AMTHI_CMD_GET_CONTROL_MODE, AMTHI_STATUS_SUCCESS);
	put_le32(&s, 1);
	put_u8(&s, 0);		/* one byte more than a u32 */
	end_amthi_rejected("reject_u32_long", &s, AMTHI_CMD_GET_CONTROL_MODE,
			   parse_u32);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s APF_DIR AMTHI_DIR\n", argv[0]);
		return 2;
	}
	apf_dir = argv[1];
	amthi_dir = argv[2];

	apf_seeds();
	apf_rejected_seeds();
	amthi_seeds();
	amthi_rejected_seeds();
	printf("seed_gen: wrote %d seeds\n", seed_count);
	return 0;
}
