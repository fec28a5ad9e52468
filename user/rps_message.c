// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base64.h"
#include "exit_codes.h"
#include "rps_message.h"

#ifndef VPROCTL_VERSION
#define VPROCTL_VERSION "0.0.0"
#endif

/* UUIDs that broken firmware reports; rpc-go rejects them too. */
static const char *const invalid_uuids[] = {
	"00000000-0000-0000-0000-000000000000",
	"03000200-0400-0500-0006-000700080009",
};

const char *rps_app_version(void)
{
	return VPROCTL_VERSION;
}

int rps_uuid_is_invalid(const char *uuid)
{
	size_t i;

	if (!uuid || strlen(uuid) != AMTHI_UUID_STR_LEN)
		return 1;
	for (i = 0; i < sizeof(invalid_uuids) / sizeof(invalid_uuids[0]); i++)
		if (strcasecmp(uuid, invalid_uuids[i]) == 0)
			return 1;
	return 0;
}

int rps_check_hostname(const char *name, int is_suffix, char *why,
		       size_t why_size)
{
	int code = is_suffix ? VP_EXIT_MISSING_DNS_SUFFIX :
			       VP_EXIT_MISSING_HOSTNAME;
	const char *kind = is_suffix ? "DNS suffix" : "hostname";
	size_t len = name ? strlen(name) : 0;
	size_t label = 0;
	size_t i;

	if (len == 0) {
		snprintf(why, why_size, "the %s is empty", kind);
		return code;
	}
	if (len > RPS_MAX_HOSTNAME_LEN) {
		snprintf(why, why_size,
			 "the %s is %zu characters long, more than the DNS maximum of %d",
			 kind, len, RPS_MAX_HOSTNAME_LEN);
		return VP_EXIT_INVALID_USER_INPUT;
	}
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > RPS_MAX_LABEL_LEN) {
				snprintf(why, why_size,
					 "the %s \"%s\" has a label of %zu characters (1 to %d allowed)",
					 kind, name, label, RPS_MAX_LABEL_LEN);
				return VP_EXIT_INVALID_USER_INPUT;
			}
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-') {
			snprintf(why, why_size,
				 "the %s \"%s\" contains '%c' (letters, digits, '-' and '.' allowed)",
				 kind, name, c);
			return VP_EXIT_INVALID_USER_INPUT;
		}
		label++;
	}
	return 0;
}

static json_t *build_cert_hashes(const struct amt_snapshot *amt)
{
	json_t *array = json_array();
	uint32_t i;

	for (i = 0; array && i < amt->hash_count; i++) {
		const struct amthi_cert_hash *h = &amt->hashes[i];
		size_t n = amthi_hash_len(h->algorithm);
		char hex[2 * AMTHI_HASH_MAX_LEN + 1];
		size_t j;

		for (j = 0; j < n; j++)
			snprintf(hex + 2 * j, 3, "%02x", h->hash[j]);
		hex[2 * n] = '\0';
		json_array_append_new(array, json_string(hex));
	}
	return array;
}

/*
 * The payload's JSON; the field names are those rpc-go v2 sends. The
 * password is the local system account's before activation and the AMT
 * password once AMT is activated, as RPS expects.
 */
static json_t *build_payload(const struct rps_activation *in)
{
	const struct amt_snapshot *amt = in->amt;
	const char *password = amt->control_mode != 0 ? in->amt_password :
				amt->account.password;
	const char *username = amt->control_mode != 0 ? "admin" :
				amt->account.username;
	json_t *payload;

	payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:o,"
			    " s:{s:b, s:b, s:b, s:s, s:s, s:s, s:s, s:s},"
			    " s:{s:s, s:s}}",
			    "ver", amt->versions.amt,
			    "build", amt->versions.build_number,
			    "sku", amt->versions.sku_text,
			    "features", amt->features,
			    "uuid", amt->uuid,
			    "username", username,
			    "password", password,
			    "currentMode", (int)amt->control_mode,
			    "hostname", in->hostname,
			    "fqdn", in->fqdn,
			    "client", RPS_CLIENT_NAME,
			    "certHashes", build_cert_hashes(amt),
			    "ipConfiguration",
			    "dhcp", 0, "static", 0, "ipsync", 0,
			    "ipAddress", "", "netmask", "", "gateway", "",
			    "primaryDns", "", "secondaryDns", "",
			    "hostnameInfo",
			    "dnsSuffixOS", in->dns_suffix_os ? in->dns_suffix_os : "",
			    "hostname", in->hostname);
	if (payload && in->friendly_name && in->friendly_name[0])
		json_object_set_new(payload, "friendlyName",
				    json_string(in->friendly_name));
	return payload;
}

static char *build_envelope(const char *method, const char *fqdn,
			    const char *payload)
{
	json_t *msg;
	char *text;

	msg = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			"method", method,
			"apiKey", "key",
			"appVersion", rps_app_version(),
			"protocolVersion", RPS_PROTOCOL_VERSION,
			"status", "ok",
			"message", "ok",
			"fqdn", fqdn ? fqdn : "",
			"payload", payload);
	if (!msg)
		return NULL;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	return text;
}

static void wipe_free(char *text)
{
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
}

static int check_activation(const struct rps_activation *in, char *why,
			    size_t why_size)
{
	const struct amt_snapshot *amt = in->amt;
	int ret;

	if (!amt->uuid_ok || rps_uuid_is_invalid(amt->uuid)) {
		snprintf(why, why_size,
			 "the firmware reports UUID \"%s\", which is not a valid device UUID; update the firmware or BIOS",
			 amt->uuid_ok ? amt->uuid : "(unreadable)");
		return VP_EXIT_INVALID_UUID;
	}
	if (!in->deactivate && (!in->profile || !in->profile[0])) {
		snprintf(why, why_size, "the profile name is empty");
		return VP_EXIT_MISSING_OR_INCORRECT_PROFILE;
	}
	if (amt->control_mode != 0 && (!in->amt_password || !in->amt_password[0])) {
		snprintf(why, why_size,
			 "AMT is already activated (control mode %u): pass its password with --password, --password-file or AMT_PASSWORD",
			 amt->control_mode);
		return VP_EXIT_MISSING_OR_INCORRECT_PASSWORD;
	}
	if (amt->control_mode == 0 && !amt->account_ok) {
		snprintf(why, why_size,
			 "AMTHI GetLocalSystemAccount failed, so RPS cannot log in to AMT");
		return VP_EXIT_AMT_NOT_READY;
	}
	/* Client control mode needs no DNS suffix; RPS checks it for ACM. */
	if (in->fqdn && in->fqdn[0]) {
		ret = rps_check_hostname(in->fqdn, 1, why, why_size);
		if (ret)
			return ret;
	}
	return rps_check_hostname(in->hostname, 0, why, why_size);
}

int rps_build_activation(const struct rps_activation *in, char **out,
			 char *why, size_t why_size)
{
	char method[64 + 256];
	char *payload_text, *payload_b64;
	json_t *payload;
	int ret;

	*out = NULL;
	ret = check_activation(in, why, why_size);
	if (ret)
		return ret;
	if (!in->deactivate && strlen(in->profile) > 255) {
		snprintf(why, why_size, "the profile name is longer than 255 characters");
		return VP_EXIT_MISSING_OR_INCORRECT_PROFILE;
	}

	payload = build_payload(in);
	if (!payload) {
		snprintf(why, why_size, "building the payload JSON failed (out of memory or invalid UTF-8 in a field)");
		return VP_EXIT_GENERIC_FAILURE;
	}
	payload_text = json_dumps(payload, JSON_COMPACT);
	/* NOTE: Jansson frees its own copy of the password without wiping it. */
	json_decref(payload);
	if (!payload_text) {
		snprintf(why, why_size, "serializing the payload failed");
		return VP_EXIT_GENERIC_FAILURE;
	}
	payload_b64 = base64_encode((const uint8_t *)payload_text,
				    strlen(payload_text));
	wipe_free(payload_text);
	if (!payload_b64) {
		snprintf(why, why_size, "base64 encoding failed");
		return VP_EXIT_GENERIC_FAILURE;
	}

	if (in->deactivate)
		snprintf(method, sizeof(method), "deactivate --password %s",
			 in->amt_password);
	else
		snprintf(method, sizeof(method), "activate --profile %s",
			 in->profile);
	*out = build_envelope(method, in->fqdn, payload_b64);
	explicit_bzero(method, sizeof(method));
	wipe_free(payload_b64);
	if (!*out) {
		snprintf(why, why_size, "building the message failed");
		return VP_EXIT_GENERIC_FAILURE;
	}
	if (strlen(*out) > RPS_MAX_MESSAGE_LEN) {
		wipe_free(*out);
		*out = NULL;
		snprintf(why, why_size, "the message is longer than %d bytes",
			 RPS_MAX_MESSAGE_LEN);
		return VP_EXIT_INVALID_USER_INPUT;
	}
	return 0;
}

char *rps_build_response(const uint8_t *data, size_t len)
{
	char *b64 = base64_encode(data, len);
	char *text;

	if (!b64)
		return NULL;
	text = build_envelope("response", NULL, b64);
	free(b64);
	return text;
}

char *rps_build_heartbeat_response(const struct rps_message *request)
{
	json_t *reply = json_deep_copy(request->json);
	char *text;

	if (!reply)
		return NULL;
	json_object_set_new(reply, "method", json_string("heartbeat_response"));
	json_object_set_new(reply, "status", json_string("success"));
	text = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	return text;
}

static char *dup_string_member(json_t *root, const char *key)
{
	const char *value = json_string_value(json_object_get(root, key));

	return strdup(value ? value : "");
}

int rps_parse_message(const char *text, size_t len, struct rps_message *msg)
{
	const char *payload;
	json_t *root;

	memset(msg, 0, sizeof(*msg));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return -EINVAL;
	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "method"))) {
		json_decref(root);
		return -EINVAL;
	}

	msg->json = root;
	msg->method = dup_string_member(root, "method");
	msg->status = dup_string_member(root, "status");
	msg->message = dup_string_member(root, "message");
	if (!msg->method || !msg->status || !msg->message) {
		rps_message_free(msg);
		return -ENOMEM;
	}

	payload = json_string_value(json_object_get(root, "payload"));
	if (payload && payload[0]) {
		msg->payload = base64_decode(payload, strlen(payload),
					     &msg->payload_len);
		if (!msg->payload) {
			rps_message_free(msg);
			return -EBADMSG;
		}
	}
	return 0;
}

void rps_message_free(struct rps_message *msg)
{
	free(msg->method);
	free(msg->status);
	free(msg->message);
	free(msg->payload);
	if (msg->json)
		json_decref(msg->json);
	memset(msg, 0, sizeof(*msg));
}
