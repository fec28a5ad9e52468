// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_auth.h"
#include "wsman_message.h"

#define NS_ADDRESSING	"http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define ACTION_GET	"http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
#define ACTION_SETUP	WSMAN_URI_HOST_SETUP "/Setup"

/* Wraps @body in an envelope with the WS-Addressing and WS-Man headers. */
static char *build_envelope(const char *action, const char *resource_uri,
			    unsigned int message_id, const char *body)
{
	char *xml = NULL;

	if (asprintf(&xml,
		     "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
		     "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
		     " xmlns:wsa=\"" NS_ADDRESSING "\""
		     " xmlns:wsman=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
		     "<s:Header>"
		     "<wsa:Action s:mustUnderstand=\"true\">%s</wsa:Action>"
		     "<wsa:To s:mustUnderstand=\"true\">/wsman</wsa:To>"
		     "<wsman:ResourceURI s:mustUnderstand=\"true\">%s</wsman:ResourceURI>"
		     "<wsa:MessageID s:mustUnderstand=\"true\">%u</wsa:MessageID>"
		     "<wsa:ReplyTo><wsa:Address>" NS_ADDRESSING "/role/anonymous</wsa:Address></wsa:ReplyTo>"
		     "<wsman:OperationTimeout>PT60S</wsman:OperationTimeout>"
		     "</s:Header>"
		     "<s:Body>%s</s:Body>"
		     "</s:Envelope>",
		     action, resource_uri, message_id, body) < 0)
		return NULL;
	return xml;
}

char *wsman_general_settings_get(unsigned int message_id)
{
	return build_envelope(ACTION_GET, WSMAN_URI_GENERAL_SETTINGS,
			      message_id, "");
}

static bool is_hex_digest(const char *s)
{
	size_t i;

	for (i = 0; i < DIGEST_HEX_LEN; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[DIGEST_HEX_LEN] == '\0';
}

char *wsman_host_setup(unsigned int message_id, const char *admin_digest)
{
	char body[512];

	if (!is_hex_digest(admin_digest))
		return NULL;
	snprintf(body, sizeof(body),
		 "<p:Setup_INPUT xmlns:p=\"" WSMAN_URI_HOST_SETUP "\">"
		 "<p:NetAdminPassEncryptionType>%d</p:NetAdminPassEncryptionType>"
		 "<p:NetworkAdminPassword>%s</p:NetworkAdminPassword>"
		 "</p:Setup_INPUT>",
		 WSMAN_PASS_ENCRYPTION_DIGEST_MD5, admin_digest);
	return build_envelope(ACTION_SETUP, WSMAN_URI_HOST_SETUP, message_id,
			      body);
}

int wsman_admin_digest(const char *realm, const char *password, char out[33])
{
	char *a1 = NULL;
	int len, ret;

	len = asprintf(&a1, "admin:%s:%s", realm, password);
	if (len < 0)
		return -1;
	ret = digest_md5_hex(a1, (size_t)len, out);
	explicit_bzero(a1, (size_t)len);
	free(a1);
	return ret;
}

/* True when the tag name at @p (just after '<') has local name @name. */
static bool local_name_is(const char *p, const char *name)
{
	size_t len = strcspn(p, " \t\r\n/>");
	const char *colon = memchr(p, ':', len);

	if (colon) {
		len -= (size_t)(colon + 1 - p);
		p = colon + 1;
	}
	return len == strlen(name) && strncmp(p, name, len) == 0;
}

int wsman_element_text(const char *xml, const char *name, char *out,
		       size_t size)
{
	const char *p = xml;

	while ((p = strchr(p, '<'))) {
		const char *text, *end;
		size_t len;

		p++;
		if (*p == '/' || *p == '?' || *p == '!' ||
		    !local_name_is(p, name))
			continue;
		text = strchr(p, '>');
		if (!text || text[-1] == '/')
			return -1;
		text++;
		end = strchr(text, '<');
		if (!end)
			return -1;
		while (text < end && isspace((unsigned char)*text))
			text++;
		while (end > text && isspace((unsigned char)end[-1]))
			end--;
		len = (size_t)(end - text);
		if (len >= size)
			return -1;
		memcpy(out, text, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

int wsman_return_value(const char *xml, unsigned long *value)
{
	char text[24];
	char *end;

	if (wsman_element_text(xml, "ReturnValue", text, sizeof(text)) ||
	    !isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	*value = strtoul(text, &end, 10);
	if (errno || *end)
		return -1;
	return 0;
}
