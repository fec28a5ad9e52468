// SPDX-License-Identifier: MIT
/*
 * RPS envelope: {method, apiKey, appVersion, protocolVersion, status,
 * message, fqdn, payload, tenantId}, with payload as base64 of JSON.
 * Field names follow rpc-go v2 (internal/rps/message.go) and RPS v2.x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "envelope.h"

#define PEER_APP_VERSION "0.1.0"

char *envelope_build(const char *method, const char *status,
		     const char *message, const char *payload_b64)
{
	json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				 "method", method,
				 "apiKey", "",
				 "appVersion", PEER_APP_VERSION,
				 "protocolVersion", PEER_PROTOCOL_VERSION,
				 "status", status,
				 "message", message ? message : "",
				 "fqdn", "",
				 "payload", payload_b64 ? payload_b64 : "",
				 "tenantId", "");
	char *text;

	if (!root)
		return NULL;
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

char *status_message(const char *status, const char *network,
		     const char *cira, const char *tls)
{
	json_t *root = json_pack("{s:s, s:s, s:s, s:s}",
				 "Status", status,
				 "Network", network,
				 "CIRAConnection", cira,
				 "TLSConfiguration", tls);
	char *text;

	if (!root)
		return NULL;
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

int envelope_parse(const char *text, bool require_version,
		   char *method, size_t method_size,
		   char **payload, size_t *payload_len,
		   char *err, size_t err_size)
{
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr);
	const char *value;
	json_t *field;
	int rc = -1;

	*payload = NULL;
	*payload_len = 0;
	if (!root) {
		snprintf(err, err_size, "message is not valid JSON: %s (line %d)",
			 jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, err_size, "message is not a JSON object");
		goto out;
	}

	field = json_object_get(root, "method");
	value = json_string_value(field);
	if (!value || !*value) {
		snprintf(err, err_size, "message has no \"method\" string");
		goto out;
	}
	if (strlen(value) >= method_size) {
		snprintf(err, err_size, "\"method\" is longer than %zu bytes",
			 method_size - 1);
		goto out;
	}
	strcpy(method, value);

	field = json_object_get(root, "protocolVersion");
	value = json_string_value(field);
	if (!value && require_version) {
		snprintf(err, err_size, "message has no \"protocolVersion\" string");
		goto out;
	}
	if (value &&
	    (value[0] != '4' || (value[1] != '\0' && value[1] != '.'))) {
		snprintf(err, err_size,
			 "protocol version %.20s is not supported; use %s",
			 value, PEER_PROTOCOL_VERSION);
		goto out;
	}

	field = json_object_get(root, "payload");
	value = json_string_value(field);
	if (field && !value) {
		snprintf(err, err_size, "\"payload\" is not a string");
		goto out;
	}
	if (value && *value) {
		*payload = base64_decode(value, payload_len);
		if (!*payload) {
			snprintf(err, err_size, "\"payload\" is not valid base64");
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Copies string member @key of @obj into @out. Returns 0 or -1. */
static int copy_string(json_t *obj, const char *key, char *out, size_t size,
		       char *err, size_t err_size)
{
	const char *value = json_string_value(json_object_get(obj, key));

	if (!value || !*value) {
		snprintf(err, err_size, "activation payload is missing \"%s\"", key);
		return -1;
	}
	if (strlen(value) >= size) {
		snprintf(err, err_size,
			 "activation payload \"%s\" is longer than %zu bytes",
			 key, size - 1);
		return -1;
	}
	strcpy(out, value);
	return 0;
}

/*
 * Reads the profile from the method line "activate --profile NAME"
 * (rpc-go's form) or, with a bare "activate", from payload.profile.
 * "deactivate --password PASSWORD" needs no profile, and the peer takes
 * the password from the payload, which carries the same one.
 */
static int parse_command(const char *method, json_t *payload,
			 struct activation *act, char *err, size_t err_size)
{
	char line[256];
	char *save = NULL;
	char *word;

	snprintf(line, sizeof(line), "%s", method);
	word = strtok_r(line, " ", &save);
	act->deactivate = word && strcmp(word, "deactivate") == 0;
	if (!word || (strcmp(word, "activate") != 0 && !act->deactivate)) {
		snprintf(err, err_size,
			 "method \"%.40s\" is not supported; this peer runs \"activate --profile NAME\" and \"deactivate --password PASSWORD\"",
			 word ? word : "");
		return -1;
	}
	act->profile[0] = '\0';
	if (act->deactivate) {
		explicit_bzero(line, sizeof(line));
		return 0;
	}
	while ((word = strtok_r(NULL, " ", &save))) {
		if (strcmp(word, "--profile") == 0 || strcmp(word, "-profile") == 0) {
			word = strtok_r(NULL, " ", &save);
			if (!word || strlen(word) >= sizeof(act->profile)) {
				snprintf(err, err_size,
					 "--profile in the method needs a name of at most %zu bytes",
					 sizeof(act->profile) - 1);
				return -1;
			}
			strcpy(act->profile, word);
		} else if (word[0] == '-') {
			/* The next word may be a secret, so only the option is named. */
			log_msg("ignoring option %.40s in the method", word);
		}
	}
	if (!act->profile[0]) {
		const char *name = json_string_value(json_object_get(payload, "profile"));

		if (!name || !*name || strlen(name) >= sizeof(act->profile)) {
			snprintf(err, err_size,
				 "no profile given; send \"activate --profile NAME\"");
			return -1;
		}
		strcpy(act->profile, name);
	}
	return 0;
}

/*
 * RPS rejects AMT older than 7, and builds below 3000 of the versions it
 * lists up to 11.6 (RPS src/Validator.ts, verifyAMTVersion).
 */
static int check_version(const struct activation *act, char *err,
			 size_t err_size)
{
	unsigned int major = 0;
	unsigned int minor = 0;

	if (sscanf(act->ver, "%u.%u", &major, &minor) < 1) {
		snprintf(err, err_size, "activation payload \"ver\" %.20s is not a version number",
			 act->ver);
		return -1;
	}
	if (major < 7) {
		snprintf(err, err_size,
			 "Device %s activation failed: AMT version %s is older than 7 and cannot be configured remotely",
			 act->uuid, act->ver);
		return -1;
	}
	if ((major < 11 || (major == 11 && minor <= 6)) && atoi(act->build) < 3000) {
		snprintf(err, err_size,
			 "Device %s activation failed: AMT %s build %s is below 3000; update the firmware",
			 act->uuid, act->ver, act->build);
		return -1;
	}
	return 0;
}

static int check_payload(json_t *payload, const struct peer_config *cfg,
			 struct activation *act, char *err, size_t err_size)
{
	const char *client;
	json_t *mode;
	unsigned int i;

	client = json_string_value(json_object_get(payload, "client"));
	if (!client || strcmp(client, "RPC") != 0) {
		snprintf(err, err_size,
			 "activation payload \"client\" is %.20s; expected \"RPC\"",
			 client ? client : "missing");
		return -1;
	}
	if (copy_string(payload, "uuid", act->uuid, sizeof(act->uuid),
			err, err_size) < 0)
		return -1;
	if (strlen(act->uuid) != 36) {
		snprintf(err, err_size,
			 "activation payload uuid %.40s is not 36 characters long",
			 act->uuid);
		return -1;
	}
	if (copy_string(payload, "ver", act->ver, sizeof(act->ver), err, err_size) < 0 ||
	    copy_string(payload, "build", act->build, sizeof(act->build), err, err_size) < 0)
		return -1;
	if (check_version(act, err, err_size) < 0)
		return -1;
	if (copy_string(payload, "password", act->password, sizeof(act->password),
			err, err_size) < 0) {
		snprintf(err, err_size, "Device %s activation failed: missing password",
			 act->uuid);
		return -1;
	}
	if (copy_string(payload, "username", act->username, sizeof(act->username),
			err, err_size) < 0)
		return -1;

	mode = json_object_get(payload, "currentMode");
	if (!json_is_integer(mode) || json_integer_value(mode) < 0 ||
	    json_integer_value(mode) > 2) {
		snprintf(err, err_size,
			 "Device %s activation failed: currentMode must be 0, 1 or 2",
			 act->uuid);
		return -1;
	}
	act->current_mode = (int)json_integer_value(mode);

	client = json_string_value(json_object_get(payload, "hostname"));
	snprintf(act->hostname, sizeof(act->hostname), "%s", client ? client : "");

	if (act->deactivate) {
		if (act->current_mode == 0) {
			snprintf(err, err_size,
				 "Device %s deactivation failed: it is in pre-provisioning mode",
				 act->uuid);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < cfg->profile_count; i++)
		if (strcmp(cfg->profiles[i].name, act->profile) == 0)
			act->matched = &cfg->profiles[i];
	if (!act->matched) {
		snprintf(err, err_size,
			 "Device %s activation failed: profile %s is not known to this server",
			 act->uuid, act->profile);
		return -1;
	}
	/* Every profile of this peer is a CCM profile. */
	if (act->current_mode == 2) {
		snprintf(err, err_size,
			 "Device %s is already activated in admin control mode; profile %s is for client control mode",
			 act->uuid, act->profile);
		return -1;
	}
	return 0;
}

int activation_parse(const char *text, const struct peer_config *cfg,
		     struct activation *act, char *err, size_t err_size)
{
	char method[256];
	char *raw = NULL;
	size_t raw_len;
	json_error_t jerr;
	json_t *payload;
	int rc;

	memset(act, 0, sizeof(*act));
	if (envelope_parse(text, true, method, sizeof(method), &raw, &raw_len,
			   err, err_size) < 0)
		return -1;
	if (!raw) {
		snprintf(err, err_size, "activation request has an empty payload");
		return -1;
	}
	payload = json_loadb(raw, raw_len, 0, &jerr);
	free(raw);
	if (!json_is_object(payload)) {
		snprintf(err, err_size, "activation payload is not a JSON object: %s",
			 payload ? "wrong type" : jerr.text);
		json_decref(payload);
		return -1;
	}
	rc = parse_command(method, payload, act, err, err_size);
	/* "deactivate --password PASSWORD" carries a secret. */
	explicit_bzero(method, sizeof(method));
	if (rc == 0)
		rc = check_payload(payload, cfg, act, err, err_size);
	json_decref(payload);
	return rc;
}
