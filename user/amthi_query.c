// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amthi_query.h"
#include "exit_codes.h"

/*
 * Records @command in @snap when @ret is -EPROTO, a malformed reply.
 * Returns true when @ret is 0, for the snapshot's *_ok flags.
 */
static bool note_reply(struct amt_snapshot *snap, uint32_t command, int ret)
{
	if (ret == -EPROTO && !snap->malformed_command)
		snap->malformed_command = command;
	return ret == 0;
}

int amthi_call(struct heci *heci, uint32_t command, const void *body,
	       uint32_t body_len, uint8_t *buf, size_t size,
	       const uint8_t **payload, size_t *payload_len)
{
	uint8_t req[AMTHI_HEADER_LEN + 64];
	uint32_t status;
	long len;
	int ret;

	ret = amthi_encode_request(req, sizeof(req), command, body, body_len);
	if (ret < 0)
		return ret;

	len = heci_transact(heci, req, (size_t)ret, buf, size,
			    AMTHI_REPLY_TIMEOUT_MS);
	if (len < 0)
		return (int)len;

	ret = amthi_parse_response(buf, (size_t)len, command, &status,
				   payload, payload_len);
	if (ret < 0)
		return ret;
	if (status != AMTHI_STATUS_SUCCESS)
		return (int)status;
	return 0;
}

static void query_cert_hashes(struct heci *heci, uint8_t *buf, size_t size,
			      struct amt_snapshot *snap)
{
	uint32_t handles[AMTHI_MAX_HASH_HANDLES];
	const uint8_t *p;
	uint32_t count, i;
	size_t len;

	int ret;

	ret = amthi_call(heci, AMTHI_CMD_ENUMERATE_HASH_HANDLES, NULL, 0, buf,
			 size, &p, &len);
	if (!ret)
		ret = amthi_parse_hash_handles(p, len, handles,
					       AMTHI_MAX_HASH_HANDLES, &count);
	if (!note_reply(snap, AMTHI_CMD_ENUMERATE_HASH_HANDLES, ret))
		return;

	snap->hash_count = 0;
	for (i = 0; i < count; i++) {
		uint8_t body[4];
		struct amthi_cert_hash *hash = &snap->hashes[snap->hash_count];

		codec_put_le32(body, handles[i]);
		ret = amthi_call(heci, AMTHI_CMD_GET_CERT_HASH_ENTRY, body,
				 sizeof(body), buf, size, &p, &len);
		if (!ret)
			ret = amthi_parse_cert_hash(p, len, hash);
		if (!note_reply(snap, AMTHI_CMD_GET_CERT_HASH_ENTRY, ret))
			return;
		snap->hash_count++;
	}
	snap->hashes_ok = true;
}

static bool query_lan(struct heci *heci, uint8_t *buf, size_t size,
		      struct amt_snapshot *snap, uint32_t index,
		      struct amthi_lan_settings *out)
{
	const uint8_t *p;
	uint8_t body[4];
	size_t len;
	int ret;

	codec_put_le32(body, index);
	ret = amthi_call(heci, AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS, body,
			 sizeof(body), buf, size, &p, &len);
	if (!ret)
		ret = amthi_parse_lan_settings(p, len, out);
	return note_reply(snap, AMTHI_CMD_GET_LAN_INTERFACE_SETTINGS, ret);
}

/* Runs amthi_call() and records a "not ready" status in @snap. */
static int call_noting_ready(struct heci *heci, struct amt_snapshot *snap,
			     uint32_t command, const void *body,
			     uint32_t body_len, uint8_t *buf, size_t size,
			     const uint8_t **payload, size_t *payload_len)
{
	int ret = amthi_call(heci, command, body, body_len, buf, size, payload,
			     payload_len);

	if (ret == AMTHI_STATUS_NOT_READY)
		snap->not_ready = true;
	return ret;
}

static void query_optional(struct heci *heci, unsigned int groups,
			   uint8_t *buf, size_t size, struct amt_snapshot *snap)
{
	uint8_t zero_body[40] = { 0 };
	const uint8_t *p;
	size_t len;
	int ret;

	ret = amthi_call(heci, AMTHI_CMD_GET_UUID, NULL, 0, buf, size, &p,
			 &len);
	if (!ret)
		ret = amthi_parse_uuid(p, len, snap->uuid);
	snap->uuid_ok = note_reply(snap, AMTHI_CMD_GET_UUID, ret);

	ret = call_noting_ready(heci, snap, AMTHI_CMD_GET_CONTROL_MODE, NULL,
				0, buf, size, &p, &len);
	if (!ret)
		ret = amthi_parse_u32(p, len, &snap->control_mode);
	snap->control_mode_ok = note_reply(snap, AMTHI_CMD_GET_CONTROL_MODE, ret);

	ret = amthi_call(heci, AMTHI_CMD_GET_PKI_FQDN_SUFFIX, NULL, 0, buf,
			 size, &p, &len);
	if (!ret) {
		ret = amthi_parse_string16(p, len, snap->dns_suffix,
					   sizeof(snap->dns_suffix));
		if (ret > 0)
			ret = 0;	/* the suffix length */
	}
	/* A suffix too long for the snapshot (-EMSGSIZE) is only left out. */
	snap->dns_suffix_ok = note_reply(snap, AMTHI_CMD_GET_PKI_FQDN_SUFFIX, ret);

	/* GetLocalSystemAccount takes 40 reserved zero bytes. */
	if (groups & AMT_QUERY_ACCOUNT) {
		ret = call_noting_ready(heci, snap,
					AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT,
					zero_body, sizeof(zero_body), buf,
					size, &p, &len);
		if (!ret)
			ret = amthi_parse_local_account(p, len,
							&snap->account);
		snap->account_ok =
			note_reply(snap, AMTHI_CMD_GET_LOCAL_SYSTEM_ACCOUNT, ret);
	}

	if (groups & AMT_QUERY_RAS) {
		ret = amthi_call(heci, AMTHI_CMD_GET_RAS_STATUS, NULL, 0, buf,
				 size, &p, &len);
		if (!ret)
			ret = amthi_parse_ras_status(p, len, &snap->ras);
		snap->ras_ok = note_reply(snap, AMTHI_CMD_GET_RAS_STATUS, ret);
	}

	if (groups & AMT_QUERY_LAN) {
		snap->wired_ok = query_lan(heci, buf, size, snap, 0,
					   &snap->wired);
		snap->wireless_ok = query_lan(heci, buf, size, snap, 1,
					      &snap->wireless);
	}

	if (groups & AMT_QUERY_HASHES)
		query_cert_hashes(heci, buf, size, snap);
}

int amt_query_snapshot(struct heci *heci, unsigned int groups,
		       struct amt_snapshot *snap)
{
	size_t size = heci->max_msg_len > AMTHI_MAX_MSG_LEN ?
		      heci->max_msg_len : AMTHI_MAX_MSG_LEN;
	const uint8_t *p;
	uint8_t *buf;
	size_t len;
	int ret;

	memset(snap, 0, sizeof(*snap));
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;

	ret = amthi_call(heci, AMTHI_CMD_GET_CODE_VERSIONS, NULL, 0, buf, size,
			 &p, &len);
	if (ret == 0)
		ret = amthi_parse_code_versions(p, len, &snap->versions);
	if (ret == 0) {
		amthi_format_features(snap->versions.sku, snap->features,
				      sizeof(snap->features));
		query_optional(heci, groups, buf, size, snap);
	}

	/* The buffer last held a reply that may carry the account password. */
	explicit_bzero(buf, size);
	free(buf);
	return ret;
}

void amt_snapshot_wipe(struct amt_snapshot *snap)
{
	explicit_bzero(&snap->account, sizeof(snap->account));
	snap->account_ok = false;
}

const char *amthi_status_text(uint32_t status)
{
	switch (status) {
	case AMTHI_STATUS_INTERNAL_ERROR:
		return "internal error";
	case AMTHI_STATUS_NOT_READY:
		return "not ready";
	case AMTHI_STATUS_INVALID_AMT_MODE:
		return "invalid AMT mode";
	case AMTHI_STATUS_INVALID_MSG_LEN:
		return "invalid message length";
	case AMTHI_STATUS_NOT_PERMITTED:
		return "not permitted";
	case AMTHI_STATUS_MAX_LIMIT_REACHED:
		return "max limit reached";
	case AMTHI_STATUS_INVALID_PARAMETER:
		return "invalid parameter";
	case AMTHI_STATUS_CERT_NOT_READY:
		return "certificate not ready";
	case AMTHI_STATUS_INVALID_HANDLE:
		return "invalid handle";
	case AMTHI_STATUS_NOT_FOUND:
		return "not found";
	default:
		return "unknown status";
	}
}

static int report_connect_error(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return vp_error(VP_EXIT_HECI_DRIVER_NOT_DETECTED,
				"%s: not found. Load the mei_me driver, or run on a device with an Intel ME.",
				HECI_DEFAULT_DEVICE);
	case -EACCES:
	case -EPERM:
		return vp_error(VP_EXIT_INCORRECT_PERMISSIONS,
				"%s: permission denied. Run vproctl as root.",
				HECI_DEFAULT_DEVICE);
	case -ENOTTY:
		return vp_error(VP_EXIT_AMT_NOT_DETECTED,
				"The firmware has no AMTHI client: this device has no Intel AMT or ISM.");
	case -EBUSY:
		return vp_error(VP_EXIT_AMT_NOT_READY,
				"The AMTHI client stayed busy for 3 s: another program (LMS, rpc-go, vproctl) holds it. Stop it or retry later.");
	default:
		return vp_error(VP_EXIT_AMT_NOT_READY,
				"Connecting to AMTHI on %s failed: %s. Retry later.",
				HECI_DEFAULT_DEVICE, strerror(-err));
	}
}

/*
 * Connects to AMTHI and reads a snapshot. Returns a printed exit code
 * when the connection fails, else 0 with amt_query_snapshot()'s result
 * in *@query_ret.
 */
static int try_read_snapshot(unsigned int groups, struct amt_snapshot *snap,
			     int *query_ret)
{
	struct heci heci;
	int ret;

	ret = heci_connect(&heci, HECI_DEFAULT_DEVICE, heci_amthi_uuid);
	if (ret < 0)
		return report_connect_error(ret);

	*query_ret = amt_query_snapshot(&heci, groups, snap);
	heci_close(&heci);
	return 0;
}

/* Prints the error for amt_query_snapshot()'s result @ret, if any. */
static int report_snapshot(int ret, const struct amt_snapshot *snap)
{
	if (ret == -EPROTO)
		return vp_error(VP_EXIT_AMT_NOT_READY,
				"AMTHI GetCodeVersions returned a malformed reply (protocol error). Retry later; if it persists, update the ME firmware.");
	if (ret < 0)
		return vp_error(VP_EXIT_AMT_NOT_READY,
				"AMTHI GetCodeVersions failed: %s. Retry later.",
				strerror(-ret));
	if (ret > 0)
		return vp_error(VP_EXIT_AMT_NOT_READY,
				"AMTHI GetCodeVersions returned status %d (%s). Retry later.",
				ret, amthi_status_text((uint32_t)ret));
	if (snap->versions.count == 0)
		return vp_error(VP_EXIT_AMT_NOT_DETECTED,
				"The firmware reports no code versions: AMT is disabled. Enable it in the BIOS or MEBx.");
	if (snap->malformed_command)
		return vp_error(VP_EXIT_AMT_NOT_READY,
				"AMTHI %s returned a malformed reply (protocol error). Retry later; if it persists, update the ME firmware.",
				amthi_command_name(snap->malformed_command));
	return 0;
}

int amt_read_snapshot(unsigned int groups, struct amt_snapshot *snap)
{
	int query_ret = 0;
	int ret;

	ret = try_read_snapshot(groups, snap, &query_ret);
	return ret ? ret : report_snapshot(query_ret, snap);
}

void amt_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int amt_read_snapshot_when_ready(unsigned int groups,
				 struct amt_snapshot *snap)
{
	long waited = 0;
	int query_ret = 0;
	int ret;

	for (;;) {
		ret = try_read_snapshot(groups, snap, &query_ret);
		if (ret)
			return ret;
		if (query_ret != AMTHI_STATUS_NOT_READY && !snap->not_ready)
			return report_snapshot(query_ret, snap);
		amt_snapshot_wipe(snap);
		if (waited >= AMT_READY_TIMEOUT_MS)
			break;
		if (waited == 0)
			fprintf(stderr,
				"vproctl: AMT is not ready (AMTHI status 2), waiting up to %d s\n",
				AMT_READY_TIMEOUT_MS / 1000);
		amt_sleep_ms(AMT_READY_INTERVAL_MS);
		waited += AMT_READY_INTERVAL_MS;
	}
	return vp_error(VP_EXIT_AMT_NOT_READY,
			"AMTHI still returns status 2 (not ready) after %d s. The firmware may still be settling after a deactivation: wait a minute and run the command again. If it persists, restart the device.",
			AMT_READY_TIMEOUT_MS / 1000);
}
