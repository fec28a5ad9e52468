// SPDX-License-Identifier: MIT
/*
 * AMTHI (PTHI) client of the firmware model. Requests and responses are
 * little-endian: a 12-byte header {u8 major 1, u8 minor 1, u16 reserved,
 * u32 command, u32 length of what follows}, and a response carries the
 * command with bit 0x00800000 set, then u32 status, then its payload.
 *
 * Commands handled: GetCodeVersions, GetProvisioningState, Unprovision,
 * EnumerateHashHandles, GetCertHashEntry, GetPKIFQDNSuffix,
 * GetRemoteAccessConnectionStatus, GetLANInterfaceSettings, GetUUID,
 * GetLocalSystemAccount and GetControlMode. Any other command gets status 1.
 */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "fwsim.h"

#define AMTHI_HDR_LEN		12
#define AMTHI_RESPONSE_BIT	0x00800000u
#define AMTHI_MAX_MSG		0x1400

#define CMD_UNPROVISION			0x04000010u
#define CMD_GET_PROVISIONING_STATE	0x04000011u
#define CMD_GET_CODE_VERSIONS		0x0400001Au
#define CMD_ENUMERATE_HASH_HANDLES	0x0400002Cu
#define CMD_GET_CERT_HASH_ENTRY		0x0400002Du
#define CMD_GET_PKI_FQDN_SUFFIX		0x04000036u
#define CMD_GET_REMOTE_ACCESS_STATUS	0x04000046u
#define CMD_GET_LAN_SETTINGS		0x04000048u
#define CMD_GET_UUID			0x0400005Cu
#define CMD_GET_LOCAL_SYSTEM_ACCOUNT	0x04000067u
#define CMD_GET_CONTROL_MODE		0x0400006Bu

#define STATUS_SUCCESS			0
#define STATUS_INTERNAL_ERROR		1
#define STATUS_NOT_READY		2
#define STATUS_INVALID_MSG_LENGTH	4
#define STATUS_INVALID_PARAMETER	36
#define STATUS_INVALID_HANDLE		2053

#define CERT_ALG_SHA256			2

/* A response under construction. */
struct amthi_reply {
	uint8_t buf[AMTHI_MAX_MSG];
	size_t len;
};

static void put_le16(struct amthi_reply *r, uint16_t v)
{
	r->buf[r->len++] = (uint8_t)v;
	r->buf[r->len++] = (uint8_t)(v >> 8);
}

static void put_le32(struct amthi_reply *r, uint32_t v)
{
	put_le16(r, (uint16_t)v);
	put_le16(r, (uint16_t)(v >> 16));
}

static void put_bytes(struct amthi_reply *r, const void *p, size_t n)
{
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

/* Writes @s NUL-padded (and truncated) to exactly @width bytes. */
static void put_fixed_string(struct amthi_reply *r, const char *s,
			     size_t width)
{
	size_t n = strnlen(s, width);

	memset(r->buf + r->len, 0, width);
	memcpy(r->buf + r->len, s, n);
	r->len += width;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Starts a response; amthi_send() fills in the length. */
static void amthi_begin(struct amthi_reply *r, uint32_t command,
			uint32_t status)
{
	r->len = 0;
	r->buf[r->len++] = 1;
	r->buf[r->len++] = 1;
	put_le16(r, 0);
	put_le32(r, command | AMTHI_RESPONSE_BIT);
	put_le32(r, 0);
	put_le32(r, status);
}

static void set_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void set_le32(uint8_t *p, uint32_t v)
{
	set_le16(p, (uint16_t)v);
	set_le16(p + 2, (uint16_t)(v >> 16));
}

/* Returns the next value of the garbage mode's xorshift32 generator. */
static uint32_t garbage_next(void)
{
	uint32_t x = fw_faults.amthi_garbage_state;

	if (!x)
		x = FW_AMTHI_GARBAGE_SEED;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	fw_faults.amthi_garbage_state = x;
	return x;
}

/*
 * Corrupts the finished response @r in the way the amthi-reply knob
 * selects. The huge-count and long-string modes change only successful
 * replies to GetCodeVersions and GetPKIFQDNSuffix, and every other mode
 * changes every response.
 */
static void amthi_apply_reply_fault(struct amthi_reply *r)
{
	uint32_t command = get_le32(r->buf + 4) & ~AMTHI_RESPONSE_BIT;
	bool success = get_le32(r->buf + AMTHI_HDR_LEN) == STATUS_SUCCESS;
	size_t i;

	switch (fw_faults.amthi_reply) {
	case FW_AMTHI_REPLY_NORMAL:
		break;
	case FW_AMTHI_REPLY_TRUNCATED:
		r->len = 8;
		break;
	case FW_AMTHI_REPLY_SHORT_PAYLOAD:
		r->len -= 4;
		break;
	case FW_AMTHI_REPLY_WRONG_COMMAND:
		command = command == CMD_GET_PROVISIONING_STATE ?
			  CMD_GET_CODE_VERSIONS : CMD_GET_PROVISIONING_STATE;
		set_le32(r->buf + 4, command | AMTHI_RESPONSE_BIT);
		break;
	case FW_AMTHI_REPLY_NO_RESPONSE_BIT:
		set_le32(r->buf + 4, command);
		break;
	case FW_AMTHI_REPLY_HUGE_COUNT:
		/* The count follows the status and the 65-byte BIOS version. */
		if (command == CMD_GET_CODE_VERSIONS && success)
			set_le32(r->buf + AMTHI_HDR_LEN + 4 + 65, 5000);
		break;
	case FW_AMTHI_REPLY_LONG_STRING:
		/* The string length follows the status. */
		if (command == CMD_GET_PKI_FQDN_SUFFIX && success)
			set_le16(r->buf + AMTHI_HDR_LEN + 4,
				 (uint16_t)(r->len - AMTHI_HDR_LEN - 6 + 64));
		break;
	case FW_AMTHI_REPLY_GARBAGE:
		r->len = 1 + garbage_next() % AMTHI_MAX_MSG;
		for (i = 0; i < r->len; i++)
			r->buf[i] = (uint8_t)garbage_next();
		break;
	}
}

static void amthi_send(struct fw_conn *conn, struct amthi_reply *r)
{
	uint32_t length = (uint32_t)(r->len - AMTHI_HDR_LEN);

	set_le32(r->buf + 8, length);
	if (fw_faults.amthi_reply != FW_AMTHI_REPLY_NORMAL) {
		amthi_apply_reply_fault(r);
		fw_log("amthi: amthi-reply fault: sending a %zu-byte response",
		       r->len);
	}
	if (fw_send(conn, r->buf, r->len))
		fw_log("amthi: sending a %zu-byte response failed", r->len);
}

static void amthi_send_status(struct fw_conn *conn, uint32_t command,
			      uint32_t status)
{
	struct amthi_reply r;

	amthi_begin(&r, command, status);
	amthi_send(conn, &r);
}

struct code_version {
	const char *description;
	const char *version;
};

static void amthi_get_code_versions(struct amthi_reply *r)
{
	const char *sku = fw_state.sku == FW_SKU_ISM ? "16400" : "16392";
	const struct code_version versions[] = {
		{ "Flash", "16.1.25.2022" },
		{ "Netstack", "16.1.25.2022" },
		{ "AMTApps", "16.1.25.2022" },
		{ "AMT", "16.1.25" },
		{ "Sku", sku },
		{ "VendorID", "8086" },
		{ "Build Number", "2022" },
		{ "Recovery Version", "16.1.25" },
		{ "Recovery Build Num", "2022" },
		{ "Legacy Mode", "False" },
		{ "AMT FW Core Version", "16.1.25.2022" },
	};
	size_t count = sizeof(versions) / sizeof(versions[0]);
	size_t i;

	put_fixed_string(r, "P06RDA.021.2302071245", 65);
	put_le32(r, (uint32_t)count);
	for (i = 0; i < count; i++) {
		put_le16(r, (uint16_t)strlen(versions[i].description));
		put_fixed_string(r, versions[i].description, 20);
		put_le16(r, (uint16_t)strlen(versions[i].version));
		put_fixed_string(r, versions[i].version, 20);
	}
}

/*
 * Trusted root hashes of well-known public CAs, like the default list AMT
 * reports. The values are these roots' SHA-256 fingerprints.
 */
static const struct cert_hash {
	uint32_t handle;
	const char *name;
	uint8_t sha256[32];
} cert_hashes[] = {
	{ 1, "VeriSign Class 3 Primary CA-G5", {
		0x9a, 0xcf, 0xab, 0x7e, 0x43, 0xc8, 0xd8, 0x80,
		0xd0, 0x6b, 0x26, 0x2a, 0x94, 0xde, 0xee, 0xe4,
		0xb4, 0x65, 0x99, 0x89, 0xc3, 0xd0, 0xca, 0xf1,
		0x9b, 0xaf, 0x64, 0x05, 0xe4, 0x1a, 0xb7, 0xdf } },
	{ 2, "DigiCert Global Root CA", {
		0x43, 0x48, 0xa0, 0xe9, 0x44, 0x4c, 0x78, 0xcb,
		0x26, 0x5e, 0x05, 0x8d, 0x5e, 0x89, 0x44, 0xb4,
		0xd8, 0x4f, 0x96, 0x62, 0xbd, 0x26, 0xdb, 0x25,
		0x7f, 0x89, 0x34, 0xa4, 0x43, 0xc7, 0x01, 0x61 } },
	{ 3, "Go Daddy Root CA - G2", {
		0x45, 0x14, 0x0b, 0x32, 0x47, 0xeb, 0x9c, 0xc8,
		0xc5, 0xb4, 0xf0, 0xd7, 0xb5, 0x30, 0x91, 0xf7,
		0x32, 0x92, 0x08, 0x9e, 0x6e, 0x5a, 0x63, 0xe2,
		0x74, 0x9d, 0xd3, 0xac, 0xa9, 0x19, 0x8e, 0xda } },
};

#define CERT_HASH_COUNT (sizeof(cert_hashes) / sizeof(cert_hashes[0]))

static void amthi_enumerate_hash_handles(struct amthi_reply *r)
{
	size_t i;

	put_le32(r, CERT_HASH_COUNT);
	for (i = 0; i < CERT_HASH_COUNT; i++)
		put_le32(r, cert_hashes[i].handle);
}

static uint32_t amthi_get_cert_hash_entry(struct amthi_reply *r,
					  uint32_t handle)
{
	const struct cert_hash *entry = NULL;
	uint8_t hash[64] = { 0 };
	size_t i;

	for (i = 0; i < CERT_HASH_COUNT; i++)
		if (cert_hashes[i].handle == handle)
			entry = &cert_hashes[i];
	if (!entry)
		return STATUS_INVALID_HANDLE;

	memcpy(hash, entry->sha256, sizeof(entry->sha256));
	put_le32(r, 1);		/* is_default */
	put_le32(r, 1);		/* is_active */
	put_bytes(r, hash, sizeof(hash));
	r->buf[r->len++] = CERT_ALG_SHA256;
	put_le16(r, (uint16_t)strlen(entry->name));
	put_bytes(r, entry->name, strlen(entry->name));
	return STATUS_SUCCESS;
}

static uint32_t amthi_get_lan_settings(struct amthi_reply *r, uint32_t index)
{
	/* Locally administered addresses, so they never clash with real ones. */
	static const uint8_t wired_mac[6] = { 0x02, 0x00, 0x86, 0x00, 0x00, 0x01 };
	static const uint8_t wireless_mac[6] = { 0x02, 0x00, 0x86, 0x00, 0x00, 0x02 };
	bool wired = index == 0;

	if (index > 1)
		return STATUS_INVALID_PARAMETER;
	put_le32(r, 1);		/* enabled */
	put_le32(r, 0);		/* AMT IPv4 address: shared with the OS */
	put_le32(r, 1);		/* DHCP enabled */
	r->buf[r->len++] = 2;	/* DHCP mode: passive */
	r->buf[r->len++] = wired ? 1 : 0;	/* link up only when wired */
	put_bytes(r, wired ? wired_mac : wireless_mac, 6);
	return STATUS_SUCCESS;
}

static void amthi_unprovision(void)
{
	fw_state.provisioning_state = 0;
	fw_state.control_mode = 0;
	memset(fw_state.admin_digest, 0, sizeof(fw_state.admin_digest));
	fw_fault_start_settle();
	fw_log("amthi: Unprovision done, back to pre-provisioning");
}

/* Returns the body length @command requires. */
static size_t amthi_body_len(uint32_t command)
{
	switch (command) {
	case CMD_UNPROVISION:
	case CMD_GET_CERT_HASH_ENTRY:
	case CMD_GET_LAN_SETTINGS:
		return 4;
	case CMD_GET_LOCAL_SYSTEM_ACCOUNT:
		return 40;
	default:
		return 0;
	}
}

static bool amthi_known_command(uint32_t command)
{
	switch (command) {
	case CMD_UNPROVISION:
	case CMD_GET_PROVISIONING_STATE:
	case CMD_GET_CODE_VERSIONS:
	case CMD_ENUMERATE_HASH_HANDLES:
	case CMD_GET_CERT_HASH_ENTRY:
	case CMD_GET_PKI_FQDN_SUFFIX:
	case CMD_GET_REMOTE_ACCESS_STATUS:
	case CMD_GET_LAN_SETTINGS:
	case CMD_GET_UUID:
	case CMD_GET_LOCAL_SYSTEM_ACCOUNT:
	case CMD_GET_CONTROL_MODE:
		return true;
	default:
		return false;
	}
}

/* Builds the response payload; returns the status for the header. */
static uint32_t amthi_run(struct amthi_reply *r, uint32_t command,
			  const uint8_t *body)
{
	size_t n;

	switch (command) {
	case CMD_GET_CODE_VERSIONS:
		amthi_get_code_versions(r);
		break;
	case CMD_GET_PROVISIONING_STATE:
		put_le32(r, fw_state.provisioning_state);
		break;
	case CMD_GET_CONTROL_MODE:
		put_le32(r, fw_state.control_mode);
		break;
	case CMD_GET_UUID:
		put_bytes(r, fw_state.uuid, sizeof(fw_state.uuid));
		break;
	case CMD_GET_PKI_FQDN_SUFFIX:
		n = strnlen(fw_state.dns_suffix, sizeof(fw_state.dns_suffix));
		put_le16(r, (uint16_t)n);
		put_bytes(r, fw_state.dns_suffix, n);
		break;
	case CMD_GET_LOCAL_SYSTEM_ACCOUNT:
		put_fixed_string(r, fw_state.lsa_user, 33);
		put_fixed_string(r, fw_state.lsa_password, 33);
		break;
	case CMD_ENUMERATE_HASH_HANDLES:
		amthi_enumerate_hash_handles(r);
		break;
	case CMD_GET_CERT_HASH_ENTRY:
		return amthi_get_cert_hash_entry(r, get_le32(body));
	case CMD_GET_REMOTE_ACCESS_STATUS:
		put_le32(r, 0);		/* network: direct */
		put_le32(r, 0);		/* remote status: not connected */
		put_le32(r, 0);		/* trigger: user initiated */
		put_le16(r, 0);		/* MPS hostname: none */
		break;
	case CMD_GET_LAN_SETTINGS:
		return amthi_get_lan_settings(r, get_le32(body));
	case CMD_UNPROVISION:
		if (get_le32(body) != 0)
			return STATUS_INVALID_PARAMETER;
		amthi_unprovision();
		put_le32(r, fw_state.provisioning_state);
		break;
	}
	return STATUS_SUCCESS;
}

static void amthi_received(struct fw_conn *conn, const uint8_t *msg,
			   size_t len)
{
	struct amthi_reply r;
	uint32_t command = len >= 8 ? get_le32(msg + 4) : 0;
	uint32_t length;
	uint32_t status;

	if (len < AMTHI_HDR_LEN) {
		fw_log("amthi: %zu-byte request is shorter than the header", len);
		amthi_send_status(conn, command, STATUS_INVALID_MSG_LENGTH);
		return;
	}
	length = get_le32(msg + 8);
	/* NOTE: the status for a wrong version is a guess, not from hardware. */
	if (msg[0] != 1 || msg[1] != 1) {
		fw_log("amthi: command 0x%08x has version %u.%u, expected 1.1",
		       command, msg[0], msg[1]);
		amthi_send_status(conn, command, STATUS_INVALID_MSG_LENGTH);
		return;
	}
	if (length != len - AMTHI_HDR_LEN) {
		fw_log("amthi: command 0x%08x header length %u, but %zu bytes follow",
		       command, length, len - AMTHI_HDR_LEN);
		amthi_send_status(conn, command, STATUS_INVALID_MSG_LENGTH);
		return;
	}
	/* NOTE: real firmware's status for an unknown command is not verified. */
	if (!amthi_known_command(command)) {
		fw_log("amthi: unknown command 0x%08x", command);
		amthi_send_status(conn, command, STATUS_INTERNAL_ERROR);
		return;
	}
	if (length != amthi_body_len(command)) {
		fw_log("amthi: command 0x%08x needs a %zu-byte body, got %u",
		       command, amthi_body_len(command), length);
		amthi_send_status(conn, command, STATUS_INVALID_MSG_LENGTH);
		return;
	}

	/*
	 * settle-ms models firmware that is not ready yet right after an
	 * Unprovision: every well-formed command gets status 2 (not ready),
	 * and WS-Man on the LME client works as before.
	 * NOTE: status 2 for every command is a model of the "not ready
	 * after deactivation" reports of rpc-go users, not a hardware trace.
	 */
	if (fw_fault_settling()) {
		fw_log("amthi: command 0x%08x: not ready, settling after Unprovision",
		       command);
		amthi_send_status(conn, command, STATUS_NOT_READY);
		return;
	}

	amthi_begin(&r, command, STATUS_SUCCESS);
	status = amthi_run(&r, command, msg + AMTHI_HDR_LEN);
	if (status != STATUS_SUCCESS)
		amthi_begin(&r, command, status);
	if (fw_state.verbose)
		fw_log("amthi: command 0x%08x status %u", command, status);
	amthi_send(conn, &r);
}

static void amthi_connected(struct fw_conn *conn)
{
	(void)conn;
}

static void amthi_disconnected(struct fw_conn *conn)
{
	(void)conn;
}

const struct fw_client fw_amthi_client = {
	.name = "AMTHI",
	/* 12f80028-b4b7-4b2d-aca8-46e0ff65814c, first three groups LE */
	.uuid = { 0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
		  0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c },
	.max_msg_len = AMTHI_MAX_MSG,
	.protocol_version = 1,
	.max_connections = 1,
	.connected = amthi_connected,
	.received = amthi_received,
	.disconnected = amthi_disconnected,
};
