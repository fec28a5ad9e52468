// SPDX-License-Identifier: MIT
/*
 * Host unit test of user/rps_message.c: the activation request built from
 * a fake AMTHI snapshot, its base64 payload, UUID and host name checks,
 * parsing of RPS messages, and the exit-code table. Prints TAP and exits
 * 1 on any failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64.h"
#include "exit_codes.h"
#include "rps_message.h"

static int test_count;
static int failures;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	test_count++;
	if (!ok)
		failures++;
	printf("%s %d - ", ok ? "ok" : "not ok", test_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void check_str(const char *got, const char *expected, const char *what)
{
	bool ok = got && strcmp(got, expected) == 0;

	check(ok, "%s is \"%s\"", what, expected);
	if (!ok)
		printf("# got \"%s\"\n", got ? got : "(null)");
}

/* A pre-provisioned AMT 16 device with two certificate hashes. */
static void fake_snapshot(struct amt_snapshot *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	strcpy(s->versions.amt, "16.1.25");
	strcpy(s->versions.build_number, "2049");
	strcpy(s->versions.sku_text, "16392");
	s->versions.sku = 16392;
	s->versions.count = 3;
	strcpy(s->features, "AMT Pro Corporate");
	strcpy(s->uuid, "4c4c4544-0042-3510-8052-b4c04f384d32");
	s->uuid_ok = true;
	s->control_mode = 0;
	s->control_mode_ok = true;
	strcpy(s->dns_suffix, "amt.example.com");
	s->dns_suffix_ok = true;
	strcpy(s->account.username, "$$OsAdmin");
	strcpy(s->account.password, "lsa-Secret-123");
	s->account_ok = true;

	s->hashes[0].algorithm = 2;	/* SHA256: 32 bytes */
	for (i = 0; i < 32; i++)
		s->hashes[0].hash[i] = (uint8_t)i;
	strcpy(s->hashes[0].name, "Root A");
	s->hashes[1].algorithm = 3;	/* SHA384: 48 bytes */
	for (i = 0; i < 48; i++)
		s->hashes[1].hash[i] = (uint8_t)(0xff - i);
	strcpy(s->hashes[1].name, "Root B");
	s->hash_count = 2;
	s->hashes_ok = true;
}

static struct rps_activation fake_input(const struct amt_snapshot *s)
{
	return (struct rps_activation) {
		.amt = s,
		.profile = "ccm-profile",
		.fqdn = "corp.example.com",
		.hostname = "edge-node-01",
		.dns_suffix_os = "os.example.com",
		.amt_password = NULL,
		.friendly_name = "Edge node 1",
	};
}

static char *hex_of(const uint8_t *p, size_t n)
{
	char *out = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
	return out;
}

/* Decodes the envelope's base64 payload into a JSON object, or NULL. */
static json_t *decode_payload(json_t *envelope)
{
	const char *b64 = json_string_value(json_object_get(envelope, "payload"));
	uint8_t *raw;
	json_t *payload;
	size_t len;

	if (!b64)
		return NULL;
	raw = base64_decode(b64, strlen(b64), &len);
	if (!raw)
		return NULL;
	payload = json_loadb((const char *)raw, len, 0, NULL);
	free(raw);
	return payload;
}

static void test_envelope(void)
{
	struct amt_snapshot s;
	struct rps_activation in;
	char why[256] = "";
	char *text = NULL;
	json_t *env;
	int ret;

	fake_snapshot(&s);
	in = fake_input(&s);
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == 0, "activation request builds (%s)", why);
	env = text ? json_loads(text, 0, NULL) : NULL;
	check(json_is_object(env), "activation request is a JSON object");
	check_str(json_string_value(json_object_get(env, "method")),
		  "activate --profile ccm-profile", "envelope method");
	check_str(json_string_value(json_object_get(env, "apiKey")), "key",
		  "envelope apiKey");
	check_str(json_string_value(json_object_get(env, "appVersion")),
		  rps_app_version(), "envelope appVersion");
	check_str(json_string_value(json_object_get(env, "protocolVersion")),
		  "4.0.0", "envelope protocolVersion");
	check_str(json_string_value(json_object_get(env, "status")), "ok",
		  "envelope status");
	check_str(json_string_value(json_object_get(env, "message")), "ok",
		  "envelope message");
	check_str(json_string_value(json_object_get(env, "fqdn")),
		  "corp.example.com", "envelope fqdn");
	check(text && strlen(text) <= RPS_MAX_MESSAGE_LEN,
	      "activation request fits in 100 KiB");
	json_decref(env);
	free(text);
}

static void test_payload_fields(void)
{
	struct amt_snapshot s;
	struct rps_activation in;
	char *text = NULL, *hash_a, *hash_b, *expected_text;
	json_t *env, *payload, *expected;
	char why[256] = "";

	fake_snapshot(&s);
	in = fake_input(&s);
	rps_build_activation(&in, &text, why, sizeof(why));
	env = text ? json_loads(text, 0, NULL) : NULL;
	payload = env ? decode_payload(env) : NULL;
	check(json_is_object(payload), "payload decodes from base64 to a JSON object");

	hash_a = hex_of(s.hashes[0].hash, 32);
	hash_b = hex_of(s.hashes[1].hash, 48);
	expected = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s,"
			     " s:[s, s],"
			     " s:{s:b, s:b, s:b, s:s, s:s, s:s, s:s, s:s},"
			     " s:{s:s, s:s}, s:s}",
			     "ver", "16.1.25", "build", "2049", "sku", "16392",
			     "features", "AMT Pro Corporate",
			     "uuid", "4c4c4544-0042-3510-8052-b4c04f384d32",
			     "username", "$$OsAdmin", "password", "lsa-Secret-123",
			     "currentMode", 0, "hostname", "edge-node-01",
			     "fqdn", "corp.example.com", "client", "RPC",
			     "certHashes", hash_a, hash_b,
			     "ipConfiguration", "dhcp", 0, "static", 0, "ipsync", 0,
			     "ipAddress", "", "netmask", "", "gateway", "",
			     "primaryDns", "", "secondaryDns", "",
			     "hostnameInfo", "dnsSuffixOS", "os.example.com",
			     "hostname", "edge-node-01",
			     "friendlyName", "Edge node 1");
	check(json_equal(payload, expected), "payload equals the expected JSON");
	if (!json_equal(payload, expected)) {
		char *got = json_dumps(payload, JSON_SORT_KEYS);

		expected_text = json_dumps(expected, JSON_SORT_KEYS);
		printf("# got      %s\n# expected %s\n", got, expected_text);
		free(got);
		free(expected_text);
	}
	check_str(json_string_value(json_object_get(payload, "username")),
		  "$$OsAdmin", "pre-provisioning username (local system account)");
	check_str(json_string_value(json_object_get(payload, "client")), "RPC",
		  "payload client");
	check(json_integer_value(json_object_get(payload, "currentMode")) == 0,
	      "payload currentMode is 0");
	check(json_array_size(json_object_get(payload, "certHashes")) == 2,
	      "payload has both certificate hashes");
	check(strlen(json_string_value(json_array_get(json_object_get(payload, "certHashes"), 1)) ?: "") == 96,
	      "SHA384 hash is 96 hex digits");

	json_decref(expected);
	json_decref(payload);
	json_decref(env);
	free(hash_a);
	free(hash_b);
	free(text);
}

static void test_activated_device(void)
{
	struct amt_snapshot s;
	struct rps_activation in;
	char why[256] = "";
	char *text = NULL;
	json_t *env, *payload;
	int ret;

	fake_snapshot(&s);
	s.control_mode = 1;
	in = fake_input(&s);
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == VP_EXIT_MISSING_OR_INCORRECT_PASSWORD,
	      "activated device without AMT password is rejected with 23");
	check(text == NULL, "no request is built without the password");

	in.amt_password = "AMT-pass-1";
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == 0, "activated device with AMT password builds");
	env = text ? json_loads(text, 0, NULL) : NULL;
	payload = env ? decode_payload(env) : NULL;
	check_str(json_string_value(json_object_get(payload, "username")),
		  "admin", "activated device username");
	check_str(json_string_value(json_object_get(payload, "password")),
		  "AMT-pass-1", "activated device sends the AMT password");
	check(json_integer_value(json_object_get(payload, "currentMode")) == 1,
	      "payload currentMode is 1");
	check(text && !strstr(text, "lsa-Secret-123"),
	      "activated device request omits the local account password");
	json_decref(payload);
	json_decref(env);
	free(text);
}

static void test_invalid_uuid(void)
{
	static const char *const bad[] = {
		"00000000-0000-0000-0000-000000000000",
		"03000200-0400-0500-0006-000700080009",
		"03000200-0400-0500-0006-000700080009 ",
		"4c4c4544-0042-3510-8052",
		"",
	};
	struct amt_snapshot s;
	struct rps_activation in;
	char why[256];
	char *text = NULL;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_snapshot(&s);
		snprintf(s.uuid, sizeof(s.uuid), "%s", bad[i]);
		in = fake_input(&s);
		ret = rps_build_activation(&in, &text, why, sizeof(why));
		check(ret == VP_EXIT_INVALID_UUID && !text,
		      "UUID \"%s\" is rejected with 37", bad[i]);
	}

	fake_snapshot(&s);
	s.uuid_ok = false;
	in = fake_input(&s);
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == VP_EXIT_INVALID_UUID, "unreadable UUID is rejected with 37");

	check(rps_uuid_is_invalid("03000200-0400-0500-0006-000700080009"),
	      "placeholder UUID is invalid");
	check(!rps_uuid_is_invalid("4c4c4544-0042-3510-8052-b4c04f384d32"),
	      "real UUID is valid");
}

static void test_hostnames(void)
{
	char name[400], why[256];
	struct amt_snapshot s;
	struct rps_activation in;
	char *text = NULL;
	int ret;

	/* 4 labels of 63 characters and 3 dots: 255 characters. */
	memset(name, 'a', 255);
	name[63] = name[127] = name[191] = '.';
	name[255] = '\0';
	check(rps_check_hostname(name, 0, why, sizeof(why)) == VP_EXIT_INVALID_USER_INPUT,
	      "255-character hostname is rejected with 36");
	name[253] = '\0';
	check(rps_check_hostname(name, 0, why, sizeof(why)) == 0,
	      "253-character hostname is accepted");

	memset(name, 'b', 64);
	name[64] = '\0';
	check(rps_check_hostname(name, 0, why, sizeof(why)) == VP_EXIT_INVALID_USER_INPUT,
	      "64-character label is rejected with 36");
	name[63] = '\0';
	check(rps_check_hostname(name, 0, why, sizeof(why)) == 0,
	      "63-character label is accepted");

	check(rps_check_hostname("", 0, why, sizeof(why)) == VP_EXIT_MISSING_HOSTNAME,
	      "empty hostname is rejected with 25");
	check(rps_check_hostname("", 1, why, sizeof(why)) == VP_EXIT_MISSING_DNS_SUFFIX,
	      "empty DNS suffix is rejected with 24");
	check(rps_check_hostname("a..b", 1, why, sizeof(why)) == VP_EXIT_INVALID_USER_INPUT,
	      "empty label is rejected with 36");
	check(rps_check_hostname("host_name", 0, why, sizeof(why)) == VP_EXIT_INVALID_USER_INPUT,
	      "underscore is rejected with 36");
	check(strstr(why, "host_name") != NULL, "rejection names the value");

	fake_snapshot(&s);
	in = fake_input(&s);
	memset(name, 'c', 300);
	name[300] = '\0';
	in.hostname = name;
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == VP_EXIT_INVALID_USER_INPUT && !text,
	      "request with a 300-character hostname is rejected");
	in.hostname = "";
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == VP_EXIT_MISSING_HOSTNAME && !text,
	      "request without hostname is rejected with 25");
	in.hostname = "edge";
	in.fqdn = "bad_suffix.example";
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == VP_EXIT_INVALID_USER_INPUT && !text,
	      "request with invalid DNS suffix is rejected with 36");
	in.fqdn = "";
	ret = rps_build_activation(&in, &text, why, sizeof(why));
	check(ret == 0 && text, "request without DNS suffix builds (CCM)");
	free(text);
}

static void test_missing_account(void)
{
	struct amt_snapshot s;
	struct rps_activation in;
	char why[256];
	char *text = NULL;

	fake_snapshot(&s);
	s.account_ok = false;
	in = fake_input(&s);
	check(rps_build_activation(&in, &text, why, sizeof(why)) == VP_EXIT_AMT_NOT_READY,
	      "pre-provisioning without local account is rejected with 4");
	in.profile = "";
	s.account_ok = true;
	check(rps_build_activation(&in, &text, why, sizeof(why)) ==
	      VP_EXIT_MISSING_OR_INCORRECT_PROFILE, "empty profile is rejected with 21");
}

static void test_parse_messages(void)
{
	static const char http[] = "POST /wsman HTTP/1.1\r\nHost: x:16992\r\n\r\n";
	struct rps_message msg;
	char *b64 = base64_encode((const uint8_t *)http, strlen(http));
	char text[512], *reply;
	json_t *root;
	int ret;

	snprintf(text, sizeof(text),
		 "{\"method\":\"wsman\",\"apiKey\":\"key\",\"status\":\"ok\",\"message\":\"ok\",\"payload\":\"%s\"}",
		 b64);
	ret = rps_parse_message(text, strlen(text), &msg);
	check(ret == 0, "wsman message parses");
	check_str(msg.method, "wsman", "parsed method");
	check(msg.payload_len == strlen(http) &&
	      memcmp(msg.payload, http, msg.payload_len) == 0,
	      "wsman payload decodes to the HTTP request");
	rps_message_free(&msg);

	ret = rps_parse_message("not json", 8, &msg);
	check(ret == -EINVAL, "non-JSON text is rejected");
	ret = rps_parse_message("{\"status\":\"ok\"}", 15, &msg);
	check(ret == -EINVAL, "message without method is rejected");
	ret = rps_parse_message("[1,2]", 5, &msg);
	check(ret == -EINVAL, "JSON array is rejected");
	snprintf(text, sizeof(text), "{\"method\":\"wsman\",\"payload\":\"@@@\"}");
	ret = rps_parse_message(text, strlen(text), &msg);
	check(ret == -EBADMSG, "invalid base64 payload is rejected");

	snprintf(text, sizeof(text),
		 "{\"method\":\"heartbeat_request\",\"apiKey\":\"key\",\"status\":\"ok\",\"message\":\"\",\"tenantId\":\"t1\"}");
	ret = rps_parse_message(text, strlen(text), &msg);
	reply = ret == 0 ? rps_build_heartbeat_response(&msg) : NULL;
	root = reply ? json_loads(reply, 0, NULL) : NULL;
	check_str(json_string_value(json_object_get(root, "method")),
		  "heartbeat_response", "heartbeat reply method");
	check_str(json_string_value(json_object_get(root, "status")),
		  "success", "heartbeat reply status");
	check_str(json_string_value(json_object_get(root, "tenantId")),
		  "t1", "heartbeat reply keeps the other fields");
	json_decref(root);
	free(reply);
	rps_message_free(&msg);

	reply = rps_build_response((const uint8_t *)http, strlen(http));
	root = reply ? json_loads(reply, 0, NULL) : NULL;
	check_str(json_string_value(json_object_get(root, "method")),
		  "response", "response method");
	check_str(json_string_value(json_object_get(root, "payload")), b64,
		  "response payload is the base64 of the AMT reply");
	json_decref(root);
	free(reply);
	free(b64);
}

static void test_base64(void)
{
	static const struct {
		const char *plain;
		const char *encoded;
	} cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	};
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *enc = base64_encode((const uint8_t *)cases[i].plain,
					  strlen(cases[i].plain));
		uint8_t *dec = base64_decode(cases[i].encoded,
					     strlen(cases[i].encoded), &len);

		check(enc && strcmp(enc, cases[i].encoded) == 0,
		      "base64 of \"%s\" is \"%s\"", cases[i].plain, cases[i].encoded);
		check(dec && len == strlen(cases[i].plain) &&
		      memcmp(dec, cases[i].plain, len) == 0,
		      "\"%s\" decodes to \"%s\"", cases[i].encoded, cases[i].plain);
		free(enc);
		free(dec);
	}
	check(base64_decode("Zm9", 3, &len) == NULL,
	      "base64 with a length not a multiple of 4 is rejected");
}

static void test_exit_codes(void)
{
	static const struct {
		int code;
		const char *name;
	} chart[] = {
		{ 0, "Success" }, { 2, "HECI driver not detected" },
		{ 3, "AMT not detected" }, { 4, "AMT not ready" },
		{ 5, "Help requested" }, { 10, "Generic failure" },
		{ 20, "Missing or incorrect URL" },
		{ 21, "Missing or incorrect profile" },
		{ 22, "Server certificate verification failed" },
		{ 23, "Missing or incorrect password" },
		{ 24, "Missing DNS suffix" }, { 25, "Missing hostname" },
		{ 26, "Missing proxy address and port" },
		{ 28, "Incorrect command line parameters" },
		{ 33, "Invalid parameter combination" },
		{ 36, "Invalid user input" }, { 37, "Invalid UUID" },
		{ 70, "RPS authentication failed" },
		{ 71, "AMT connection failed" },
		{ 100, "AMT authentication failed" },
		{ 101, "WS-Man message error" }, { 102, "Activation failed" },
		{ 104, "CIRA configuration failed" },
		{ 109, "Unable to deactivate" }, { 110, "Deactivation failed" },
		{ 111, "Unable to activate" },
		{ 113, "Unmarshal message failed" },
		{ 115, "Device not activated" },
		{ 138, "Unsupported AMT version" },
		{ 139, "LMS connection failed" },
	};
	size_t i;

	for (i = 0; i < sizeof(chart) / sizeof(chart[0]); i++) {
		char label[64];

		snprintf(label, sizeof(label), "exit code %d name", chart[i].code);
		check_str(vp_exit_name(chart[i].code), chart[i].name, label);
	}
	check(vp_exit_name(1) && strstr(vp_exit_name(1), "Incorrect permissions"),
	      "exit code 1 is incorrect permissions");
	check(vp_exit_name(6) == NULL, "exit code 6 has no name");
	check(VP_EXIT_INVALID_UUID == 37 && VP_EXIT_AMT_NOT_DETECTED == 3 &&
	      VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS == 28,
	      "enum values match rpc-go's chart");
}

int main(void)
{
	test_envelope();
	test_payload_fields();
	test_activated_device();
	test_invalid_uuid();
	test_hostnames();
	test_missing_account();
	test_parse_messages();
	test_base64();
	test_exit_codes();

	printf("1..%d\n", test_count);
	return failures ? 1 : 0;
}
