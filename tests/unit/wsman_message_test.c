// SPDX-License-Identifier: MIT
/*
 * Host unit test of user/wsman_message.c and user/http_message.c: the
 * GeneralSettings Get and Setup envelopes, the admin password digest
 * (expected value from Python's hashlib), values read from AMT replies,
 * and the HTTP framing of requests and responses. Prints TAP and exits 1
 * on any failure.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_message.h"
#include "wsman_message.h"

#define REALM	"Digest:A3829B3827DE4D33D4449B366831FD01"

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

static void check_contains(const char *text, const char *part, const char *what)
{
	bool ok = text && strstr(text, part) != NULL;

	check(ok, "%s contains %s", what, part);
	if (!ok)
		printf("# got \"%s\"\n", text ? text : "(null)");
}

static void test_admin_digest(void)
{
	char digest[33] = "";

	check(wsman_admin_digest(REALM, "P@ssw0rd-Local1", digest) == 0,
	      "admin digest computes");
	check_str(digest, "812f120ad6c3348a42e7bcde07769eab",
		  "md5(admin:realm:password)");
}

static void test_general_settings_get(void)
{
	char text[256];
	char *xml = wsman_general_settings_get(7);

	check(xml != NULL, "GeneralSettings Get builds");
	if (!xml)
		return;
	check(wsman_element_text(xml, "Action", text, sizeof(text)) == 0,
	      "Get has an Action");
	check_str(text, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
		  "Get Action");
	check(wsman_element_text(xml, "ResourceURI", text, sizeof(text)) == 0,
	      "Get has a ResourceURI");
	check_str(text, WSMAN_URI_GENERAL_SETTINGS, "Get ResourceURI");
	check(wsman_element_text(xml, "MessageID", text, sizeof(text)) == 0,
	      "Get has a MessageID");
	check_str(text, "7", "Get MessageID");
	check_contains(xml, "<s:Body></s:Body>", "Get");
	free(xml);
}

static void test_host_setup(void)
{
	char text[256];
	char *xml = wsman_host_setup(8, "812f120ad6c3348a42e7bcde07769eab");

	check(xml != NULL, "Setup builds");
	if (!xml)
		return;
	check(wsman_element_text(xml, "Action", text, sizeof(text)) == 0,
	      "Setup has an Action");
	check_str(text, WSMAN_URI_HOST_SETUP "/Setup", "Setup Action");
	check(wsman_element_text(xml, "ResourceURI", text, sizeof(text)) == 0,
	      "Setup has a ResourceURI");
	check_str(text, WSMAN_URI_HOST_SETUP, "Setup ResourceURI");
	check(wsman_element_text(xml, "NetAdminPassEncryptionType", text,
				 sizeof(text)) == 0,
	      "Setup has NetAdminPassEncryptionType");
	check_str(text, "2", "NetAdminPassEncryptionType");
	check(wsman_element_text(xml, "NetworkAdminPassword", text,
				 sizeof(text)) == 0,
	      "Setup has NetworkAdminPassword");
	check_str(text, "812f120ad6c3348a42e7bcde07769eab",
		  "NetworkAdminPassword");
	check_contains(xml, "<p:Setup_INPUT xmlns:p=\"" WSMAN_URI_HOST_SETUP "\">",
		       "Setup body");
	free(xml);

	check(wsman_host_setup(9, "plain-password") == NULL,
	      "Setup rejects a password that is not a digest");
	check(wsman_host_setup(9, "812f120ad6c3348a42e7bcde07769eab0") == NULL,
	      "Setup rejects 33 hex digits");
	check(wsman_host_setup(9, "812f120ad6c3348a42e7bcde0776<eab") == NULL,
	      "Setup rejects markup in the digest");
}

static void test_reply_values(void)
{
	static const char settings[] =
		"<a:Envelope><a:Body><g:AMT_GeneralSettings>"
		"<g:DDNSTTL>900</g:DDNSTTL>"
		"<g:DigestRealm>\n  " REALM "  </g:DigestRealm>"
		"<g:HostName></g:HostName><g:Empty/>"
		"</g:AMT_GeneralSettings></a:Body></a:Envelope>";
	static const char setup_ok[] =
		"<a:Body><g:Setup_OUTPUT><g:ReturnValue>0</g:ReturnValue>"
		"</g:Setup_OUTPUT></a:Body>";
	static const char setup_state[] =
		"<Setup_OUTPUT><ReturnValue>2</ReturnValue></Setup_OUTPUT>";
	unsigned long value = 99;
	char text[64];

	check(wsman_element_text(settings, "DigestRealm", text, sizeof(text)) == 0,
	      "DigestRealm is found with a prefix");
	check_str(text, REALM, "trimmed DigestRealm");
	check(wsman_element_text(settings, "DigestRealm", text, 10) == -1,
	      "DigestRealm into 10 bytes fails");
	check(wsman_element_text(settings, "Realm", text, sizeof(text)) == -1,
	      "a suffix of a name does not match");
	check(wsman_element_text(settings, "HostName", text, sizeof(text)) == 0 &&
	      text[0] == '\0', "empty element gives empty text");
	check(wsman_element_text(settings, "Empty", text, sizeof(text)) == -1,
	      "self-closing element has no text");
	check(wsman_element_text(settings, "Missing", text, sizeof(text)) == -1,
	      "missing element fails");

	check(wsman_return_value(setup_ok, &value) == 0 && value == 0,
	      "ReturnValue 0 is read");
	check(wsman_return_value(setup_state, &value) == 0 && value == 2,
	      "ReturnValue 2 is read without prefixes");
	check(wsman_return_value("<ReturnValue>x1</ReturnValue>", &value) == -1,
	      "non-numeric ReturnValue fails");
	check(wsman_return_value("<ReturnValue>-1</ReturnValue>", &value) == -1,
	      "negative ReturnValue fails");
	check(wsman_return_value(settings, &value) == -1,
	      "reply without ReturnValue fails");
}

static void test_http_request(void)
{
	char *req = http_wsman_request("Digest username=\"u\"", "<x/>");

	check(req != NULL, "HTTP request builds");
	if (!req)
		return;
	check(strncmp(req, "POST /wsman HTTP/1.1\r\n", 22) == 0,
	      "request line is POST /wsman HTTP/1.1");
	check(strstr(req, "\r\nAuthorization: Digest username=\"u\"\r\n") != NULL,
	      "request has the Authorization header");
	check(strstr(req, "\r\nContent-Length: 4\r\n") != NULL,
	      "request has Content-Length 4");
	check(strstr(req, "\r\nConnection: close\r\n") != NULL,
	      "request has Connection: close");
	check(strlen(req) > 8 && strcmp(req + strlen(req) - 8, "\r\n\r\n<x/>") == 0,
	      "request ends with the header end and the body");
	free(req);

	req = http_wsman_request(NULL, "<x/>");
	check(req && !strstr(req, "Authorization"),
	      "request without credentials has no Authorization");
	free(req);
}

static void test_http_response(void)
{
	static const char chunked[] =
		"HTTP/1.1 200 OK\r\n"
		"Content-Type: application/soap+xml; charset=UTF-8\r\n"
		"transfer-encoding: chunked\r\n"
		"\r\n"
		"0005\r\nhello\r\n"
		"6;ext=1\r\n world\r\n"
		"0\r\n\r\n";
	static const char unauthorized[] =
		"HTTP/1.1 401 Unauthorized\r\n"
		"WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"n\", qop=\"auth\"\r\n"
		"Content-Length: 3\r\n"
		"\r\n"
		"abcEXTRA";
	static const char *const bad[] = {
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nServer: x\r\n",
		"SSH-2.0-OpenSSH\r\n\r\n",
		"",
	};
	struct http_response r;
	char err[128];
	size_t i;

	check(http_response_parse(chunked, strlen(chunked), &r, err,
				  sizeof(err)) == 0, "chunked response parses");
	check(r.status == 200, "chunked response status is 200");
	check_str(r.body, "hello world", "de-chunked body");
	check(r.body_len == 11, "de-chunked body length is 11");
	check(r.www_authenticate[0] == '\0', "200 response has no challenge");
	http_response_free(&r);

	check(http_response_parse(unauthorized, strlen(unauthorized), &r, err,
				  sizeof(err)) == 0, "401 response parses");
	check(r.status == 401, "401 response status is 401");
	check_str(r.www_authenticate,
		  "Digest realm=\"" REALM "\", nonce=\"n\", qop=\"auth\"",
		  "WWW-Authenticate");
	check_str(r.body, "abc", "Content-Length body");
	http_response_free(&r);

	check(http_response_parse("HTTP/1.1 200 OK\r\n\r\nto the end", 29, &r,
				  err, sizeof(err)) == 0,
	      "response without length parses");
	check_str(r.body, "to the end", "body read to the end");
	http_response_free(&r);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = http_response_parse(bad[i], strlen(bad[i]), &r, err,
					      sizeof(err));

		check(ret == -1 && err[0], "malformed response %zu is rejected",
		      i);
		if (ret == 0)
			http_response_free(&r);
		else
			printf("# %s\n", err);
	}
}

int main(void)
{
	test_admin_digest();
	test_general_settings_get();
	test_host_setup();
	test_reply_values();
	test_http_request();
	test_http_response();
	printf("1..%d\n", test_count);
	return failures ? 1 : 0;
}
