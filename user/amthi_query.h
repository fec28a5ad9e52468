/* SPDX-License-Identifier: MIT */
/*
 * AMTHI queries over a HECI connection, and the snapshot of firmware
 * facts that `info` prints and `activate` sends to RPS.
 */
#ifndef VPROCTL_AMTHI_QUERY_H
#define VPROCTL_AMTHI_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "amthi_codec.h"
#include "heci.h"

#define AMT_FEATURES_LEN	128
#define AMT_DNS_SUFFIX_LEN	256

/* Firmware facts read over AMTHI; a field is valid when its *_ok is set. */
struct amt_snapshot {
	struct amthi_code_versions versions;
	char features[AMT_FEATURES_LEN];
	char uuid[AMTHI_UUID_STR_LEN + 1];
	bool uuid_ok;
	uint32_t control_mode;		/* 0 none, 1 CCM, 2 ACM */
	bool control_mode_ok;
	char dns_suffix[AMT_DNS_SUFFIX_LEN];
	bool dns_suffix_ok;
	struct amthi_local_account account;	/* a secret: wipe after use */
	bool account_ok;
	struct amthi_ras_status ras;
	bool ras_ok;
	struct amthi_lan_settings wired;
	bool wired_ok;
	struct amthi_lan_settings wireless;
	bool wireless_ok;
	struct amthi_cert_hash hashes[AMTHI_MAX_HASH_HANDLES];
	uint32_t hash_count;
	bool hashes_ok;
	bool not_ready;		/* a query after GetCodeVersions got status 2 */
	/* First command after GetCodeVersions with a malformed reply, or 0 */
	uint32_t malformed_command;
};

/* Per-command wait for the firmware's reply. */
#define AMTHI_REPLY_TIMEOUT_MS	5000

/*
 * Maximum wait for AMTHI to stop returning status 2 (not ready), which
 * firmware does for a while after an Unprovision, and the poll interval.
 * NOTE: 20 s is a chosen bound, not a measured firmware settle time.
 */
#define AMT_READY_TIMEOUT_MS	20000
#define AMT_READY_INTERVAL_MS	1000

/* Bits selecting the optional query groups of amt_query_snapshot(). */
#define AMT_QUERY_ACCOUNT	0x1u
#define AMT_QUERY_RAS		0x2u
#define AMT_QUERY_LAN		0x4u
#define AMT_QUERY_HASHES	0x8u

/*
 * Sends one AMTHI request and checks the reply. Returns 0 with @payload
 * pointing into @buf, a positive AMTHI status when the firmware reported
 * a failure, or a negative errno for transport and format errors.
 */
int amthi_call(struct heci *heci, uint32_t command, const void *body,
	       uint32_t body_len, uint8_t *buf, size_t size,
	       const uint8_t **payload, size_t *payload_len);

/*
 * Reads versions, features, UUID, control mode and DNS suffix, plus the
 * groups selected by @groups. Returns 0, or the result of the failing
 * GetCodeVersions call (see amthi_call()). A later query that fails
 * leaves its *_ok flag clear, and the first one with a malformed reply
 * is recorded in malformed_command.
 */
int amt_query_snapshot(struct heci *heci, unsigned int groups,
		       struct amt_snapshot *snap);

/*
 * Connects to AMTHI on /dev/mei0, reads a snapshot and disconnects, so
 * that the firmware client is free for others again. Prints an
 * "Error N" message and returns the exit code on failure, else 0.
 */
int amt_read_snapshot(unsigned int groups, struct amt_snapshot *snap);

/*
 * Reads a snapshot like amt_read_snapshot(), but while AMTHI returns
 * status 2 (not ready) for GetCodeVersions, GetControlMode or a selected
 * query, polls every AMT_READY_INTERVAL_MS for up to AMT_READY_TIMEOUT_MS.
 * Prints one line on stderr when it starts to wait. Past the bound it
 * prints "Error 4" and returns VP_EXIT_AMT_NOT_READY.
 */
int amt_read_snapshot_when_ready(unsigned int groups,
				 struct amt_snapshot *snap);

/* Sleeps @ms milliseconds, resuming after signals. */
void amt_sleep_ms(long ms);

/* Wipes the local system account password held in @snap. */
void amt_snapshot_wipe(struct amt_snapshot *snap);

/* Returns a readable description of an AMTHI status code. */
const char *amthi_status_text(uint32_t status);

#endif /* VPROCTL_AMTHI_QUERY_H */
