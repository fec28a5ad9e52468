// SPDX-License-Identifier: MIT
/*
 * One RPS session: validate the activation request, then drive AMT
 * through the client's relay the way RPS does for client control mode.
 * The activation calls are AMT_GeneralSettings Get (for the digest
 * realm), IPS_HostBasedSetupService Setup, and a Get as "admin" that
 * confirms the new password. configure.c then configures the device.
 * A "deactivate" request instead gets Unprovision as "admin" (see
 * deactivate()). The session ends with "success" or "error".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "envelope.h"
#include "peer.h"
#include "session.h"
#include "ws.h"
#include "wsman.h"

/* RPS stops after this many 401 replies in a row. */
#define MAX_UNAUTHORIZED 3

static int64_t step_deadline(const struct session *s)
{
	int64_t step = now_ms() + PEER_MESSAGE_TIMEOUT_MS;

	return step < s->deadline ? step : s->deadline;
}

int send_envelope(struct session *s, const char *method, const char *status,
		  const char *message, const char *payload_b64)
{
	char *text = envelope_build(method, status, message, payload_b64);
	int rc;

	if (!text)
		return -1;
	rc = ws_send_text(s->ws, text, step_deadline(s));
	free(text);
	if (rc < 0)
		log_msg("session %u: sending \"%s\" failed", s->id, method);
	return rc;
}

/* Receives the next client message, or sets s->error and returns NULL. */
static char *recv_text(struct session *s, const char *waiting_for)
{
	int timed_out;
	struct ws_message *m = ws_recv_text(s->ws, step_deadline(s), &timed_out);
	char *text;

	if (!m) {
		snprintf(s->error, sizeof(s->error), "%s waiting for %s",
			 timed_out ? "timed out" : "client closed the connection",
			 waiting_for);
		return NULL;
	}
	text = malloc(m->len + 1);
	if (text)
		memcpy(text, m->text, m->len + 1);
	free(m);
	return text;
}

/*
 * Receives a message with method @want and returns its decoded payload
 * (to free(), possibly empty). Returns NULL with s->error set otherwise.
 */
static char *expect_method(struct session *s, const char *want, size_t *len)
{
	char method[64];
	char *payload = NULL;
	char *text = recv_text(s, want);
	char reason[256];

	if (!text)
		return NULL;
	if (envelope_parse(text, false, method, sizeof(method), &payload, len,
			   reason, sizeof(reason)) < 0) {
		snprintf(s->error, sizeof(s->error), "invalid \"%s\" message: %s",
			 want, reason);
		free(text);
		return NULL;
	}
	free(text);
	if (strcmp(method, want) != 0) {
		snprintf(s->error, sizeof(s->error),
			 "expected method \"%s\" but the client sent \"%.40s\"",
			 want, method);
		free(payload);
		return NULL;
	}
	if (!payload)
		payload = calloc(1, 1);
	return payload;
}

/*
 * Creates --pause-file and waits until the test removes it, so that the
 * test can act (e.g. reset the ME) between two WS-Man exchanges.
 */
static int pause_session(struct session *s)
{
	const char *path = s->cfg->pause_file;
	struct timespec tick = { 0, 100 * 1000000L };
	int64_t deadline = now_ms() + PEER_PAUSE_TIMEOUT_MS;
	FILE *f = fopen(path, "w");

	if (!f || fclose(f) != 0) {
		snprintf(s->error, sizeof(s->error),
			 "cannot create --pause-file %.200s: %s", path,
			 strerror(errno));
		return -1;
	}
	log_msg("session %u: paused until %s is removed", s->id, path);
	while (access(path, F_OK) == 0) {
		if (now_ms() >= deadline) {
			snprintf(s->error, sizeof(s->error),
				 "--pause-file %.200s still exists after %d s",
				 path, PEER_PAUSE_TIMEOUT_MS / 1000);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	log_msg("session %u: resumed", s->id);
	return 0;
}

/*
 * Runs what the test requested after the first WS-Man reply:
 * --misbehave drop or --pause-file. Returns -1 when the session ends.
 */
static int after_exchange(struct session *s)
{
	if (++s->exchanges != 1)
		return 0;
	if (s->cfg->misbehave == PEER_MISBEHAVE_DROP) {
		log_msg("session %u: misbehave: dropping the connection without a close frame",
			s->id);
		ws_drop(s->ws);
		s->dropped = true;
		snprintf(s->error, sizeof(s->error),
			 "dropped the connection after the first WS-Man reply");
		return -1;
	}
	if (s->cfg->pause_file)
		return pause_session(s);
	return 0;
}

int wsman_call(struct session *s, const char *call_name, const char *xml,
	       const char *username, const char *password,
	       struct http_response *resp)
{
	unsigned int unauthorized = 0;

	for (;;) {
		char authorization[768];
		char reason[256];
		char *request;
		char *encoded;
		char *raw;
		size_t raw_len;
		int rc;

		if (s->have_challenge &&
		    digest_authorization(&s->challenge, username, password,
					 authorization, sizeof(authorization)) < 0) {
			snprintf(s->error, sizeof(s->error),
				 "AMT digest challenge offers qop \"%.40s\" without \"auth\"",
				 s->challenge.qop);
			return -1;
		}
		request = wsman_http_request(s->act.uuid,
					     s->have_challenge ? authorization : NULL,
					     xml);
		explicit_bzero(authorization, sizeof(authorization));
		encoded = request ? base64_encode(request, strlen(request)) : NULL;
		free(request);
		if (!encoded) {
			snprintf(s->error, sizeof(s->error), "out of memory");
			return -1;
		}
		log_msg("session %u: wsman %s (%s as %s)", s->id, call_name,
			s->have_challenge ? "digest auth" : "no auth", username);
		rc = send_envelope(s, "wsman", "ok", "ok", encoded);
		free(encoded);
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error),
				 "sending the %s request to the client failed", call_name);
			return -1;
		}

		raw = expect_method(s, "response", &raw_len);
		if (!raw)
			return -1;
		if (after_exchange(s) < 0) {
			free(raw);
			return -1;
		}
		rc = http_response_parse(raw, raw_len, resp, reason, sizeof(reason));
		free(raw);
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error),
				 "%s: invalid AMT response: %s", call_name, reason);
			return -1;
		}
		log_msg("session %u: %s returned HTTP %d", s->id, call_name, resp->status);
		if (resp->status == 200)
			return 0;
		if (resp->status != 401) {
			snprintf(s->error, sizeof(s->error),
				 "%s failed: AMT returned HTTP %d", call_name, resp->status);
			http_response_free(resp);
			return -1;
		}

		unauthorized++;
		rc = digest_parse(resp->www_authenticate, &s->challenge);
		http_response_free(resp);
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error),
				 "%s: HTTP 401 without a valid Digest WWW-Authenticate header",
				 call_name);
			s->have_challenge = 0;
			return -1;
		}
		s->have_challenge = 1;
		if (unauthorized >= MAX_UNAUTHORIZED) {
			snprintf(s->error, sizeof(s->error),
				 "%s failed: AMT rejected the credentials of %s %u times in a row",
				 call_name, username, unauthorized);
			return -1;
		}
	}
}

/* The realm is "Digest:" and 32 hex digits (RPS src/Validator.ts, isDigestRealmValid). */
static int realm_valid(const char *realm)
{
	size_t i;

	if (strncmp(realm, "Digest:", 7) != 0 || strlen(realm) != 39)
		return 0;
	for (i = 7; i < 39; i++)
		if (!isxdigit((unsigned char)realm[i]))
			return 0;
	return 1;
}

static int get_general_settings(struct session *s, const char *username,
				 const char *password, char *realm,
				 size_t realm_size)
{
	struct http_response resp;
	char *xml = wsman_general_settings_get(s->message_id++);
	int rc;

	if (!xml)
		return -1;
	rc = wsman_call(s, "AMT_GeneralSettings Get", xml, username, password,
			&resp);
	free(xml);
	if (rc < 0)
		return -1;
	rc = xml_element_text(resp.body, "DigestRealm", realm, realm_size);
	http_response_free(&resp);
	if (rc < 0 || !realm_valid(realm)) {
		snprintf(s->error, sizeof(s->error),
			 "AMT_GeneralSettings has no valid DigestRealm (expected \"Digest:\" and 32 hex digits)");
		return -1;
	}
	return 0;
}

static int host_setup(struct session *s, const char *realm)
{
	struct http_response resp;
	char secret[256];
	char admin_digest[33];
	char value[32];
	char *xml;
	int n;
	int rc;

	n = snprintf(secret, sizeof(secret), "admin:%s:%s", realm,
		     s->act.matched->password);
	md5_hex(secret, (size_t)n, admin_digest);
	explicit_bzero(secret, sizeof(secret));
	xml = wsman_host_setup(s->message_id++, admin_digest);
	explicit_bzero(admin_digest, sizeof(admin_digest));
	if (!xml)
		return -1;
	rc = wsman_call(s, "IPS_HostBasedSetupService Setup", xml,
			s->act.username, s->act.password, &resp);
	explicit_bzero(xml, strlen(xml));
	free(xml);
	if (rc < 0)
		return -1;
	rc = xml_element_text(resp.body, "ReturnValue", value, sizeof(value));
	http_response_free(&resp);
	if (rc < 0) {
		snprintf(s->error, sizeof(s->error),
			 "Setup response has no ReturnValue");
		return -1;
	}
	if (strcmp(value, "0") != 0) {
		snprintf(s->error, sizeof(s->error),
			 "Device %s activation failed: Setup returned %.20s",
			 s->act.uuid, value);
		return -1;
	}
	return 0;
}

static int heartbeat(struct session *s)
{
	char *payload;
	size_t len;

	log_msg("session %u: heartbeat_request", s->id);
	if (send_envelope(s, "heartbeat_request", "ok", "", NULL) < 0) {
		snprintf(s->error, sizeof(s->error), "sending heartbeat_request failed");
		return -1;
	}
	payload = expect_method(s, "heartbeat_response", &len);
	if (!payload)
		return -1;
	free(payload);
	log_msg("session %u: heartbeat_response received", s->id);
	return 0;
}

static int activate_ccm(struct session *s)
{
	char realm[64];

	if (get_general_settings(s, s->act.username, s->act.password,
				 realm, sizeof(realm)) < 0)
		return -1;
	log_msg("session %u: digest realm %s", s->id, realm);
	if (s->cfg->heartbeat && heartbeat(s) < 0)
		return -1;
	if (host_setup(s, realm) < 0)
		return -1;
	log_msg("session %u: Setup returned 0", s->id);

	/* From now on AMT accepts only "admin" with the profile password. */
	return get_general_settings(s, "admin", s->act.matched->password,
				    realm, sizeof(realm));
}

/*
 * A device already in CCM: RPS requires the AMT password in the payload
 * to match the profile's, then goes on with configuration as "admin".
 */
static int check_activated(struct session *s)
{
	char realm[64];

	if (strcmp(s->act.password, s->act.matched->password) != 0) {
		snprintf(s->error, sizeof(s->error),
			 "Device %s is in client control mode and its AMT password does not match profile %s",
			 s->act.uuid, s->act.profile);
		return -1;
	}
	return get_general_settings(s, "admin", s->act.matched->password,
				    realm, sizeof(realm));
}

/*
 * Deactivation as RPS does it for client control mode: Unprovision with
 * ProvisioningMode 1 as "admin" with the password from the payload, and
 * a ReturnValue of 0 (RPS's deactivation state machine,
 * invokeUnprovision). Real RPS also deletes the device from MPS and its
 * database, which this peer does not have.
 */
static int deactivate(struct session *s)
{
	struct http_response resp;
	char value[32];
	char *xml = wsman_unprovision(s->message_id++, 1);
	int rc;

	if (!xml)
		return -1;
	rc = wsman_call(s, "AMT_SetupAndConfigurationService Unprovision", xml,
			"admin", s->act.password, &resp);
	free(xml);
	if (rc < 0)
		return -1;
	rc = xml_element_text(resp.body, "ReturnValue", value, sizeof(value));
	http_response_free(&resp);
	if (rc < 0) {
		snprintf(s->error, sizeof(s->error),
			 "Unprovision response has no ReturnValue");
		return -1;
	}
	if (strcmp(value, "0") != 0) {
		snprintf(s->error, sizeof(s->error),
			 "Device %s deactivation failed: Unprovision returned %.20s",
			 s->act.uuid, value);
		return -1;
	}
	return 0;
}

static void send_error(struct session *s)
{
	char *message;

	log_msg("session %u: error: %s", s->id, s->error);
	if (s->dropped)
		return;
	message = status_message(s->error, "None", "None", "None");
	if (message)
		send_envelope(s, "error", "failed", message, NULL);
	free(message);
}

/*
 * Sends the bad message that --misbehave selects. Returns 0 when the session
 * goes on, or -1 when the message ends it: the client must then close
 * the connection, and the session counts as failed.
 */
static int misbehave(struct session *s)
{
	char *text;

	switch (s->cfg->misbehave) {
	case PEER_MISBEHAVE_UNKNOWN_METHOD:
		log_msg("session %u: misbehave: sending method \"bogus_method\"", s->id);
		return send_envelope(s, "bogus_method", "ok", "ignore me", NULL) < 0 ? -1 : 0;
	case PEER_MISBEHAVE_NON_JSON:
		log_msg("session %u: misbehave: sending a frame that is not JSON", s->id);
		if (ws_send_text(s->ws, "this is not {JSON", now_ms() + 2000) < 0)
			return -1;
		break;
	case PEER_MISBEHAVE_BAD_BASE64:
		log_msg("session %u: misbehave: sending a wsman payload that is not base64", s->id);
		if (send_envelope(s, "wsman", "ok", "ok", "%%not*base64%%") < 0)
			return -1;
		break;
	default:
		return 0;
	}
	text = recv_text(s, "the client to close after the bad message");
	if (text) {
		log_msg("session %u: misbehave: the client replied instead of closing: %.80s",
			s->id, text);
		free(text);
	} else {
		log_msg("session %u: misbehave: %s", s->id, s->error);
	}
	return -1;
}

bool session_run(struct ws_conn *ws, const struct peer_config *cfg,
		 unsigned int id, int64_t deadline)
{
	struct session s = {
		.ws = ws,
		.cfg = cfg,
		.id = id,
		.deadline = deadline,
	};
	struct config_result result = { 0 };
	char *message;
	char *text;
	int rc;

	text = recv_text(&s, "the activation request");
	if (!text) {
		log_msg("session %u: %s", id, s.error);
		return false;
	}
	rc = activation_parse(text, cfg, &s.act, s.error, sizeof(s.error));
	free(text);
	if (rc < 0) {
		send_error(&s);
		goto out;
	}
	log_msg("session %u: %s uuid %s profile %s ver %s build %s currentMode %d user %s",
		id, s.act.deactivate ? "deactivate" : "activate", s.act.uuid,
		s.act.deactivate ? "(none)" : s.act.profile, s.act.ver,
		s.act.build, s.act.current_mode, s.act.username);
	rc = misbehave(&s);
	if (rc < 0)
		goto out;

	if (s.act.deactivate) {
		rc = deactivate(&s);
		if (rc < 0) {
			send_error(&s);
			goto out;
		}
		message = status_message("Deactivated", "None", "None", "None");
		rc = message ? send_envelope(&s, "success", "success", message, NULL) : -1;
		free(message);
		if (rc == 0)
			log_msg("session %u: success: device %s deactivated",
				id, s.act.uuid);
		goto out;
	}

	if (s.act.current_mode == 0)
		rc = activate_ccm(&s);
	else
		rc = check_activated(&s);
	if (rc == 0)
		rc = configure_device(&s, &result);
	if (rc < 0) {
		send_error(&s);
		goto out;
	}

	message = status_message(s.act.current_mode == 0 ?
				 "Client control mode" :
				 "already enabled in client mode.",
				 result.network, result.cira, result.tls);
	rc = message ? send_envelope(&s, "success", "success", message, NULL) : -1;
	free(message);
	if (rc == 0)
		log_msg("session %u: success: device %s in client control mode, CIRA %s",
			id, s.act.uuid, result.cira);
out:
	explicit_bzero(&s.act, sizeof(s.act));
	ws_close(ws, 1000, "", now_ms() + 2000);
	return rc == 0;
}
