// SPDX-License-Identifier: MIT
/*
 * Configuration of an activated device, in the order RPS runs it for
 * client control mode. The steps are wired network (DHCP), 802.1x, WiFi,
 * HTTP proxies, remote access policy rules and MPS, TLS and certificates,
 * environment detection, redirection, user consent and KVM. CIRA follows
 * when the profile has it. Every call runs as "admin" with the
 * profile password. Each reply must be HTTP 200 with the element the
 * call returns (ReturnValue 0 for methods), or the session fails with a
 * message that names the call.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"
#include "session.h"
#include "wsman.h"

#define NS_AMT "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define NS_IPS "http://intel.com/wbem/wscim/1/ips-schema/1/"
#define NS_CIM "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
#define NS_TRANSFER "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
#define NS_ENUMERATION "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define NS_ADDRESSING "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"

#define URI_PORT_SETTINGS	NS_AMT "AMT_EthernetPortSettings"
#define URI_MPS			NS_AMT "AMT_ManagementPresenceRemoteSAP"
#define URI_POLICY_RULE		NS_AMT "AMT_RemoteAccessPolicyRule"
#define URI_REMOTE_ACCESS	NS_AMT "AMT_RemoteAccessService"
#define URI_REDIRECTION		NS_AMT "AMT_RedirectionService"
#define URI_OPT_IN		NS_IPS "IPS_OptInService"
#define URI_KVM			NS_CIM "CIM_KVMRedirectionSAP"

/* AMT_RedirectionService.EnabledState with IDE-R and SOL both enabled. */
#define REDIRECTION_IDER_SOL	"32771"
/* CIM_KVMRedirectionSAP RequestedState "enabled". */
#define KVM_ENABLED		"2"
/* IPS_OptInService.OptInRequired: user consent for every session, which
 * client control mode cannot turn off. */
#define OPT_IN_ALL		"4294967295"
/* AMT_UserInitiatedConnectionService: BIOS and OS may start CIRA. */
#define USER_INITIATED_ALL	"32771"

/*
 * The CIRA server the profile points AMT at. The firmware model never
 * connects to it, so the loopback address is enough.
 */
#define CIRA_ADDRESS		"127.0.0.1"
#define CIRA_PORT		"4433"
#define CIRA_USERNAME		"cira-user"
/*
 * ExtendedData of the periodic policy rule: 8 bytes, here interval type 0
 * and 600 seconds, both big-endian.
 * NOTE: the layout is a guess; the firmware model only stores the value.
 */
#define CIRA_PERIODIC_DATA	"AAAAAAAAAlg="

/* Runs one call as admin and checks that the reply has element @expect. */
static int call_admin(struct session *s, const char *name, char *xml,
		      const char *expect, struct http_response *resp)
{
	int rc;

	if (!xml) {
		snprintf(s->error, sizeof(s->error), "%s: out of memory", name);
		return -1;
	}
	rc = wsman_call(s, name, xml, "admin", s->act.matched->password, resp);
	free(xml);
	if (rc < 0)
		return -1;
	if (!xml_has_element(resp->body, expect)) {
		snprintf(s->error, sizeof(s->error),
			 "%s: AMT's reply has no %s element", name, expect);
		http_response_free(resp);
		return -1;
	}
	return 0;
}

static int get_instance(struct session *s, const char *name, const char *uri,
			const char *class_name, struct http_response *resp)
{
	char label[128];

	snprintf(label, sizeof(label), "%s Get", name);
	return call_admin(s, label,
			  wsman_request(s->message_id++, NS_TRANSFER "Get", uri,
					NULL, NULL, ""),
			  class_name, resp);
}

/* Enumerates @uri and pulls every instance into @items. */
static int enumerate_pull(struct session *s, const char *name, const char *uri,
			  struct http_response *items)
{
	struct http_response resp;
	char context[128];
	char label[128];
	char body[512];
	int rc;

	snprintf(label, sizeof(label), "%s Enumerate", name);
	if (call_admin(s, label,
		       wsman_request(s->message_id++, NS_ENUMERATION "/Enumerate",
				     uri, NULL, NULL,
				     "<Enumerate xmlns=\"" NS_ENUMERATION "\"/>"),
		       "EnumerationContext", &resp) < 0)
		return -1;
	rc = xml_element_text(resp.body, "EnumerationContext", context,
			      sizeof(context));
	http_response_free(&resp);
	if (rc < 0 || !context[0]) {
		snprintf(s->error, sizeof(s->error),
			 "%s: AMT returned an empty or overlong EnumerationContext", label);
		return -1;
	}

	snprintf(label, sizeof(label), "%s Pull", name);
	snprintf(body, sizeof(body),
		 "<Pull xmlns=\"" NS_ENUMERATION "\"><EnumerationContext>%s"
		 "</EnumerationContext><MaxElements>999</MaxElements>"
		 "<MaxCharacters>99999</MaxCharacters></Pull>", context);
	return call_admin(s, label,
			  wsman_request(s->message_id++, NS_ENUMERATION "/Pull",
					uri, NULL, NULL, body),
			  "Items", items);
}

/* Enumerates and pulls @uri only to check that AMT replies. */
static int enumerate_only(struct session *s, const char *name, const char *uri)
{
	struct http_response items;

	if (enumerate_pull(s, name, uri, &items) < 0)
		return -1;
	http_response_free(&items);
	return 0;
}

static int put_instance(struct session *s, const char *name, const char *uri,
			const char *selector_name, const char *selector_value,
			const char *properties, const char *expect,
			struct http_response *resp)
{
	const char *class_name = strrchr(uri, '/') + 1;
	char label[128];
	char body[2048];

	snprintf(label, sizeof(label), "%s Put", name);
	snprintf(body, sizeof(body), "<h:%s xmlns:h=\"%s\">%s</h:%s>",
		 class_name, uri, properties, class_name);
	return call_admin(s, label,
			  wsman_request(s->message_id++, NS_TRANSFER "Put", uri,
					selector_name, selector_value, body),
			  expect, resp);
}

/*
 * Invokes method @method of @uri with the @params elements (prefix h:)
 * and requires ReturnValue 0. On success @resp, when not NULL, contains
 * the reply.
 */
static int invoke(struct session *s, const char *name, const char *uri,
		  const char *method, const char *params,
		  struct http_response *resp)
{
	struct http_response local;
	struct http_response *r = resp ? resp : &local;
	char action[256];
	char label[128];
	char value[32];
	char *body;
	size_t size;
	int rc;

	snprintf(label, sizeof(label), "%s.%s", name, method);
	snprintf(action, sizeof(action), "%s/%s", uri, method);
	size = strlen(params) + strlen(uri) + 2 * strlen(method) + 64;
	body = malloc(size);
	if (body)
		snprintf(body, size, "<h:%s_INPUT xmlns:h=\"%s\">%s</h:%s_INPUT>",
			 method, uri, params, method);
	rc = call_admin(s, label,
			body ? wsman_request(s->message_id++, action, uri, NULL,
					     NULL, body) : NULL,
			"ReturnValue", r);
	free(body);
	if (rc < 0)
		return -1;
	rc = xml_element_text(r->body, "ReturnValue", value, sizeof(value));
	if (rc < 0 || strcmp(value, "0") != 0) {
		snprintf(s->error, sizeof(s->error), "%s failed: ReturnValue %s",
			 label, rc < 0 ? "(unreadable)" : value);
		http_response_free(r);
		return -1;
	}
	if (!resp)
		http_response_free(r);
	return 0;
}

/* Sets DHCP on the wired port, the one with PhysicalConnectionType 0. */
static int configure_wired(struct session *s)
{
	struct http_response items;
	struct http_response resp;
	char instance_id[128] = "";
	char properties[512];
	char text[128];
	const char *cursor;
	int rc;

	if (enumerate_pull(s, "AMT_EthernetPortSettings", URI_PORT_SETTINGS,
			   &items) < 0)
		return -1;
	cursor = items.body;
	while ((cursor = xml_element_next(cursor, "InstanceID", text, sizeof(text)))) {
		char type[16];

		if (xml_element_next(cursor, "PhysicalConnectionType", type,
				     sizeof(type)) && !strcmp(type, "0")) {
			snprintf(instance_id, sizeof(instance_id), "%s", text);
			break;
		}
	}
	http_response_free(&items);
	if (!instance_id[0]) {
		snprintf(s->error, sizeof(s->error),
			 "AMT_EthernetPortSettings Pull: no wired port (PhysicalConnectionType 0)");
		return -1;
	}

	snprintf(properties, sizeof(properties),
		 "<h:DHCPEnabled>true</h:DHCPEnabled>"
		 "<h:ElementName>Intel(r) AMT Ethernet Port Settings</h:ElementName>"
		 "<h:InstanceID>%s</h:InstanceID>"
		 "<h:IpSyncEnabled>true</h:IpSyncEnabled>"
		 "<h:SharedStaticIp>false</h:SharedStaticIp>", instance_id);
	if (put_instance(s, "AMT_EthernetPortSettings", URI_PORT_SETTINGS,
			 "InstanceID", instance_id, properties, "DHCPEnabled",
			 &resp) < 0)
		return -1;
	rc = xml_element_text(resp.body, "DHCPEnabled", text, sizeof(text));
	http_response_free(&resp);
	if (rc < 0 || strcmp(text, "true") != 0) {
		snprintf(s->error, sizeof(s->error),
			 "AMT_EthernetPortSettings Put: DHCPEnabled is \"%s\" after the Put, expected true",
			 rc < 0 ? "(missing)" : text);
		return -1;
	}
	return 0;
}

/* Deletes each instance of @uri listed in @items, keyed by @key. */
static int delete_each(struct session *s, const char *name, const char *uri,
		       const char *key, const char *items)
{
	char label[128];
	char value[256];
	const char *cursor = items;

	snprintf(label, sizeof(label), "%s Delete", name);
	while ((cursor = xml_element_next(cursor, key, value, sizeof(value)))) {
		struct http_response resp;

		if (call_admin(s, label,
			       wsman_request(s->message_id++, NS_TRANSFER "Delete",
					     uri, key, value, ""),
			       "Body", &resp) < 0)
			return -1;
		http_response_free(&resp);
	}
	return 0;
}

/* Lists the CIRA policy rules and MPS, deleting old ones as RPS does. */
static int remove_old_cira(struct session *s)
{
	struct http_response items;
	int rc;

	if (enumerate_pull(s, "AMT_RemoteAccessPolicyRule", URI_POLICY_RULE,
			   &items) < 0)
		return -1;
	rc = delete_each(s, "AMT_RemoteAccessPolicyRule", URI_POLICY_RULE,
			 "PolicyRuleName", items.body);
	http_response_free(&items);
	if (rc < 0)
		return -1;

	if (enumerate_pull(s, "AMT_ManagementPresenceRemoteSAP", URI_MPS,
			   &items) < 0)
		return -1;
	rc = delete_each(s, "AMT_ManagementPresenceRemoteSAP", URI_MPS, "Name",
			 items.body);
	http_response_free(&items);
	return rc;
}

static int configure_redirection(struct session *s)
{
	struct http_response resp;

	if (get_instance(s, "AMT_RedirectionService", URI_REDIRECTION,
			 "AMT_RedirectionService", &resp) < 0)
		return -1;
	http_response_free(&resp);
	if (invoke(s, "AMT_RedirectionService", URI_REDIRECTION,
		   "RequestStateChange",
		   "<h:RequestedState>" REDIRECTION_IDER_SOL "</h:RequestedState>",
		   NULL) < 0)
		return -1;
	if (put_instance(s, "AMT_RedirectionService", URI_REDIRECTION, NULL, NULL,
			 "<h:EnabledState>" REDIRECTION_IDER_SOL "</h:EnabledState>"
			 "<h:ListenerEnabled>true</h:ListenerEnabled>",
			 "ListenerEnabled", &resp) < 0)
		return -1;
	http_response_free(&resp);

	if (get_instance(s, "IPS_OptInService", URI_OPT_IN, "IPS_OptInService",
			 &resp) < 0)
		return -1;
	http_response_free(&resp);
	if (put_instance(s, "IPS_OptInService", URI_OPT_IN, NULL, NULL,
			 "<h:OptInRequired>" OPT_IN_ALL "</h:OptInRequired>",
			 "OptInRequired", &resp) < 0)
		return -1;
	http_response_free(&resp);

	if (get_instance(s, "CIM_KVMRedirectionSAP", URI_KVM,
			 "CIM_KVMRedirectionSAP", &resp) < 0)
		return -1;
	http_response_free(&resp);
	return invoke(s, "CIM_KVMRedirectionSAP", URI_KVM, "RequestStateChange",
		      "<h:RequestedState>" KVM_ENABLED "</h:RequestedState>", NULL);
}

static int configure_cira(struct session *s)
{
	struct http_response resp;
	char mps_name[256];
	char params[8192];
	char password[17];
	int rc;

	snprintf(params, sizeof(params),
		 "<h:CertificateBlob>%s</h:CertificateBlob>",
		 s->cfg->root_certificate);
	if (invoke(s, "AMT_PublicKeyManagementService",
		   NS_AMT "AMT_PublicKeyManagementService",
		   "AddTrustedRootCertificate", params, NULL) < 0)
		return -1;

	random_hex(password, 8);
	snprintf(params, sizeof(params),
		 "<h:AccessInfo>" CIRA_ADDRESS "</h:AccessInfo>"
		 "<h:InfoFormat>3</h:InfoFormat>"
		 "<h:Port>" CIRA_PORT "</h:Port>"
		 "<h:AuthMethod>2</h:AuthMethod>"
		 "<h:Username>" CIRA_USERNAME "</h:Username>"
		 "<h:Password>%s</h:Password>"
		 "<h:CN>localhost</h:CN>", password);
	rc = invoke(s, "AMT_RemoteAccessService", URI_REMOTE_ACCESS,
		    "AddMpServer", params, &resp);
	explicit_bzero(params, sizeof(params));
	explicit_bzero(password, sizeof(password));
	if (rc < 0)
		return -1;
	rc = xml_element_text(resp.body, "Selector", mps_name, sizeof(mps_name));
	http_response_free(&resp);
	if (rc < 0 || !mps_name[0]) {
		snprintf(s->error, sizeof(s->error),
			 "AMT_RemoteAccessService.AddMpServer: the reply has no MpServer selector");
		return -1;
	}

	snprintf(params, sizeof(params),
		 "<h:Trigger>2</h:Trigger>"
		 "<h:TunnelLifeTime>0</h:TunnelLifeTime>"
		 "<h:ExtendedData>" CIRA_PERIODIC_DATA "</h:ExtendedData>"
		 "<h:MpServer><Address xmlns=\"" NS_ADDRESSING "\">default</Address>"
		 "<ReferenceParameters xmlns=\"" NS_ADDRESSING "\">"
		 "<ResourceURI xmlns=\"" NS_WSMAN "\">" URI_MPS "</ResourceURI>"
		 "<SelectorSet xmlns=\"" NS_WSMAN "\">"
		 "<Selector Name=\"Name\">%s</Selector></SelectorSet>"
		 "</ReferenceParameters></h:MpServer>", mps_name);
	if (invoke(s, "AMT_RemoteAccessService", URI_REMOTE_ACCESS,
		   "AddRemoteAccessPolicyRule", params, NULL) < 0)
		return -1;

	return invoke(s, "AMT_UserInitiatedConnectionService",
		      NS_AMT "AMT_UserInitiatedConnectionService",
		      "RequestStateChange",
		      "<h:RequestedState>" USER_INITIATED_ALL "</h:RequestedState>",
		      NULL);
}

int configure_device(struct session *s, struct config_result *result)
{
	struct http_response resp;

	/* NOTE: these texts are the peer's own, not copied from RPS. */
	result->network = "Not configured";
	result->cira = "None";
	result->tls = "None";

	if (configure_wired(s) < 0)
		return -1;
	result->network = "Wired network configured with DHCP";
	log_msg("session %u: wired network set to DHCP", s->id);

	if (get_instance(s, "AMT_8021XProfile", NS_AMT "AMT_8021XProfile",
			 "AMT_8021XProfile", &resp) < 0)
		return -1;
	http_response_free(&resp);
	if (enumerate_only(s, "CIM_IEEE8021xSettings", NS_CIM "CIM_IEEE8021xSettings") < 0 ||
	    enumerate_only(s, "CIM_WiFiEndpointSettings", NS_CIM "CIM_WiFiEndpointSettings") < 0 ||
	    enumerate_only(s, "AMT_HTTPProxyAccessPoint", NS_AMT "AMT_HTTPProxyAccessPoint") < 0)
		return -1;
	if (remove_old_cira(s) < 0)
		return -1;
	if (enumerate_only(s, "AMT_TLSSettingData", NS_AMT "AMT_TLSSettingData") < 0 ||
	    enumerate_only(s, "AMT_TLSCredentialContext", NS_AMT "AMT_TLSCredentialContext") < 0 ||
	    enumerate_only(s, "AMT_PublicKeyCertificate", NS_AMT "AMT_PublicKeyCertificate") < 0 ||
	    enumerate_only(s, "AMT_PublicPrivateKeyPair", NS_AMT "AMT_PublicPrivateKeyPair") < 0)
		return -1;
	if (get_instance(s, "AMT_EnvironmentDetectionSettingData",
			 NS_AMT "AMT_EnvironmentDetectionSettingData",
			 "AMT_EnvironmentDetectionSettingData", &resp) < 0)
		return -1;
	http_response_free(&resp);
	if (configure_redirection(s) < 0)
		return -1;
	log_msg("session %u: redirection, user consent and KVM configured", s->id);

	if (!s->act.matched->cira)
		return 0;
	if (configure_cira(s) < 0)
		return -1;
	result->cira = "Configured";
	log_msg("session %u: CIRA configured to %s:%s", s->id, CIRA_ADDRESS, CIRA_PORT);
	return 0;
}
