// SPDX-License-Identifier: MIT
/*
 * AMT WS-Man endpoint of the firmware model: HTTP checks, digest auth and
 * the dispatch of each call. Requests are matched on the WS-Addressing
 * Action and the WS-Management ResourceURI. A plain substring search
 * finds them whatever namespace prefix the client used, so no XML
 * library is needed. AMT_GeneralSettings and IPS_HostBasedSetupService
 * live here; every other class is in the store (wsman_store.c) and its
 * family's file.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "fault.h"
#include "fwsim.h"
#include "wsman.h"
#include "wsman_internal.h"

#define ACTION_GET	NS_TRANSFER "/Get"
#define ACTION_GET_RESPONSE NS_TRANSFER "/GetResponse"

#define URI_GENERAL_SETTINGS	NS_AMT "AMT_GeneralSettings"
#define URI_HOST_SETUP		NS_IPS "IPS_HostBasedSetupService"
#define ACTION_SETUP		URI_HOST_SETUP "/Setup"
#define ACTION_SETUP_RESPONSE	URI_HOST_SETUP "/SetupResponse"

#define SERVER_HEADER "Server: Intel(R) Active Management Technology 16.1.25\r\n"

/*
 * IPS_HostBasedSetupService.Setup return values.
 * NOTE: taken from the IPS MOF value map, not from a hardware trace.
 */
enum setup_return {
	SETUP_SUCCESS = 0,
	SETUP_INTERNAL_ERROR = 1,
	SETUP_INVALID_STATE = 2,
	SETUP_INVALID_PARAM = 3,
};

static bool wsman_is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

int wsman_element_text(const char *xml, const char *name, char *text,
		       size_t size)
{
	size_t name_len = strlen(name);
	const char *p = xml;

	while ((p = strstr(p, name))) {
		const char *start = p;
		const char *end;
		const char *q;
		size_t n;

		p += name_len;
		/* Walk back over an optional "prefix:" to the '<'. */
		q = start;
		if (q > xml && q[-1] == ':') {
			q--;
			while (q > xml && wsman_is_name_char((unsigned char)q[-1]))
				q--;
		}
		if (q == xml || q[-1] != '<')
			continue;
		if (*p != '>' && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n' && *p != '/')
			continue;

		p = strchr(p, '>');
		if (!p)
			return -1;
		if (p[-1] == '/') {
			text[0] = '\0';
			return size ? 0 : -1;
		}
		p++;
		end = strchr(p, '<');
		if (!end)
			return -1;
		while (p < end && isspace((unsigned char)*p))
			p++;
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		n = (size_t)(end - p);
		if (n >= size)
			return -1;
		memcpy(text, p, n);
		text[n] = '\0';
		return 0;
	}
	return -1;
}

static int wsman_send_unauthorized(struct http_buf *out, bool close)
{
	static const char body[] =
		"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n"
		"<html><head><title>Intel&reg; Active Management Technology</title></head>"
		"<body><h1>401 Unauthorized</h1></body></html>\n";
	char nonce[DIGEST_NONCE_LEN + 1];

	if (digest_new_nonce(nonce)) {
		fw_log("wsman: random source failed, cannot create a nonce");
		return http_format_error(out, 500);
	}
	return http_buf_printf(out,
		"HTTP/1.1 401 Unauthorized\r\n"
		"WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", stale=\"false\", qop=\"auth\"\r\n"
		"Content-Type: text/html\r\n"
		SERVER_HEADER
		"Content-Length: %zu\r\n"
		"%s"
		"\r\n%s",
		fw_state.digest_realm, nonce, sizeof(body) - 1,
		close ? "Connection: close\r\n" : "", body);
}

static int wsman_get_general_settings(struct http_buf *out,
				      const struct wsman_call *call)
{
	struct http_buf xml = { 0 };
	int rc;

	rc = wsman_begin_envelope(&xml, call, ACTION_GET_RESPONSE,
				  URI_GENERAL_SETTINGS);
	rc = rc ? rc : http_buf_printf(&xml,
		"<g:AMT_GeneralSettings>"
		"<g:AMTNetworkEnabled>1</g:AMTNetworkEnabled>"
		"<g:DDNSPeriodicUpdateInterval>1440</g:DDNSPeriodicUpdateInterval>"
		"<g:DDNSTTL>900</g:DDNSTTL>"
		"<g:DDNSUpdateByDHCPServerEnabled>true</g:DDNSUpdateByDHCPServerEnabled>"
		"<g:DDNSUpdateEnabled>false</g:DDNSUpdateEnabled>"
		"<g:DHCPv6ConfigurationTimeout>0</g:DHCPv6ConfigurationTimeout>"
		"<g:DigestRealm>");
	rc = rc ? rc : wsman_append_escaped(&xml, fw_state.digest_realm);
	rc = rc ? rc : http_buf_printf(&xml,
		"</g:DigestRealm><g:DomainName>");
	rc = rc ? rc : wsman_append_escaped(&xml, fw_state.dns_suffix);
	rc = rc ? rc : http_buf_printf(&xml,
		"</g:DomainName>"
		"<g:ElementName>Intel(r) AMT: General Settings</g:ElementName>"
		"<g:HostName></g:HostName>"
		"<g:HostOSFQDN></g:HostOSFQDN>"
		"<g:IdleWakeTimeout>65535</g:IdleWakeTimeout>"
		"<g:InstanceID>Intel(r) AMT: General Settings</g:InstanceID>"
		"<g:NetworkInterfaceEnabled>true</g:NetworkInterfaceEnabled>"
		"<g:PingResponseEnabled>true</g:PingResponseEnabled>"
		"<g:PowerSource>0</g:PowerSource>"
		"<g:PreferredAddressFamily>0</g:PreferredAddressFamily>"
		"<g:PresenceNotificationInterval>0</g:PresenceNotificationInterval>"
		"<g:PrivacyLevel>0</g:PrivacyLevel>"
		"<g:RmcpPingResponseEnabled>true</g:RmcpPingResponseEnabled>"
		"<g:SharedFQDN>true</g:SharedFQDN>"
		"<g:ThunderboltDockEnabled>0</g:ThunderboltDockEnabled>"
		"<g:WsmanOnlyMode>false</g:WsmanOnlyMode>"
		"</g:AMT_GeneralSettings>");
	rc = rc ? rc : wsman_end_envelope(&xml);
	rc = rc ? rc : wsman_send_soap(out, 200, &xml, call->close);
	http_buf_free(&xml);
	return rc;
}

/* Runs Setup on the firmware state and returns its ReturnValue. */
static enum setup_return wsman_run_setup(const char *body)
{
	char type[16];
	char password[64];
	size_t i;

	if (fw_state.provisioning_state != 0) {
		fw_log("wsman: Setup rejected, provisioning state is %u",
		       fw_state.provisioning_state);
		return SETUP_INVALID_STATE;
	}
	if (wsman_element_text(body, "NetAdminPassEncryptionType", type,
			       sizeof(type)) || strcmp(type, "2")) {
		fw_log("wsman: Setup rejected, NetAdminPassEncryptionType must be 2 (HTTP digest MD5)");
		return SETUP_INVALID_PARAM;
	}
	if (wsman_element_text(body, "NetworkAdminPassword", password,
			       sizeof(password)) || strlen(password) != 32) {
		fw_log("wsman: Setup rejected, NetworkAdminPassword must be 32 hex digits");
		return SETUP_INVALID_PARAM;
	}
	for (i = 0; i < 32; i++) {
		if (!isxdigit((unsigned char)password[i])) {
			fw_log("wsman: Setup rejected, NetworkAdminPassword must be 32 hex digits");
			return SETUP_INVALID_PARAM;
		}
		password[i] = (char)tolower((unsigned char)password[i]);
	}

	if (wsman_store_reset()) {
		fw_log("wsman: Setup failed, out of memory for the configuration store");
		return SETUP_INTERNAL_ERROR;
	}
	memcpy(fw_state.admin_digest, password, 33);
	fw_state.control_mode = 1;
	fw_state.provisioning_state = 2;
	fw_log("wsman: Setup done, control mode is now client control mode");
	return SETUP_SUCCESS;
}

/*
 * Runs Setup and sends its reply. The setup-reply fault either applies
 * Setup and sends nothing, so the host gets no reply, or sends a
 * Setup_OUTPUT without ReturnValue and leaves the firmware state alone.
 */
static int wsman_setup(struct http_buf *out, const struct wsman_call *call,
		       const char *body)
{
	struct http_buf xml = { 0 };
	enum setup_return ret;
	int rc;

	if (fw_faults.setup_reply == FW_SETUP_REPLY_DROP) {
		ret = wsman_run_setup(body);
		fw_log("wsman: fault setup-reply=drop, Setup returned %d and its reply is not sent",
		       (int)ret);
		return 0;
	}

	rc = wsman_begin_envelope(&xml, call, ACTION_SETUP_RESPONSE,
				  URI_HOST_SETUP);
	if (fw_faults.setup_reply == FW_SETUP_REPLY_NO_RETURN_VALUE) {
		fw_log("wsman: fault setup-reply=no-return-value, Setup not applied");
		rc = rc ? rc : http_buf_printf(&xml,
			"<g:Setup_OUTPUT></g:Setup_OUTPUT>");
	} else {
		ret = wsman_run_setup(body);
		rc = rc ? rc : http_buf_printf(&xml,
			"<g:Setup_OUTPUT><g:ReturnValue>%d</g:ReturnValue></g:Setup_OUTPUT>",
			(int)ret);
	}
	rc = rc ? rc : wsman_end_envelope(&xml);
	rc = rc ? rc : wsman_send_soap(out, 200, &xml, call->close);
	http_buf_free(&xml);
	return rc;
}

static int wsman_dispatch(struct http_buf *out, const struct http_request *req,
			  bool close)
{
	struct wsman_call call = { .close = close };
	const char *body = req->body ? req->body : "";
	const struct wsman_class *cls;

	if (wsman_element_text(body, "Action", call.action,
			       sizeof(call.action)) ||
	    wsman_element_text(body, "ResourceURI", call.resource_uri,
				sizeof(call.resource_uri)) ||
	    wsman_element_text(body, "MessageID", call.message_id,
				sizeof(call.message_id)))
		return wsman_send_fault(out, &call,
			"b:InvalidMessageInformationHeader",
			"A message information header is missing or invalid.");

	if (!strcmp(call.resource_uri, URI_GENERAL_SETTINGS)) {
		if (!strcmp(call.action, ACTION_GET))
			return wsman_get_general_settings(out, &call);
	} else if (!strcmp(call.resource_uri, URI_HOST_SETUP)) {
		if (!strcmp(call.action, ACTION_SETUP))
			return wsman_setup(out, &call, body);
	} else if (wsman_setup_service_matches(call.resource_uri)) {
		return wsman_setup_service_dispatch(out, &call, body);
	} else {
		cls = wsman_store_find_class(call.resource_uri);
		if (cls)
			return wsman_store_dispatch(cls, &call, body, out);
		return wsman_send_fault(out, &call, "b:DestinationUnreachable",
			"No route can be determined to reach the destination role defined by the WS-Addressing To.");
	}
	return wsman_send_fault(out, &call, "b:ActionNotSupported",
		"The action is not supported by the service.");
}

int wsman_handle(const struct http_request *req, struct http_buf *out,
		 bool *close_after)
{
	bool close = http_request_wants_close(req);
	size_t before;
	int rc;

	*close_after = close;
	if (strcmp(req->target, "/wsman")) {
		fw_log("wsman: %s %s: not found, only /wsman exists",
		       req->method, req->target);
		*close_after = true;
		return http_format_error(out, 404);
	}
	if (strcmp(req->method, "POST")) {
		fw_log("wsman: %s /wsman: method not allowed, only POST",
		       req->method);
		*close_after = true;
		return http_format_error(out, 405);
	}
	/* reject-lsa-auth: only the admin account set by Setup gets in. */
	if (fw_faults.reject_lsa_auth && !fw_state.admin_digest[0]) {
		fw_log("wsman: fault reject-lsa-auth, answering 401");
		return wsman_send_unauthorized(out, close);
	}
	if (!digest_check(http_request_header(req, "Authorization"),
			  req->method, req->target))
		return wsman_send_unauthorized(out, close);

	before = out->len;
	rc = wsman_dispatch(out, req, close);
	/* A dropped reply (setup-reply=drop) keeps the channel open, silent. */
	if (rc == 0 && out->len == before)
		*close_after = false;
	return rc;
}
