// SPDX-License-Identifier: MIT
/*
 * SOAP envelopes of the WS-Man calls RPS makes, in the shape
 * go-wsman-messages and RPS send them: SOAP 1.2, WS-Addressing 2004/08,
 * WS-Management 1.0 resource URIs, OperationTimeout PT60S.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsman.h"

#define NS_AMT "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define NS_IPS "http://intel.com/wbem/wscim/1/ips-schema/1/"
#define ACTION_GET "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"

char *wsman_request(unsigned int message_id, const char *action,
		    const char *resource_uri, const char *selector_name,
		    const char *selector_value, const char *body)
{
	static const char format[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
		"<Envelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
		" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
		" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
		" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\""
		" xmlns=\"http://www.w3.org/2003/05/soap-envelope\">"
		"<Header>"
		"<a:Action>%s</a:Action>"
		"<a:To>/wsman</a:To>"
		"<w:ResourceURI>%s</w:ResourceURI>"
		"<a:MessageID>%u</a:MessageID>"
		"<a:ReplyTo><a:Address>"
		"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
		"</a:Address></a:ReplyTo>"
		"<w:OperationTimeout>PT60S</w:OperationTimeout>"
		"%s%s%s%s%s"
		"</Header>"
		"<Body>%s</Body>"
		"</Envelope>";
	bool selector = selector_name && selector_value;
	size_t size = sizeof(format) + strlen(action) + strlen(resource_uri) +
		      strlen(body) + 128 +
		      (selector ? strlen(selector_name) + strlen(selector_value) : 0);
	char *xml = malloc(size);

	if (xml)
		snprintf(xml, size, format, action, resource_uri, message_id,
			 selector ? "<w:SelectorSet><w:Selector Name=\"" : "",
			 selector ? selector_name : "",
			 selector ? "\">" : "",
			 selector ? selector_value : "",
			 selector ? "</w:Selector></w:SelectorSet>" : "",
			 body);
	return xml;
}

char *wsman_general_settings_get(unsigned int message_id)
{
	return wsman_request(message_id, ACTION_GET, NS_AMT "AMT_GeneralSettings",
			     NULL, NULL, "");
}

char *wsman_host_setup(unsigned int message_id, const char *admin_digest)
{
	char body[512];

	/* NetAdminPassEncryptionType 2: the password is an HTTP digest MD5. */
	snprintf(body, sizeof(body),
		 "<h:Setup_INPUT xmlns:h=\"" NS_IPS "IPS_HostBasedSetupService\">"
		 "<h:NetAdminPassEncryptionType>2</h:NetAdminPassEncryptionType>"
		 "<h:NetworkAdminPassword>%s</h:NetworkAdminPassword>"
		 "</h:Setup_INPUT>", admin_digest);
	return wsman_request(message_id, NS_IPS "IPS_HostBasedSetupService/Setup",
			     NS_IPS "IPS_HostBasedSetupService", NULL, NULL, body);
}

char *wsman_unprovision(unsigned int message_id, int provisioning_mode)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "<h:Unprovision_INPUT xmlns:h=\"" NS_AMT "AMT_SetupAndConfigurationService\">"
		 "<h:ProvisioningMode>%d</h:ProvisioningMode>"
		 "</h:Unprovision_INPUT>", provisioning_mode);
	return wsman_request(message_id,
			     NS_AMT "AMT_SetupAndConfigurationService/Unprovision",
			     NS_AMT "AMT_SetupAndConfigurationService", NULL, NULL,
			     body);
}

/* True when the start tag at @tag (just after '<') has @local_name. */
static int tag_matches(const char *tag, const char *local_name)
{
	size_t name_len = strcspn(tag, " \t\r\n/>");
	const char *colon = memchr(tag, ':', name_len);
	size_t local_len = strlen(local_name);

	if (colon) {
		name_len -= (size_t)(colon + 1 - tag);
		tag = colon + 1;
	}
	return name_len == local_len && strncmp(tag, local_name, local_len) == 0;
}

int xml_element_text(const char *xml, const char *local_name, char *out,
		     size_t out_size)
{
	const char *p = xml;

	while ((p = strchr(p, '<'))) {
		const char *text;
		const char *end;
		size_t len;

		p++;
		if (*p == '/' || *p == '?' || *p == '!' || !tag_matches(p, local_name))
			continue;
		text = strchr(p, '>');
		if (!text || text[-1] == '/')
			return -1;
		text++;
		end = strchr(text, '<');
		if (!end)
			return -1;
		len = (size_t)(end - text);
		if (len >= out_size)
			return -1;
		memcpy(out, text, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

const char *xml_element_next(const char *xml, const char *local_name,
			     char *out, size_t out_size)
{
	const char *p = xml;

	while ((p = strchr(p, '<'))) {
		const char *text;
		const char *end;
		size_t len;

		p++;
		if (*p == '/' || *p == '?' || *p == '!' || !tag_matches(p, local_name))
			continue;
		text = strchr(p, '>');
		if (!text)
			return NULL;
		if (text[-1] == '/') {
			if (out_size)
				out[0] = '\0';
			return text + 1;
		}
		text++;
		end = strchr(text, '<');
		if (!end)
			return NULL;
		len = (size_t)(end - text);
		if (len >= out_size)
			return NULL;
		memcpy(out, text, len);
		out[len] = '\0';
		return end;
	}
	return NULL;
}

bool xml_has_element(const char *xml, const char *local_name)
{
	const char *p = xml;

	while ((p = strchr(p, '<'))) {
		p++;
		if (*p != '/' && *p != '?' && *p != '!' && tag_matches(p, local_name))
			return true;
	}
	return false;
}
