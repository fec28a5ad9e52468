// SPDX-License-Identifier: MIT
/*
 * Host unit test of user/digest_auth.c: the RFC 2617 example (section
 * 3.5), the RFC 2069 form without qop, challenge parsing as AMT sends it,
 * and the Authorization header. Expected digests were computed with
 * Python's hashlib, not with the code under test. Prints TAP and exits 1
 * on any failure.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "digest_auth.h"

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
	bool ok = strstr(text, part) != NULL;

	check(ok, "%s contains %s", what, part);
	if (!ok)
		printf("# got \"%s\"\n", text);
}

static void test_md5(void)
{
	char hex[DIGEST_HEX_LEN + 1];

	check(digest_md5_hex("", 0, hex) == 0, "md5 of empty input succeeds");
	check_str(hex, "d41d8cd98f00b204e9800998ecf8427e", "md5 of \"\"");
}

static void test_rfc2617_example(void)
{
	char out[DIGEST_HEX_LEN + 1] = "";
	int ret;

	ret = digest_response("Mufasa", "testrealm@host.com", "Circle Of Life",
			      "GET", "/dir/index.html",
			      "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
			      "0a4f113b", "auth", out);
	check(ret == 0, "RFC 2617 example computes");
	check_str(out, "6629fae49393a05397450978507c4ef1",
		  "RFC 2617 example response");

	ret = digest_response("Mufasa", "testrealm@host.com", "Circle Of Life",
			      "GET", "/dir/index.html",
			      "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL, NULL,
			      NULL, out);
	check(ret == 0, "RFC 2069 form computes");
	check_str(out, "670fd8c2df070c60b045671b8b24ff02",
		  "RFC 2069 form response");
}

static void test_parse_amt_challenge(void)
{
	struct digest_challenge ch;
	int ret;

	ret = digest_parse_challenge(
		"Digest realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\", nonce=\"0123456789abcdef\", stale=\"false\", qop=\"auth\"",
		&ch);
	check(ret == 0, "AMT challenge parses");
	check_str(ch.realm, "Digest:A3829B3827DE4D33D4449B366831FD01",
		  "AMT challenge realm");
	check_str(ch.nonce, "0123456789abcdef", "AMT challenge nonce");
	check(ch.qop_present && ch.qop_auth, "AMT challenge offers qop auth");
	check(ch.opaque[0] == '\0', "AMT challenge has no opaque");
	check(ch.nc == 0, "new challenge starts with nc 0");
}

static void test_parse_variants(void)
{
	struct digest_challenge ch;

	check(digest_parse_challenge(
		      "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int, auth\", opaque=\"o\\\"q\"",
		      &ch) == 0, "qop list with auth-int parses");
	check(ch.qop_auth, "qop list \"auth-int, auth\" offers auth");
	check_str(ch.opaque, "o\"q", "escaped quote in opaque");

	check(digest_parse_challenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"",
				     &ch) == 0, "qop auth-int only parses");
	check(ch.qop_present && !ch.qop_auth, "qop auth-int only lacks auth");

	check(digest_parse_challenge("digest realm=r,nonce=n,algorithm=MD5", &ch) == 0,
	      "unquoted values and lower-case scheme parse");
	check(!ch.qop_present, "challenge without qop has no qop");

	check(digest_parse_challenge("Basic realm=\"r\"", &ch) == -1,
	      "Basic challenge is rejected");
	check(digest_parse_challenge("Digest nonce=\"n\"", &ch) == -1,
	      "challenge without realm is rejected");
	check(digest_parse_challenge("Digest realm=\"r\"", &ch) == -1,
	      "challenge without nonce is rejected");
	check(digest_parse_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess",
				     &ch) == -1, "MD5-sess is rejected");
	check(digest_parse_challenge("Digest realm=\"r, nonce=\"n\"", &ch) == -1,
	      "unterminated quote is rejected");
	check(digest_parse_challenge("", &ch) == -1, "empty header is rejected");
}

static void test_parse_too_long(void)
{
	char header[DIGEST_FIELD_MAX + 64];
	struct digest_challenge ch;
	size_t n;

	n = (size_t)snprintf(header, sizeof(header), "Digest nonce=\"n\", realm=\"");
	memset(header + n, 'x', DIGEST_FIELD_MAX);
	strcpy(header + n + DIGEST_FIELD_MAX, "\"");
	check(digest_parse_challenge(header, &ch) == -1,
	      "realm of %d bytes is rejected", DIGEST_FIELD_MAX);
}

static void test_authorization(void)
{
	struct digest_challenge ch;
	char header[1024];
	int ret;

	digest_parse_challenge("Digest realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\", nonce=\"0123456789abcdef\", qop=\"auth\"",
			       &ch);
	ch.nc = 1;	/* one request already sent with this nonce */
	ret = digest_authorization(&ch, "$$OsAdmin", "lsa-secret", "POST",
				   "/wsman", "cafebabe", header, sizeof(header));
	check(ret == 0, "Authorization for AMT builds");
	check_contains(header, "Digest username=\"$$OsAdmin\"", "Authorization");
	check_contains(header, "nc=00000002", "Authorization");
	check_contains(header, "qop=auth", "Authorization");
	check_contains(header, "uri=\"/wsman\"", "Authorization");
	check_contains(header, "cnonce=\"cafebabe\"", "Authorization");
	check_contains(header, "response=\"c419a0a3b397b03e0a9e929d1ff33d66\"",
		       "Authorization");
	check(strstr(header, "lsa-secret") == NULL,
	      "Authorization does not contain the password");
	check(ch.nc == 2, "nc counts the request");

	ret = digest_authorization(&ch, "$$OsAdmin", "lsa-secret", "POST",
				   "/wsman", NULL, header, sizeof(header));
	check(ret == 0, "Authorization with a random cnonce builds");
	check_contains(header, "nc=00000003", "second Authorization");

	check(digest_authorization(&ch, "$$OsAdmin", "lsa-secret", "POST",
				   "/wsman", "cafebabe", header, 40) == -1,
	      "Authorization into a 40-byte buffer fails");
	check(ch.nc == 3, "failed Authorization does not count");

	digest_parse_challenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", &ch);
	check(digest_authorization(&ch, "u", "p", "POST", "/wsman", "c", header,
				   sizeof(header)) == -1,
	      "Authorization for an auth-int only challenge fails");

	digest_parse_challenge("Digest realm=\"r\", nonce=\"n\", opaque=\"xyz\"", &ch);
	check(digest_authorization(&ch, "u", "p", "POST", "/wsman", NULL,
				   header, sizeof(header)) == 0,
	      "Authorization without qop builds");
	check(strstr(header, "qop=") == NULL && strstr(header, "nc=") == NULL,
	      "Authorization without qop has no qop or nc");
	check_contains(header, "opaque=\"xyz\"", "Authorization without qop");

	digest_parse_challenge("Digest realm=\"r\", nonce=\"n\", opaque=\"x\\\"y\"", &ch);
	check(digest_authorization(&ch, "u", "p", "POST", "/wsman", NULL,
				   header, sizeof(header)) == -1,
	      "Authorization with a quote in opaque fails");
}

int main(void)
{
	test_md5();
	test_rfc2617_example();
	test_parse_amt_challenge();
	test_parse_variants();
	test_parse_too_long();
	test_authorization();
	printf("1..%d\n", test_count);
	return failures ? 1 : 0;
}
